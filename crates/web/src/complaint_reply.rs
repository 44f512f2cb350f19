//! The case page's reply to the customer: by e-mail when it can go (the app layer queues it with
//! the history entry), else recorded as said by phone or in person.

use crate::{actor, error_page, WebCtx};
use app::complaints::reply::Reply;
use app::App;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ReplyForm {
    csrf: String,
    version: i64,
    subject: String,
    body: String,
    /// A checkbox: present when ticked.
    email: Option<String>,
}

pub(crate) async fn reply(
    State(app): State<App>,
    ctx: WebCtx,
    Path(id): Path<i64>,
    Form(f): Form<ReplyForm>,
) -> Response {
    if let Err(e) = ctx.check_csrf(&f.csrf) {
        return error_page(&ctx, e);
    }
    let r = Reply {
        version: f.version,
        subject: f.subject,
        body: f.body,
        email: f.email.is_some(),
    };
    let done = app.reply_to_complaint(actor(&ctx), id, &r).await;
    crate::complaints::back_to_case(app, ctx, id, done).await
}
