//! Tests of `clv`.

use super::*;
use crate::sim::Config;

fn simulated(customers: usize) -> (usize, Vec<Purchase>) {
    let mut purchases = Vec::new();
    let cfg = Config::demo(customers);
    cfg.for_each(|c| {
        for p in &c.purchases {
            purchases.push(Purchase {
                customer: c.index as u32,
                day: (p.week * 7.0).floor() as i32,
                amount: p.amount,
            });
        }
    });
    (customers, purchases)
}

fn opts(observation_end: Option<i64>) -> ClvOptions {
    ClvOptions {
        calibration_end: 7 * 39 - 1,
        observation_end,
        period: Period::Week,
        horizon_months: 12,
        discount_rate: 0.01,
        rfm_bins: 5,
        cohort_period: CohortPeriod::Month,
        churn_p_alive: 0.5,
        churn_inactivity_multiple: 3.0,
    }
}

#[test]
fn a_simulated_base_gets_sane_values_and_a_holdout_check() {
    let (n, purchases) = simulated(5_000);
    let clv = analyze(n, purchases.clone(), &opts(Some(7 * 78 - 1)), &|_, _, _| {}).unwrap();
    // The simulator draws from the CDNOW parameters; the fit should be near them.
    let p = clv.bgnbd.params;
    assert!(
        (p.r - 0.243).abs() < 0.05 && (p.alpha - 4.414).abs() < 1.5,
        "{p:?}"
    );
    for (_, v) in clv.values() {
        assert!(v.p_alive > 0.0 && v.p_alive <= 1.0);
        assert!(v.expected_purchases >= 0.0 && v.clv >= 0.0 && v.expected_spend > 0.0);
        assert!(v.clv.is_finite());
    }
    let h = clv.holdout.as_ref().unwrap();
    // Predicted and actual holdout purchases agree to within 10 % on a 5,000 base.
    assert!(
        ((h.expected_total - h.actual_total) / h.actual_total).abs() < 0.1,
        "{h:?}"
    );
    let last = h.tracking.last().unwrap();
    assert!(
        ((last.expected_cumulative - last.actual_cumulative) / last.actual_cumulative).abs() < 0.1
    );
    assert!(h
        .tracking
        .windows(2)
        .all(|w| w[0].actual_cumulative <= w[1].actual_cumulative));
    assert!(clv.pareto.top20_revenue_share > 0.2 && clv.pareto.top20_revenue_share < 1.0);
    assert_eq!(clv.pareto.revenue_curve.len(), 101);
    // Every customer is in one cohort; period 0 is everyone; 78 weeks ≈ 18 months observed.
    assert_eq!(clv.cohorts.iter().map(|c| c.customers).sum::<u64>(), 5_000);
    assert!(clv
        .cohorts
        .iter()
        .all(|c| c.retained[0] == 1.0 && c.retained.iter().all(|r| (0.0..=1.0).contains(r))));
    assert!(clv.cohorts[0].retained.len() >= 17);
    let ch = &clv.churn;
    assert_eq!(ch.customers, 5_000);
    assert!(
        ch.rate_p_alive() > 0.05 && ch.rate_p_alive() < 0.6,
        "{ch:?}"
    );
    assert!(
        ch.rate_inactivity() > 0.05 && ch.rate_inactivity() < 0.9,
        "{ch:?}"
    );
    assert_eq!(ch.by_cohort.iter().map(|c| c.1).sum::<u64>(), 5_000);
    // Per-customer flags add up to the snapshot's counts.
    let (mut by_alive, mut by_inactivity) = (0, 0);
    for (i, v) in clv.values() {
        let (a, b) = clv.churned(i, &v).unwrap();
        by_alive += u64::from(a);
        by_inactivity += u64::from(b);
    }
    assert_eq!(
        (by_alive, by_inactivity),
        (ch.churned_by_p_alive, ch.churned_by_inactivity)
    );
    let d = clv.distributions();
    assert_eq!(d.p_alive.iter().sum::<u64>(), 5_000);
    assert_eq!(d.clv.iter().sum::<u64>(), 5_000);
    assert_eq!(d.rfm_grid.len(), 25);
    assert_eq!(d.rfm_grid.iter().map(|c| c.customers).sum::<u64>(), 5_000);
    let cell = |r: u8, f: u8| d.rfm_grid.iter().find(|c| c.r == r && c.f == f).unwrap();
    assert!(
        cell(5, 5).mean_clv > cell(1, 1).mean_clv,
        "recent frequent buyers are worth more"
    );
    // The 99th-percentile cap: about 1 % of customers in the open last bin.
    assert!(d.clv[19] >= 50 && d.clv[19] < 150, "{:?}", d.clv);
}

#[test]
fn histogram_counts_every_value_once() {
    let h = histogram(
        &[-1.0, 0.0, 0.5, 0.99, 1.0, 2.0, 9.0, f64::NAN],
        0.0,
        2.0,
        4,
    );
    assert_eq!(h, vec![3, 2, 1, 2]);
    assert_eq!(histogram(&[3.0, 3.0], 3.0, 3.0, 5), vec![0, 0, 0, 0, 2]);
    assert_eq!(histogram(&[], 0.0, 1.0, 0), vec![0]);
}

#[test]
fn clv_is_the_discounted_sum_of_monthly_expected_purchases() {
    let (n, purchases) = simulated(2_000);
    let o = opts(None);
    let clv = analyze(n, purchases.clone(), &o, &|_, _, _| {}).unwrap();
    // The trend's last month end is the calibration end: the same rule, the same count.
    let last = clv.churn.trend.last().unwrap();
    assert_eq!(i64::from(last.end_day), o.calibration_end);
    assert_eq!(last.customers, clv.churn.customers);
    assert_eq!(last.churned, clv.churn.churned_by_inactivity);
    assert!(clv.churn.trend.len() >= 9, "39 weeks of months");
    assert!(clv
        .churn
        .trend
        .windows(2)
        .all(|w| w[0].customers <= w[1].customers && w[1].active_before == w[0].active));
    let m = clv.bgnbd.params;
    let (i, s) = clv
        .stats
        .iter()
        .enumerate()
        .find_map(|(i, s)| s.filter(|s| s.x > 2).map(|s| (i, s)))
        .unwrap();
    let v = clv.value(i).unwrap();
    let mut want = 0.0;
    for k in 1..=12 {
        let e = |t: f64| m.conditional_expected(t, s.x, s.t_x, s.t).unwrap();
        want +=
            v.expected_spend * (e(k as f64 * 4.345) - e((k - 1) as f64 * 4.345)) / 1.01f64.powi(k);
    }
    assert!((v.clv - want).abs() < 1e-9 * want);
}

#[test]
fn lorenz_curve_of_an_even_and_a_skewed_base() {
    let even = lorenz(&mut [1.0; 10]);
    assert!((even[20] - 0.2).abs() < 1e-12 && (even[100] - 1.0).abs() < 1e-12);
    let skewed = lorenz(&mut [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 9.0]);
    assert!((skewed[10] - 0.9).abs() < 1e-12 && (skewed[20] - 1.0).abs() < 1e-12);
    // Against the sorted definition on uneven data of awkward sizes.
    for n in [1usize, 3, 99, 101, 1000, 4321] {
        let mut x = 7u64;
        let mut v: Vec<f64> = (0..n)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                ((x >> 33) % 1000) as f64 / 7.0
            })
            .collect();
        let mut sorted = v.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let total: f64 = sorted.iter().sum();
        let curve = lorenz(&mut v);
        for (k, c) in curve.iter().enumerate() {
            let pos = k as f64 / 100.0 * n as f64;
            let lo = pos.floor() as usize;
            let want = (sorted[..lo].iter().sum::<f64>()
                + (pos - lo as f64) * sorted.get(lo).copied().unwrap_or(0.0))
                / total;
            assert!((c - want).abs() < 1e-12, "n {n}, k {k}: {c} vs {want}");
        }
    }
}

#[test]
fn bad_options_and_data_are_refused_with_reasons() {
    let (n, purchases) = simulated(200);
    let mut o = opts(Some(10));
    assert!(matches!(
        analyze(n, purchases.clone(), &o, &|_, _, _| {}),
        Err(ClvError::Options(_))
    ));
    o.observation_end = None;
    o.calibration_end = -5;
    assert_eq!(
        analyze(n, purchases.clone(), &o, &|_, _, _| {}).unwrap_err(),
        ClvError::NoCustomersBeforeCalibrationEnd
    );
    // One purchase each: no repeat purchases.
    let single: Vec<Purchase> = (0..50)
        .map(|c| Purchase {
            customer: c,
            day: c as i32,
            amount: 5.0,
        })
        .collect();
    assert_eq!(
        analyze(50, single, &opts(None), &|_, _, _| {}).unwrap_err(),
        ClvError::BgNbd(FitError::NoRepeatPurchases)
    );
}
