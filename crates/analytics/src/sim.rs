//! A simulated company for the demo store and the benchmarks, drawn from the same models the
//! analytics fit, so that later fits recover known parameters:
//!
//! * purchases follow BG/NBD (Fader, Hardie & Lee 2005): each customer buys at a Poisson rate
//!   λ ~ Gamma(r, α) per week and, after each repeat purchase, drops out with probability
//!   p ~ Beta(a, b);
//! * spend follows Gamma-Gamma (Fader & Hardie 2013): a customer's mean-spend scale
//!   ν ~ Gamma(q, γ) and each purchase's value z ~ Gamma(p, ν).
//!
//! Defaults are the published CDNOW estimates. The people (Chinese and English names,
//! birthdays, regions, channels, referrals, preferences) are invented by fixed seeded tables.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};
use std::io::Write;

pub use crate::bgnbd::BgNbd;
pub use crate::gamma_gamma::GammaGamma;

/// CDNOW estimates (Fader, Hardie & Lee 2005; Fader & Hardie 2013).
pub const CDNOW_BGNBD: BgNbd = BgNbd {
    r: 0.243,
    alpha: 4.414,
    a: 0.793,
    b: 2.426,
};
pub const CDNOW_GAMMA_GAMMA: GammaGamma = GammaGamma {
    p: 6.25,
    q: 3.74,
    gamma: 15.44,
};

#[derive(Debug, Clone)]
pub struct Config {
    pub customers: usize,
    pub seed: u64,
    pub purchases: BgNbd,
    pub spend: GammaGamma,
    /// Customers make their first purchase spread over this many weeks from the start…
    pub acquisition_weeks: f64,
    /// …and the history runs this many weeks from the start.
    pub history_weeks: f64,
    /// Share of customers referred by an earlier customer.
    pub referral_share: f64,
}

impl Config {
    pub fn demo(customers: usize) -> Config {
        Config {
            customers,
            seed: 20_05,
            purchases: CDNOW_BGNBD,
            spend: CDNOW_GAMMA_GAMMA,
            acquisition_weeks: 12.0,
            history_weeks: 78.0,
            referral_share: 0.12,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimPurchase {
    /// Weeks from the start of the history.
    pub week: f64,
    pub amount: f64,
    pub promotion: bool,
    pub item: &'static str,
    pub store: &'static str,
}

#[derive(Debug, Clone)]
pub struct SimCustomer {
    pub index: usize,
    pub external_id: String,
    pub name: String,
    pub gender: &'static str,
    /// (year, month, day)
    pub birthday: (i32, u32, u32),
    pub phone: String,
    pub email: String,
    pub region: &'static str,
    pub channel: &'static str,
    pub referred_by: Option<usize>,
    pub tags: Vec<&'static str>,
    pub consent: Vec<&'static str>,
    pub preferences: Vec<(&'static str, &'static str)>,
    pub lambda: f64,
    pub dropout: f64,
    pub purchases: Vec<SimPurchase>,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "慧", "建国", "晓东", "雨萱", "子涵", "浩然", "欣怡", "梓轩", "思远", "婷",
    "雪", "鹏", "宇", "佳怡", "志强", "海燕", "文博", "一鸣", "诗涵", "俊杰", "嘉怡", "晨曦",
    "天佑", "若曦", "国华", "丽娟", "建华", "秀兰", "玉兰", "红梅", "立新",
];
const FIRST_EN: &[(&str, &str)] = &[
    ("James", "male"),
    ("Emma", "female"),
    ("Oliver", "male"),
    ("Sophia", "female"),
    ("Lucas", "male"),
    ("Mia", "female"),
    ("Henry", "male"),
    ("Grace", "female"),
    ("Daniel", "male"),
    ("Chloe", "female"),
    ("David", "male"),
    ("Emily", "female"),
    ("Thomas", "male"),
    ("Olivia", "female"),
    ("William", "male"),
    ("Amelia", "female"),
    ("Jack", "male"),
    ("Isla", "female"),
    ("Samuel", "male"),
    ("Ava", "female"),
    ("Benjamin", "male"),
    ("Lily", "female"),
    ("Joseph", "male"),
    ("Ella", "female"),
    ("Ethan", "male"),
    ("Hannah", "female"),
    ("Leo", "male"),
    ("Ruby", "female"),
    ("Noah", "male"),
    ("Zoe", "female"),
    ("Adam", "male"),
    ("Alice", "female"),
    ("Ryan", "male"),
    ("Lucy", "female"),
    ("Kevin", "male"),
    ("Sarah", "female"),
    ("Peter", "male"),
    ("Laura", "female"),
    ("Michael", "male"),
    ("Anna", "female"),
];
const LAST_EN: &[&str] = &[
    "Smith", "Brown", "Wilson", "Taylor", "Clarke", "Walker", "Wright", "Green", "Hall", "Wood",
    "Turner", "King", "Johnson", "Evans", "Thomas", "Roberts", "Robinson", "Thompson", "White",
    "Hughes", "Edwards", "Lewis", "Harris", "Martin", "Jackson", "Cooper", "Hill", "Ward",
    "Morris", "Moore", "Clark", "Lee", "Baker", "Harrison", "Morgan", "Allen", "Young", "Scott",
    "Mitchell", "Campbell",
];
const REGIONS: &[&str] = &[
    "北京", "上海", "广州", "深圳", "杭州", "成都", "南京", "武汉", "西安", "苏州",
];
const CHANNELS: &[&str] = &["门店", "微信小程序", "天猫旗舰店", "线上广告", "企业团购"];
/// The stores of the simulated company (transactions name them; demo complaints are made at them).
pub const STORES: &[&str] = &["旗舰店", "万达店", "国贸店", "西湖店", "线上商城"];
const ITEMS: &[&str] = &[
    "精装书",
    "黑胶唱片",
    "CD 专辑",
    "礼品卡",
    "耳机",
    "签名版图书",
    "古典音乐合集",
    "纪念套装",
];
const PREFS: &[(&str, &[&str])] = &[
    ("座位", &["靠窗第二个位子", "安静角落", "吧台"]),
    ("早餐", &["豆浆油条", "美式咖啡不加糖", "燕麦粥"]),
    ("联系时间", &["工作日晚上", "周末上午", "随时"]),
    (
        "preferred contact",
        &["WeChat", "e-mail", "phone after 6pm"],
    ),
    ("包装", &["不要塑料袋", "礼品包装"]),
    ("music", &["classical", "jazz", "粤语流行"]),
];
const TAGS: &[&str] = &["会员", "newsletter", "企业客户", "学生", "生日礼遇"];

impl Config {
    /// Draw the whole simulated base (fine for demo sizes; see `for_each` for big ones).
    pub fn simulate(&self) -> Vec<SimCustomer> {
        let mut out = Vec::with_capacity(self.customers);
        self.for_each(|c| out.push(c));
        out
    }

    /// Draw customers one at a time, in order, with bounded memory.
    pub fn for_each(&self, mut f: impl FnMut(SimCustomer)) {
        let mut rng = StdRng::seed_from_u64(self.seed);
        let lambda_d =
            Gamma::new(self.purchases.r, 1.0 / self.purchases.alpha).expect("r, alpha > 0");
        let p_d = Beta::new(self.purchases.a, self.purchases.b).expect("a, b > 0");
        let nu_d = Gamma::new(self.spend.q, 1.0 / self.spend.gamma).expect("q, gamma > 0");
        for i in 0..self.customers {
            let lambda: f64 = lambda_d.sample(&mut rng);
            let dropout: f64 = p_d.sample(&mut rng);
            let nu: f64 = nu_d.sample(&mut rng);
            let z_d = Gamma::new(self.spend.p, 1.0 / nu).expect("p, nu > 0");
            let mut week = rng.gen::<f64>() * self.acquisition_weeks;
            let mut purchases = Vec::new();
            // Habits, from a stream of their own (the purchases draw exactly as before): one
            // customer in seven hunts deals (50–90 % of purchases on promotion, the others
            // 15 %); two in five keep to a home store (85–100 % of visits, the others 30–70 %).
            let mut habits = StdRng::seed_from_u64(
                self.seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            );
            let promo = if habits.gen_bool(1.0 / 7.0) {
                habits.gen_range(0.5..0.9)
            } else {
                0.15
            };
            let home = *STORES.choose(&mut habits).unwrap();
            let loyal_to_home = if habits.gen_bool(0.4) {
                habits.gen_range(0.85..1.0)
            } else {
                habits.gen_range(0.3..0.7)
            };
            let mut buy = |week: f64, rng: &mut StdRng| SimPurchase {
                week,
                amount: (z_d.sample(rng) * 100.0).round().max(1.0) / 100.0,
                promotion: rng.gen_bool(promo),
                item: ITEMS.choose(rng).unwrap(),
                store: match STORES.choose(rng).unwrap() {
                    _ if habits.gen_bool(loyal_to_home) => home,
                    other => other,
                },
            };
            purchases.push(buy(week, &mut rng));
            if lambda > 0.0 {
                let gap = Exp::new(lambda).expect("lambda > 0");
                loop {
                    week += gap.sample(&mut rng);
                    if week >= self.history_weeks {
                        break;
                    }
                    purchases.push(buy(week, &mut rng));
                    // After each repeat purchase the customer may become inactive for good.
                    if rng.gen_bool(dropout.clamp(0.0, 1.0)) {
                        break;
                    }
                }
            }
            let chinese = rng.gen_bool(0.75);
            let (name, gender, email_local) = if chinese {
                let s = SURNAMES.choose(&mut rng).unwrap();
                let g = GIVEN.choose(&mut rng).unwrap();
                let gender = if rng.gen_bool(0.5) { "female" } else { "male" };
                (format!("{s}{g}"), gender, format!("user{i}"))
            } else {
                let (f, gender) = FIRST_EN.choose(&mut rng).unwrap();
                let l = LAST_EN.choose(&mut rng).unwrap();
                (
                    format!("{f} {l}"),
                    *gender,
                    format!("{}.{}{}", f.to_lowercase(), l.to_lowercase(), i),
                )
            };
            let referred_by =
                (i > 10 && rng.gen_bool(self.referral_share)).then(|| rng.gen_range(0..i));
            let channel = if referred_by.is_some() {
                "朋友推荐"
            } else {
                CHANNELS.choose(&mut rng).unwrap()
            };
            let n_prefs = if rng.gen_bool(0.35) {
                rng.gen_range(1..=3)
            } else {
                0
            };
            let mut preferences: Vec<(&str, &str)> = Vec::new();
            for (k, vs) in PREFS.choose_multiple(&mut rng, n_prefs) {
                preferences.push((k, vs.choose(&mut rng).unwrap()));
            }
            let mut tags: Vec<&str> = TAGS
                .iter()
                .copied()
                .filter(|_| rng.gen_bool(0.15))
                .collect();
            tags.sort();
            let consent: Vec<&str> = ["email", "sms", "wechat"]
                .into_iter()
                .filter(|_| rng.gen_bool(0.6))
                .collect();
            f(SimCustomer {
                index: i,
                external_id: format!("C{:07}", i + 1),
                name,
                gender,
                birthday: (
                    rng.gen_range(1958..=2004),
                    rng.gen_range(1..=12),
                    rng.gen_range(1..=28),
                ),
                phone: format!(
                    "+86 1{}{}-{:04}-{:04}",
                    rng.gen_range(3..=9),
                    rng.gen_range(0..10),
                    rng.gen_range(0..10_000),
                    i % 10_000
                ),
                email: format!("{email_local}@example.com"),
                region: REGIONS.choose(&mut rng).unwrap(),
                channel,
                referred_by,
                tags,
                consent,
                preferences,
                lambda,
                dropout,
                purchases,
            });
        }
    }
}

/// Quote a CSV field when it needs it.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

pub const CUSTOMER_HEADER: &str = "external_id,name,phone,email,gender,birthday,region,channel,referred_by,tags,segment,consent,preferences,lang";
pub const TRANSACTION_HEADER: &str = "external_id,customer_id,occurred_at,amount,currency,channel,store,items,quantity,promotion,is_return";

impl SimCustomer {
    /// The company's segment: VIP for the frequent buyers (purchase rate above 0.15 a week, about
    /// the top tenth), then members (two in five of the rest) and regular customers.
    pub fn segment(&self) -> &'static str {
        if self.lambda > 0.15 {
            "VIP"
        } else if self.index % 5 < 2 {
            "会员"
        } else {
            "普通"
        }
    }

    /// The language the customer is written to in: English for one in forty (overseas
    /// customers), Chinese for the rest.
    pub fn lang(&self) -> &'static str {
        if self.index % 40 == 7 {
            "en"
        } else {
            "zh-CN"
        }
    }

    pub fn write_customer_csv(
        &self,
        w: &mut impl Write,
        all_ids: impl Fn(usize) -> String,
    ) -> std::io::Result<()> {
        let (y, m, d) = self.birthday;
        let prefs: Vec<String> = self
            .preferences
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        writeln!(
            w,
            "{},{},{},{},{},{y:04}-{m:02}-{d:02},{},{},{},{},{},{},{},{}",
            self.external_id,
            csv_field(&self.name),
            self.phone,
            self.email,
            self.gender,
            self.region,
            self.channel,
            self.referred_by.map(&all_ids).unwrap_or_default(),
            csv_field(&self.tags.join(", ")),
            self.segment(),
            csv_field(&self.consent.join(", ")),
            csv_field(&prefs.join("; ")),
            self.lang(),
        )
    }

    /// Write this customer's purchases; `start_unix` is the history's start (seconds) and
    /// `until_unix` drops anything later.
    pub fn write_transactions_csv(
        &self,
        w: &mut impl Write,
        start_unix: i64,
        until_unix: i64,
    ) -> std::io::Result<usize> {
        let mut n = 0;
        for (k, p) in self.purchases.iter().enumerate() {
            let t = start_unix + (p.week * 7.0 * 86_400.0) as i64;
            if t > until_unix {
                break;
            }
            let channel = if p.store == "线上商城" {
                "online"
            } else {
                "store"
            };
            writeln!(
                w,
                "T{}-{},{},{},{:.2},CNY,{channel},{},{},1,{},0",
                &self.external_id[1..],
                k + 1,
                self.external_id,
                unix_to_stored(t),
                p.amount,
                p.store,
                p.item,
                u8::from(p.promotion)
            )?;
            n += 1;
        }
        Ok(n)
    }
}

/// Seconds since 1970 to `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn unix_to_stored(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = crate::days::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_convert() {
        assert_eq!(unix_to_stored(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_to_stored(852_076_800), "1997-01-01T00:00:00Z");
        assert_eq!(unix_to_stored(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }

    #[test]
    fn simulation_is_seeded_and_follows_the_models() {
        let cfg = Config::demo(20_000);
        let a = cfg.simulate();
        let b = cfg.simulate();
        assert_eq!(a.len(), 20_000);
        assert_eq!(a[123].name, b[123].name);
        assert_eq!(a[123].purchases.len(), b[123].purchases.len());
        // E[λ] = r/α and E[p] = a/(a+b): the sample means come close.
        let n = a.len() as f64;
        let mean_lambda = a.iter().map(|c| c.lambda).sum::<f64>() / n;
        let mean_p = a.iter().map(|c| c.dropout).sum::<f64>() / n;
        assert!((mean_lambda - 0.243 / 4.414).abs() < 0.003, "{mean_lambda}");
        assert!((mean_p - 0.793 / (0.793 + 2.426)).abs() < 0.01, "{mean_p}");
        // Mean spend per purchase: E[z] = p·γ/(q−1) ≈ 35.2 at the CDNOW values.
        let (sum, cnt) = a
            .iter()
            .flat_map(|c| &c.purchases)
            .fold((0.0, 0.0), |(s, k), p| (s + p.amount, k + 1.0));
        let expected = 6.25 * 15.44 / (3.74 - 1.0);
        assert!(
            ((sum / cnt) - expected).abs() / expected < 0.05,
            "{}",
            sum / cnt
        );
        assert!(a.iter().all(|c| c.referred_by.is_none_or(|r| r < c.index)));
        // Mainland mobile numbers: +86, then 11 digits starting 13–19.
        for c in &a {
            let digits: String = c.phone[4..].chars().filter(char::is_ascii_digit).collect();
            assert!(c.phone.starts_with("+86 1"), "{}", c.phone);
            assert_eq!(digits.len(), 11, "{}", c.phone);
            assert!(matches!(digits.as_bytes()[1], b'3'..=b'9'), "{}", c.phone);
        }
    }
}
