//! The Loyalty page's actions: classify now, export a list, save or delete a segment, and
//! create win-back tasks in bulk from the ticked customers.

use crate::loyalty::{render, PageQuery};
use crate::{actor, answer, download, error_page, Answer, WebCtx};
use app::loyalty::SegmentFilter;
use app::App;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn run(State(app): State<App>, ctx: WebCtx, Form(f): Form<CsrfForm>) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.run_loyalty(actor(&ctx)).await
    }
    .await;
    match answer(&ctx, r, |_| "/loyalty".into()) {
        Answer::Page(r) => r,
        Answer::Again(m) => render(&app, &ctx, &PageQuery::default(), Some(m)).await,
    }
}

pub(crate) async fn export(
    State(app): State<App>,
    ctx: WebCtx,
    Query(q): Query<PageQuery>,
) -> Response {
    match app
        .export_loyalty_customers(actor(&ctx), &q.filter(), &q.format)
        .await
    {
        Ok(d) => download(d),
        Err(e) => error_page(&ctx, e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct SegmentForm {
    csrf: String,
    name: String,
    #[serde(rename = "type")]
    loyalty_type: String,
    status: String,
    segment: String,
    top20: String,
}

pub(crate) async fn save_segment(
    State(app): State<App>,
    ctx: WebCtx,
    Form(f): Form<SegmentForm>,
) -> Response {
    let filter = SegmentFilter {
        loyalty_type: f.loyalty_type.clone(),
        status: f.status.clone(),
        segment: f.segment.clone(),
        top20: f.top20 == "1",
    };
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.save_segment(actor(&ctx), &f.name, &filter).await
    }
    .await;
    match answer(&ctx, r, |id| format!("/loyalty?saved={id}")) {
        Answer::Page(r) => r,
        Answer::Again(m) => {
            let q = PageQuery {
                loyalty_type: filter.loyalty_type,
                status: filter.status,
                segment: filter.segment,
                top20: filter.top20.then(|| "1".into()),
                ..PageQuery::default()
            };
            render(&app, &ctx, &q, Some(m)).await
        }
    }
}

pub(crate) async fn delete_segment(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let r = async {
        ctx.check_csrf(&f.csrf)?;
        app.delete_segment(actor(&ctx), id).await
    }
    .await;
    match answer(&ctx, r, |_| "/loyalty".into()) {
        Answer::Page(r) => r,
        Answer::Again(m) => render(&app, &ctx, &PageQuery::default(), Some(m)).await,
    }
}

/// The list's ticked customers (`customer` repeated) as win-back tasks.
pub(crate) async fn create_tasks(
    State(app): State<App>,
    ctx: WebCtx,
    body: axum::body::Bytes,
) -> Response {
    let mut csrf = String::new();
    let mut req = app::churn::winback::CreateTasks::default();
    let mut back = String::from("/loyalty");
    let mut bad_id = None;
    for (k, v) in form_urlencoded_pairs(&body) {
        match k.as_str() {
            "csrf" => csrf = v,
            "customer" => match v.parse() {
                Ok(id) => req.customer_ids.push(id),
                Err(_) => bad_id = Some(v),
            },
            "assignee" => req.assignee = v,
            "due_date" => req.due_date = v,
            "back"
                if ["/loyalty", "/churn/", "/customers/"]
                    .iter()
                    .any(|p| v.starts_with(p))
                    && !v.contains("//") =>
            {
                back = v
            }
            _ => {}
        }
    }
    let r = async {
        ctx.check_csrf(&csrf)?;
        if let Some(v) = bad_id {
            return Err(app::AppError::field(
                ctx.actor.lang,
                "customer",
                format!("'{v}'"),
            ));
        }
        app.create_winback_tasks(actor(&ctx), &req).await
    }
    .await;
    let to = if back.starts_with("/customers/") {
        back
    } else {
        "/churn/winback".into()
    };
    match answer(&ctx, r, |_| to) {
        Answer::Page(r) => r,
        Answer::Again(m) => render(&app, &ctx, &PageQuery::default(), Some(m)).await,
    }
}

/// `application/x-www-form-urlencoded` pairs, keeping repeated keys.
pub(crate) fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}
