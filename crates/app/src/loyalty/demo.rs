//! The demo store's loyalty and churn management: staff among the customers and the survey
//! respondents (tagged 员工: kinship loyalty), annual membership cards (会员卡) for about one customer in eight, started over the
//! last five years and cancelled as a shifted-beta-geometric process would (so the contract
//! retention chart has a story), with the yearly category spend members register (share of
//! wallet), a classification after each of
//! the demo's customer-value runs (so there is movement between types), churn types confirmed
//! by the manager for some lapsed customers, and win-back tasks — some done (won back, declined,
//! unreachable), some open.

use crate::churn::winback::{ConfirmRequest, CreateTasks};
use crate::{Actor, App, AppError};
use domain::access::Role;
use domain::churn::{Outcome, WinbackStep};
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution};

fn as_role(username: &str, role: Role) -> Actor {
    Actor {
        user_id: None,
        username: username.into(),
        role,
        lang: domain::Lang::ZhCn,
    }
}

impl App {
    /// Membership cards: start within the last five years, renewed each year with a
    /// probability of the customer's own, drawn from Beta(0.7, 3.5).
    pub(crate) async fn demo_contracts(&self) -> Result<(), AppError> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2016);
        let churn = Beta::new(0.7, 3.5).map_err(AppError::internal)?;
        let today = chrono::Utc::now().date_naive();
        let n = self.store.count("customers").await?;
        let mut contracts = Vec::new();
        for id in 1..=n {
            if rng.gen_range(0..8) != 0 {
                continue;
            }
            let start = today - chrono::Duration::days(rng.gen_range(30..5 * 365));
            let theta: f64 = churn.sample(&mut rng);
            let mut end = String::new();
            let mut year = 1;
            loop {
                let renewal = start + chrono::Duration::days(365 * year);
                if renewal > today {
                    break;
                }
                if rng.gen_bool(theta.clamp(0.0, 1.0)) {
                    end = renewal.to_string();
                    break;
                }
                year += 1;
            }
            // Members tell the household's yearly grocery spend when they register (the share
            // of wallet for those who never answer a survey).
            let spend = domain::customers::format_money(rng.gen_range(30..300) * 10_000);
            contracts.push((id, start.to_string(), end, spend));
        }
        Ok(self.store.set_contracts(&contracts).await?)
    }

    /// Some staff and their families shop here too (kinship loyalty, 亲缘忠诚): one customer in
    /// sixty, and — after the first classification — a third of the regular buyers whose
    /// attachment is low (staff buy here because they work here, whatever they think of it),
    /// so the next classification finds kinship loyalty.
    pub(crate) async fn demo_staff(&self, first: bool) -> Result<(), AppError> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(60);
        if first {
            let n = self.store.count("customers").await?;
            let staff: Vec<i64> = (1..=n).filter(|_| rng.gen_range(0..60) == 0).collect();
            return Ok(self.store.tag_untagged(&staff, "员工").await?);
        }
        let mut regulars = self.store.customers_of_type("spurious").await?;
        regulars.extend(self.store.customers_of_type("inertia").await?);
        let staff: Vec<i64> = regulars
            .into_iter()
            .filter(|_| rng.gen_range(0..3) == 0)
            .collect();
        Ok(self.store.add_tag(&staff, "员工").await?)
    }

    /// Twelve weeks ago (on the classification calibrated 13 weeks ago) the manager confirmed
    /// the churn type of twenty lapsed customers and gave the twelve most valuable to the agent
    /// as win-back tasks, worked within a week: a customer who did buy again since counts as
    /// won back, the others declined or were unreachable.
    pub(crate) async fn demo_past_winback(&self) -> Result<(), AppError> {
        let manager = as_role("manager", Role::Manager);
        let agent = as_role("agent", Role::Agent);
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let (candidates, _) = self.winback_candidates(&manager, 40).await?;
        let causes = [
            "product",
            "price",
            "management",
            "promotion",
            "arrogance",
            "broken_promises",
            "other",
        ];
        let reasons = [
            "搬家到外地了",
            "觉得隔壁新开的超市更便宜",
            "上次投诉后一直没人回访",
            "促销结束后就不来了",
            "收银员态度差",
            "",
        ];
        for (k, c) in candidates.iter().take(20).enumerate() {
            let a = self.store.churn_assessment(c.profile.customer_id).await?;
            let proposed = a
                .as_ref()
                .map(|a| a.proposed_type.clone())
                .unwrap_or_default();
            let reason = reasons[k % reasons.len()];
            let churn_type = match reason {
                "搬家到外地了" => "natural",
                "觉得隔壁新开的超市更便宜" => "competitive",
                "" if !proposed.is_empty() => proposed.as_str(),
                _ => "fault",
            };
            let req = ConfirmRequest {
                version: a.map(|a| a.version),
                churn_type: churn_type.into(),
                cause: causes[rng.gen_range(0..causes.len())].into(),
                exit_reason: reason.into(),
            };
            self.confirm_churn_type(&manager, c.profile.customer_id, &req)
                .await?;
        }
        let picked: Vec<i64> = candidates
            .iter()
            .take(12)
            .map(|c| c.profile.customer_id)
            .collect();
        let created = self
            .create_winback_tasks(
                &manager,
                &CreateTasks {
                    customer_ids: picked.clone(),
                    assignee: "agent".into(),
                    due_date: String::new(),
                },
            )
            .await?;
        let unhappy = [
            "等待结账时间太长",
            "买到的牛奶变质，处理太慢",
            "会员价不如别家",
            "送货员态度差",
        ];
        let remedies = [
            "赠送 50 元代金券并致歉",
            "补发商品并上门道歉",
            "升级为银卡会员",
            "店长电话致歉并赠送礼品",
        ];
        let now = chrono::Utc::now();
        let at = |days: i64| domain::time::to_stored(now - chrono::Duration::days(days));
        for (k, (id, customer)) in created.iter().zip(&picked).enumerate() {
            let came_back = self.store.bought_since(*customer, &at(80)).await?;
            let outcome = if came_back {
                Outcome::WonBack
            } else if k % 3 == 0 {
                Outcome::Unreachable
            } else {
                Outcome::Declined
            };
            let mut steps = Vec::new();
            if outcome != Outcome::Unreachable {
                steps.push(WinbackStep::Contact {
                    apologised: true,
                    unhappy_with: unhappy[k % unhappy.len()].into(),
                });
                steps.push(WinbackStep::Remedy {
                    remedy: remedies[k % remedies.len()].into(),
                });
            }
            steps.push(WinbackStep::Outcome {
                outcome,
                note: String::new(),
            });
            let mut version = 1;
            for s in steps {
                version = self.winback_step(&agent, *id, version, &s).await?.version;
            }
            self.store
                .backdate_winback_task(*id, &at(84), &at(82), Some((&at(80), &at(-10))))
                .await?;
        }
        Ok(())
    }

    /// Today: open win-back tasks for the eight most valuable customers at risk now.
    pub(crate) async fn demo_open_winback(&self) -> Result<(), AppError> {
        let manager = as_role("manager", Role::Manager);
        let (candidates, _) = self.winback_candidates(&manager, 8).await?;
        let ids: Vec<i64> = candidates.iter().map(|c| c.profile.customer_id).collect();
        if !ids.is_empty() {
            self.create_winback_tasks(
                &manager,
                &CreateTasks {
                    customer_ids: ids,
                    assignee: "agent".into(),
                    due_date: String::new(),
                },
            )
            .await?;
        }
        Ok(())
    }
}
