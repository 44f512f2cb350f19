//! The demo store's complaints: a few hundred cases in Chinese and English over the last year,
//! each following one of the demo customers' purchases, across channels, causes and severities,
//! taken through the protocol with back-dated steps (recent ones still open, some past their
//! service levels and escalated), two teams, follow-up visits and lessons. In the demo's world,
//! as in the seeds, complaints settled on the spot bring the customer back more often: a case
//! whose customer did buy again afterwards is more likely to have been settled on the spot.

use super::ComplaintInput;
use crate::{Actor, App, AppError};
use chrono::{DateTime, Duration, Utc};
use domain::access::Role;
use domain::complaints::{Action, Cause};
use domain::time::{parse_instant, to_stored};
use domain::Lang;
use rand::{Rng, SeedableRng};

/// (cause, situation zh, situation en, product).
const SITUATIONS: &[(Cause, &str, &str, &str)] = &[
    (
        Cause::Product,
        "买回家的精装书缺了十几页。",
        "The hardback I bought is missing a dozen pages.",
        "精装书 hardback",
    ),
    (
        Cause::Product,
        "新买的黑胶唱片有划痕，一放就跳针。",
        "The new vinyl record is scratched and skips.",
        "黑胶唱片 vinyl",
    ),
    (
        Cause::Product,
        "包装破损，纪念套装里的书签和明信片都压坏了。",
        "The box was crushed and the gift set's bookmarks and postcards bent.",
        "纪念套装 gift set",
    ),
    (
        Cause::Product,
        "书店咖啡区的蛋糕已经过期了。",
        "The cake at the bookshop café was past its date.",
        "咖啡区 café",
    ),
    (
        Cause::Service,
        "收银员态度冷淡，找零还出错。",
        "The cashier was curt and gave the wrong change.",
        "门店服务 store service",
    ),
    (
        Cause::Service,
        "热线等了 40 分钟才有人接。",
        "I waited 40 minutes on the hotline.",
        "客服热线 hotline",
    ),
    (
        Cause::Service,
        "送货员没打电话就把货放在门口。",
        "The courier left the parcel at the door without calling.",
        "送货 delivery",
    ),
    (
        Cause::Service,
        "退款申请两周了还没有处理。",
        "My refund request has not been handled in two weeks.",
        "退款 refund",
    ),
    (
        Cause::FalseInformation,
        "广告说买一送一，到店却说活动已结束。",
        "The ad said buy one get one free; in store they said it had ended.",
        "促销 promotion",
    ),
    (
        Cause::FalseInformation,
        "导购说可以无理由退货，实际不行。",
        "The assistant said no-questions returns; it was not so.",
        "退换货 returns",
    ),
    (
        Cause::CustomerOrOutside,
        "快递公司把包裹送错了地址。",
        "The carrier delivered to the wrong address.",
        "物流 carrier",
    ),
    (
        Cause::CustomerOrOutside,
        "我自己下单选错了版本（要简体版），希望能换。",
        "I ordered the wrong edition myself and want to swap.",
        "图书 books",
    ),
    (
        Cause::HighExpectations,
        "会员日的折扣比我想象的少很多。",
        "The member-day discount was far less than I expected.",
        "会员 membership",
    ),
    (
        Cause::HighExpectations,
        "以为是签名版，结果收到的是普通版。",
        "I thought it was the signed edition; it was the ordinary one.",
        "签名版图书 signed edition",
    ),
];

/// Complaints are made at the company's stores (those its transactions name).
const PLACES: &[&str] = analytics::sim::STORES;

fn pick<'a, T>(rng: &mut impl Rng, v: &'a [T]) -> &'a T {
    &v[rng.gen_range(0..v.len())]
}

impl App {
    /// Add the demo complaints (once: only when the store has none).
    pub(crate) async fn demo_complaints(&self) -> Result<(), AppError> {
        if self.store.count("complaints").await? > 0 {
            return Ok(());
        }
        let customers = self.store.count("customers").await?;
        if customers < 40 {
            return Ok(());
        }
        let admin = Actor {
            user_id: None,
            username: "demo".into(),
            role: Role::Admin,
            lang: Lang::En,
        };
        if self.store.teams().await?.is_empty() {
            self.create_complaint_team(&admin, "门店组 Store team", "manager", &["agent".into()])
                .await?;
            self.create_complaint_team(&admin, "客服热线 Hotline", "manager", &[])
                .await?;
        }
        let teams = self.store.teams().await?;
        let settings = self.complaint_settings().await?;
        let now = Utc::now();
        let n = (customers / 3).clamp(40, 320);
        let since = to_stored(now - Duration::days(365));
        let purchases = self.store.random_purchases(&since, n).await?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        for (customer_id, bought) in purchases {
            let Ok(bought) = parse_instant(&bought) else {
                continue;
            };
            // One in ten came in during the last few days (the agents' current queue).
            let received = if rng.gen_bool(0.1) {
                now - Duration::minutes(rng.gen_range(30..5 * 24 * 60))
            } else {
                bought + Duration::minutes(rng.gen_range(60..14 * 24 * 60))
            };
            // People complain while shops and lines are open: a night hour on the company's
            // clock moves to the day (22:00 → 08:00, 03:00 → 13:00).
            let local_hour = chrono::Timelike::hour(&domain::time::wall_clock(
                received,
                settings.hours.utc_offset_minutes,
            ));
            let received = if !(8..22).contains(&local_hour) {
                received + Duration::hours(10)
            } else {
                received
            };
            if received > now - Duration::hours(1) {
                continue;
            }
            let (cause, zh, en, product) = *pick(&mut rng, SITUATIONS);
            let chinese = rng.gen_bool(0.65);
            let severity = match rng.gen_range(0..100) {
                0..=39 => "low",
                40..=74 => "medium",
                75..=94 => "high",
                _ => "critical",
            };
            let channel = *pick(
                &mut rng,
                &["phone", "counter", "web", "wechat", "email", "app"],
            );
            let mut wants = vec!["solution".to_string()];
            if rng.gen_bool(0.4) {
                wants.push(pick(&mut rng, &["respect", "compensation", "vent"]).to_string());
            }
            let input = ComplaintInput {
                received_at: to_stored(received),
                channel: channel.into(),
                place: pick(&mut rng, PLACES).to_string(),
                customer_id: Some(customer_id),
                situation: if chinese { zh } else { en }.into(),
                product: product.into(),
                severity: severity.into(),
                wants,
                assignee: if rng.gen_bool(0.7) {
                    "agent"
                } else {
                    "manager"
                }
                .into(),
                ..ComplaintInput::default()
            };
            let view = self.create_complaint(&admin, &input).await?;
            // How far it got: older cases are mostly closed, recent ones still being handled.
            let age_days = (now - received).num_days();
            let last_step = if age_days > 30 {
                match rng.gen_range(0..100) {
                    0..=74 => 6,
                    75..=84 => 5,
                    85..=92 => 4,
                    _ => rng.gen_range(1..4),
                }
            } else if age_days > 7 {
                rng.gen_range(2..=6)
            } else {
                rng.gen_range(0..=3)
            };
            // Settled on the spot: likelier for customers who came back, as the seeds observe.
            let came_back = self
                .store
                .bought_between(
                    customer_id,
                    &to_stored(received),
                    &to_stored(received + Duration::days(settings.recovery_days)),
                )
                .await?;
            let spot = matches!(severity, "low" | "medium")
                && rng.gen_bool(if came_back { 0.55 } else { 0.15 });
            let gap = |rng: &mut rand::rngs::StdRng, lo: i64, hi: i64| {
                Duration::minutes(if spot {
                    rng.gen_range(2..10)
                } else {
                    rng.gen_range(lo..hi)
                })
            };
            let mut at: DateTime<Utc> = received;
            let mut c = view.complaint;
            let money = if rng.gen_bool(0.4) {
                rng.gen_range(1..20) * 1000
            } else {
                0
            };
            let (lesson_zh, lesson_en) = lesson(cause);
            let steps = [
                Action::Acknowledge {
                    note: if chinese {
                        "耐心倾听，表示理解并致歉。"
                    } else {
                        "Listened, showed understanding and apologised."
                    }
                    .into(),
                },
                Action::Analyse {
                    cause,
                    sub_cause: String::new(),
                    justified: !matches!(cause, Cause::CustomerOrOutside | Cause::HighExpectations),
                    note: String::new(),
                },
                Action::Propose {
                    solution: if chinese {
                        "按公司政策退换并致歉。"
                    } else {
                        "Replace or refund under our policy, with an apology."
                    }
                    .into(),
                    compensation_offered: money,
                    note: String::new(),
                },
                Action::Resolve {
                    accepted: rng.gen_bool(0.9),
                    compensation_given: money,
                    on_the_spot: spot,
                    note: String::new(),
                },
                Action::FollowUp {
                    result: if chinese {
                        "电话回访，顾客表示满意。"
                    } else {
                        "Called back; the customer is satisfied."
                    }
                    .into(),
                    satisfied: Some(rng.gen_bool(if came_back { 0.85 } else { 0.6 })),
                },
                Action::Close {
                    lesson: if chinese { lesson_zh } else { lesson_en }.into(),
                },
            ];
            for (k, action) in steps.iter().enumerate().take(last_step) {
                at += match k {
                    0 => gap(&mut rng, 10, 8 * 60),
                    1 => gap(&mut rng, 30, 24 * 60),
                    2 => gap(&mut rng, 30, 48 * 60),
                    3 => gap(&mut rng, 60, 96 * 60),
                    4 => {
                        Duration::days(crate::care::FOLLOW_UP_DAYS)
                            + Duration::hours(rng.gen_range(0..48))
                    }
                    _ => Duration::hours(rng.gen_range(2..72)),
                };
                if at > now {
                    break;
                }
                // The deadlines that passed before this step: warned and breached then.
                c = self.fire_case_timers_until(c, &teams, at).await?;
                c = self
                    .apply_step(&c, action, &c.assignee.clone(), at, Lang::En)
                    .await?;
            }
            self.fire_case_timers_until(c, &teams, now).await?;
        }
        // The open cases past their service levels are warned about and escalated now.
        self.sweep_complaint_timers(now).await?;
        Ok(())
    }
}

fn lesson(c: Cause) -> (&'static str, &'static str) {
    match c {
        Cause::Product => (
            "到货抽检，问题批次下架。",
            "Check deliveries on arrival; pull faulty batches.",
        ),
        Cause::Service => (
            "高峰时段增加人手，服务用语培训。",
            "More staff at peak hours; training in how to speak to customers.",
        ),
        Cause::FalseInformation => (
            "促销文案上线前由店长核对。",
            "Store managers check promotion texts before they go out.",
        ),
        Cause::CustomerOrOutside => (
            "与快递公司约定签收规则。",
            "Agree delivery rules with the carrier.",
        ),
        Cause::HighExpectations => (
            "商品页写清型号与折扣条件。",
            "State the model and discount terms plainly on the product page.",
        ),
    }
}
