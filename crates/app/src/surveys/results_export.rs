//! A wave's results as files: each table of [`super::results::TABLES`] in CSV or Excel.

use super::results::*;
use crate::{Actor, App, AppError};
use domain::Lang;

impl App {
    /// One table of a wave's results as a file, one of [`TABLES`].
    pub async fn export_wave_results(
        &self,
        actor: &Actor,
        wave_id: i64,
        table: &str,
        format: &str,
        bootstrap: usize,
    ) -> Result<crate::churn::results::Download, AppError> {
        let r = self.wave_results_with(actor, wave_id, bootstrap).await?;
        let lang = actor.lang;
        let f = |v: f64| {
            if v.is_finite() {
                format!("{v:.6}")
            } else {
                String::new()
            }
        };
        let o = |v: Option<f64>| v.map_or(String::new(), f);
        let (headers, rows): (&[&str], Vec<Vec<String>>) = match table {
            "" | "measures" => (
                &["item", "text", "measure", "value", "lower", "upper", "n"],
                r.measures
                    .iter()
                    .map(|m| {
                        vec![
                            m.item.clone(),
                            m.text.get(lang).to_string(),
                            m.kind.clone(),
                            f(m.estimate.value),
                            f(m.estimate.lower),
                            f(m.estimate.upper),
                            m.estimate.n.to_string(),
                        ]
                    })
                    .collect(),
            ),
            "elements" => (
                &[
                    "element",
                    "name",
                    "index",
                    "r2",
                    "ave",
                    "composite_reliability",
                    "importance",
                    "importance_loyalty",
                    "quadrant",
                ],
                r.model
                    .iter()
                    .flat_map(|m| &m.elements)
                    .map(|e| {
                        vec![
                            e.code.clone(),
                            e.name.get(lang).to_string(),
                            f(e.index),
                            o(e.r2),
                            f(e.ave),
                            f(e.composite_reliability),
                            o(e.importance),
                            o(e.importance_loyalty),
                            e.quadrant.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            ),
            "paths" => (
                &["from", "to", "coefficient", "lower", "upper", "se"],
                r.model
                    .iter()
                    .flat_map(|m| &m.paths)
                    .map(|p| {
                        vec![
                            p.from.clone(),
                            p.to.clone(),
                            f(p.coefficient),
                            o(p.lower),
                            o(p.upper),
                            o(p.se),
                        ]
                    })
                    .collect(),
            ),
            "segments" | "periods" => (
                &[
                    "group",
                    "responses",
                    "item",
                    "measure",
                    "value",
                    "lower",
                    "upper",
                    "n",
                ],
                if table == "segments" {
                    &r.by_segment
                } else {
                    &r.by_period
                }
                .iter()
                .flat_map(|g| {
                    g.measures.iter().map(|(item, kind, e)| {
                        vec![
                            g.group.clone(),
                            g.responses.to_string(),
                            item.clone(),
                            kind.clone(),
                            f(e.value),
                            f(e.lower),
                            f(e.upper),
                            e.n.to_string(),
                        ]
                    })
                })
                .collect(),
            ),
            "gaps" => (
                &[
                    "item",
                    "text",
                    "expected",
                    "perceived",
                    "ratio",
                    "ratio_lower",
                    "ratio_upper",
                    "difference",
                    "difference_lower",
                    "difference_upper",
                    "n",
                ],
                r.gaps
                    .iter()
                    .map(|g| {
                        vec![
                            g.item.clone(),
                            g.text.get(lang).to_string(),
                            f(g.expected),
                            f(g.perceived),
                            f(g.ratio.value),
                            f(g.ratio.lower),
                            f(g.ratio.upper),
                            f(g.difference.value),
                            f(g.difference.lower),
                            f(g.difference.upper),
                            g.ratio.n.to_string(),
                        ]
                    })
                    .collect(),
            ),
            "behaviour" => (
                &[
                    "band",
                    "respondents",
                    "satisfaction",
                    "mean_purchases",
                    "mean_spend",
                ],
                r.behaviour
                    .iter()
                    .flat_map(|b| &b.bands)
                    .map(|(band, n, s, p, m)| {
                        vec![band.clone(), n.to_string(), f(*s), f(*p), f(*m)]
                    })
                    .collect(),
            ),
            "distributions" => (
                &["item", "text", "answer", "count"],
                r.distributions
                    .iter()
                    .flat_map(|d| {
                        d.labels.iter().zip(&d.counts).map(|(label, c)| {
                            vec![
                                d.item.clone(),
                                d.text.get(lang).to_string(),
                                label.clone(),
                                c.to_string(),
                            ]
                        })
                    })
                    .collect(),
            ),
            "comments" => (
                &["item", "answer"],
                r.comments
                    .iter()
                    .map(|(i, t)| vec![i.clone(), t.clone()])
                    .collect(),
            ),
            other => {
                return Err(AppError::field(
                    lang,
                    "table",
                    match lang {
                        Lang::En => {
                            format!("unknown table '{other}' (one of {})", TABLES.join(", "))
                        }
                        Lang::ZhCn => format!("没有表 '{other}'（可选：{}）", TABLES.join("、")),
                    },
                ))
            }
        };
        let numeric: Vec<&str> = headers
            .iter()
            .copied()
            .filter(|h| {
                !matches!(
                    *h,
                    "item"
                        | "text"
                        | "measure"
                        | "element"
                        | "name"
                        | "quadrant"
                        | "from"
                        | "to"
                        | "group"
                        | "band"
                        | "answer"
                )
            })
            .collect();
        crate::churn::results::rows_download(
            &format!(
                "wave-{wave_id}-{}",
                if table.is_empty() { "measures" } else { table }
            ),
            headers,
            &numeric,
            &rows,
            format,
        )
        .map_err(|e| AppError::field(lang, "format", e))
    }
}
