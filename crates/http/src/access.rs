//! Who may call which API operation: one row per operation (`METHOD /path` as routed) naming
//! what it needs — nothing (a survey link is its own credential), a signed-in caller, or a
//! permission of the permission table (`domain::access`). [`authorize`] checks it before any
//! other part of the request is read, so a caller without the right gets 401 or 403 whatever
//! the body holds (never a validation error that tells them about the operation). The app layer
//! checks the same permission again; the OpenAPI document lists each operation's roles from
//! here, and the role-matrix test requires a row for every route.

use crate::{ApiActor, ApiError};
use app::App;
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::access::{Permission, Role};

/// What an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing: the credential is in the path (a survey link), or the operation is open.
    Public,
    /// Any signed-in caller.
    SignedIn,
    /// A permission of the permission table.
    May(Permission),
}

impl Need {
    /// Whether a caller (a role, or None: anonymous) may call it.
    pub fn allows(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Need::Public, _) => true,
            (_, None) => false,
            (Need::SignedIn, Some(_)) => true,
            (Need::May(p), Some(r)) => r.can(p),
        }
    }
}

use Need::*;
use Permission::*;

/// Every API operation and what it needs.
pub const NEEDS: &[(&str, Need)] = &[
    ("GET /healthz", Public),
    ("GET /api/openapi.json", Public),
    ("GET /api/docs", Public),
    // Customers.
    ("GET /api/v1/customers", May(ViewCustomers)),
    ("POST /api/v1/customers", May(EditCustomers)),
    ("GET /api/v1/customers/{id}", May(ViewCustomers)),
    ("PUT /api/v1/customers/{id}", May(EditCustomers)),
    ("DELETE /api/v1/customers/{id}", May(DeleteCustomers)),
    (
        "GET /api/v1/customers/{id}/transactions",
        May(ViewCustomers),
    ),
    (
        "POST /api/v1/customers/{id}/interactions",
        May(EditCustomers),
    ),
    ("POST /api/v1/customers/{id}/notes", May(EditCustomers)),
    ("POST /api/v1/transactions", May(EditCustomers)),
    ("GET /api/v1/customers/{id}/value", May(ViewCustomers)),
    ("GET /api/v1/customers/{id}/loyalty", May(ViewCustomers)),
    ("PUT /api/v1/customers/{id}/churn-type", May(ManageCases)),
    (
        "GET /api/v1/customers/{id}/survey-responses",
        May(ViewCustomers),
    ),
    // Imports.
    ("GET /api/v1/imports", May(ImportData)),
    ("POST /api/v1/imports/{kind}", May(ImportData)),
    ("GET /api/v1/imports/jobs/{id}", May(ImportData)),
    // Care.
    ("GET /api/v1/care/rules", May(ViewAnalytics)),
    ("POST /api/v1/care/rules", May(ManageCases)),
    ("GET /api/v1/care/rules/{id}", May(ViewAnalytics)),
    ("PUT /api/v1/care/rules/{id}", May(ManageCases)),
    ("DELETE /api/v1/care/rules/{id}", May(ManageCases)),
    ("GET /api/v1/care/rules/{id}/dry-run", May(ViewAnalytics)),
    ("GET /api/v1/care/templates", May(ViewAnalytics)),
    ("POST /api/v1/care/sweep", May(ManageCases)),
    ("GET /api/v1/care/outbox", May(ManageCases)),
    ("GET /api/v1/care/smtp", May(ManageUsers)),
    ("PUT /api/v1/care/smtp", May(ManageUsers)),
    ("POST /api/v1/care/smtp/test", May(ManageUsers)),
    ("GET /api/v1/care/tasks", May(ViewCases)),
    ("POST /api/v1/care/tasks/{id}/close", May(EditCases)),
    ("GET /api/v1/notifications", SignedIn),
    ("POST /api/v1/notifications/read", SignedIn),
    // Churn and value.
    ("GET /api/v1/churn/runs", May(ViewAnalytics)),
    ("POST /api/v1/churn/runs", May(RunAnalytics)),
    ("GET /api/v1/churn/runs/{id}", May(ViewAnalytics)),
    ("GET /api/v1/churn/latest", May(ViewAnalytics)),
    ("GET /api/v1/churn/at-risk", May(ViewAnalytics)),
    ("GET /api/v1/churn/customers", May(ExportAll)),
    ("GET /api/v1/churn/types", May(ViewAnalytics)),
    ("GET /api/v1/churn/winback/candidates", May(ViewAnalytics)),
    ("GET /api/v1/churn/winback/tasks", May(ViewCases)),
    ("POST /api/v1/churn/winback/tasks", May(ManageCases)),
    ("GET /api/v1/churn/winback/tasks/{id}", May(ViewCases)),
    (
        "POST /api/v1/churn/winback/tasks/{id}/steps",
        May(EditCases),
    ),
    (
        "PUT /api/v1/churn/winback/tasks/{id}/assignee",
        May(ManageCases),
    ),
    ("GET /api/v1/churn/winback/rates", May(ViewAnalytics)),
    // Loyalty.
    ("POST /api/v1/loyalty/runs", May(RunAnalytics)),
    ("GET /api/v1/loyalty/latest", May(ViewAnalytics)),
    ("GET /api/v1/loyalty/customers", May(ViewAnalytics)),
    ("GET /api/v1/loyalty/settings", May(ViewAnalytics)),
    ("PUT /api/v1/loyalty/settings", May(ManageCases)),
    ("GET /api/v1/loyalty/segments", May(ViewAnalytics)),
    ("POST /api/v1/loyalty/segments", May(RunAnalytics)),
    ("DELETE /api/v1/loyalty/segments/{id}", May(RunAnalytics)),
    // Complaints.
    ("GET /api/v1/complaints", May(ViewCases)),
    ("POST /api/v1/complaints", May(EditCases)),
    ("GET /api/v1/complaints/settings", May(ViewCases)),
    ("PUT /api/v1/complaints/settings", May(ManageCases)),
    ("GET /api/v1/complaints/overview", May(ViewAllCases)),
    ("GET /api/v1/complaints/export", May(ViewCases)),
    ("GET /api/v1/complaints/teams", May(ViewCases)),
    ("POST /api/v1/complaints/teams", May(ManageCases)),
    ("PUT /api/v1/complaints/teams/{id}", May(ManageCases)),
    (
        "PUT /api/v1/complaints/teams/members/{name}",
        May(ManageCases),
    ),
    ("GET /api/v1/complaints/tasks", May(ViewCases)),
    ("POST /api/v1/complaints/tasks/{id}/done", May(EditCases)),
    ("GET /api/v1/complaints/{id}", May(ViewCases)),
    ("POST /api/v1/complaints/{id}/steps", May(EditCases)),
    ("POST /api/v1/complaints/{id}/assign", May(EditCases)),
    ("POST /api/v1/complaints/{id}/reply", May(EditCases)),
    ("POST /api/v1/complaints/bulk", May(ManageCases)),
    ("POST /api/v1/complaints/{id}/customer", May(EditCases)),
    // Surveys.
    ("GET /api/v1/surveys", May(ViewAnalytics)),
    ("POST /api/v1/surveys", May(ManageSurveys)),
    ("GET /api/v1/surveys/{id}", May(ViewAnalytics)),
    ("PUT /api/v1/surveys/{id}/questionnaire", May(ManageSurveys)),
    ("POST /api/v1/surveys/{id}/waves", May(ManageSurveys)),
    ("GET /api/v1/surveys/waves/{id}", May(ViewAnalytics)),
    ("GET /api/v1/surveys/waves/{id}/links", May(ManageSurveys)),
    ("POST /api/v1/surveys/waves/{id}/email", May(ManageSurveys)),
    ("GET /api/v1/surveys/waves/{id}/export", May(ViewAnalytics)),
    ("POST /api/v1/surveys/waves/{id}/close", May(ManageSurveys)),
    ("POST /api/v1/surveys/waves/{id}/plans", May(ManageSurveys)),
    ("PATCH /api/v1/surveys/plans/{id}", May(ManageSurveys)),
    ("GET /api/v1/public/surveys/{token}", Public),
    ("POST /api/v1/public/surveys/{token}", Public),
    // Users.
    ("GET /api/v1/me", SignedIn),
    ("PUT /api/v1/me/contact", SignedIn),
    ("GET /api/v1/users", May(ManageUsers)),
    ("POST /api/v1/users", May(ManageUsers)),
    ("PUT /api/v1/users/{username}", May(ManageUsers)),
    ("POST /api/v1/users/{username}/password", May(ManageUsers)),
    ("PUT /api/v1/users/{username}/contact", May(ManageUsers)),
    ("GET /api/v1/audit", May(ViewAudit)),
];

/// What `METHOD path` (the routed path, `{id}` and all) needs; None for a route not listed.
pub fn need(method: &str, path: &str) -> Option<Need> {
    NEEDS.iter().find_map(|(op, n)| {
        let (m, p) = op.split_once(' ')?;
        (m == method && p == path).then_some(*n)
    })
}

/// Refuse a caller who may not call the operation before its body is read: 401 without a
/// valid token, 403 without the permission. The caller found is kept for the handler.
pub async fn authorize(State(app): State<App>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let path = if path.starts_with("/api/") {
        path
    } else {
        format!("/api/v1{path}")
    };
    match need(req.method().as_str(), &path) {
        None | Some(Public) => next.run(req).await,
        Some(n) => {
            let (mut parts, body) = req.into_parts();
            let caller = match ApiActor::from_request_parts(&mut parts, &app).await {
                Ok(c) => c,
                Err(e) => return e.into_response(),
            };
            if let May(p) = n {
                if let Err(e) = caller.0.require(p) {
                    return ApiError(e).into_response();
                }
            }
            parts.extensions.insert(caller);
            next.run(Request::from_parts(parts, body)).await
        }
    }
}
