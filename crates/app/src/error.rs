//! The application's error: a code from the one table (`domain::errors`), a message for a
//! person, and details (which fields, which rows) for a program.

use domain::{ErrorCode, FieldError, Lang};
use serde::Serialize;
use serde_json::{json, Value};
use storage::StoreError;

#[derive(Debug, Clone, Serialize)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Value,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn new(code: ErrorCode, lang: Lang) -> AppError {
        AppError {
            code,
            message: code.message(lang).to_string(),
            details: Value::Null,
        }
    }

    pub fn with_message(mut self, m: impl Into<String>) -> AppError {
        self.message = m.into();
        self
    }

    pub fn with_details(mut self, d: Value) -> AppError {
        self.details = d;
        self
    }

    pub fn invalid(lang: Lang, fields: Vec<FieldError>) -> AppError {
        let list = fields
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        AppError::new(ErrorCode::InvalidInput, lang)
            .with_message(format!("{} {list}", ErrorCode::InvalidInput.message(lang)))
            .with_details(json!({ "fields": fields }))
    }

    pub fn field(lang: Lang, field: &str, reason: impl Into<String>) -> AppError {
        AppError::invalid(lang, vec![FieldError::new(field, reason)])
    }

    pub fn forbidden(lang: Lang, p: domain::access::Permission) -> AppError {
        AppError::new(ErrorCode::Forbidden, lang).with_details(json!({ "permission": p }))
    }

    pub fn not_found(lang: Lang, what: &str) -> AppError {
        AppError::new(ErrorCode::NotFound, lang)
            .with_message(format!("{} ({what})", ErrorCode::NotFound.message(lang)))
    }

    pub fn internal(e: impl std::fmt::Display) -> AppError {
        tracing::error!("internal error: {e}");
        AppError::new(ErrorCode::Internal, Lang::En)
    }

    pub fn localized(mut self, lang: Lang) -> AppError {
        if self.message == self.code.message(Lang::En)
            || self.message == self.code.message(Lang::ZhCn)
        {
            self.message = self.code.message(lang).to_string();
        }
        self
    }
}

/// SQLite has one writer: a long import holds it; say so instead of failing.
fn store_busy(lang: Lang) -> AppError {
    AppError::new(ErrorCode::StoreUnavailable, lang).with_details(
        json!({ "reason": "the store is busy with another write (an import?); try again shortly" }),
    )
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        let lang = Lang::En;
        match e {
            StoreError::NotFound => AppError::new(ErrorCode::NotFound, lang),
            StoreError::VersionConflict { current } => {
                AppError::new(ErrorCode::VersionConflict, lang)
                    .with_details(json!({ "current_version": current }))
            }
            StoreError::Duplicate(m) => AppError::new(ErrorCode::DuplicateExternalId, lang)
                .with_details(json!({ "reason": m })),
            StoreError::UnknownReference(m) => {
                let field = m.split(':').next().unwrap_or("").to_string();
                AppError::new(ErrorCode::UnknownReference, lang)
                    .with_message(format!("{} {m}", ErrorCode::UnknownReference.message(lang)))
                    .with_details(json!({ "fields": [FieldError::new(field, m.clone())] }))
            }
            StoreError::DataDir { .. } | StoreError::BadUrl(_) => {
                AppError::new(ErrorCode::InvalidInput, lang).with_message(e.to_string())
            }
            StoreError::Db(sqlx_err) => match sqlx_err {
                e @ (sqlx::Error::PoolTimedOut
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolClosed) => AppError::new(ErrorCode::StoreUnavailable, lang)
                    .with_details(json!({ "reason": e.to_string() })),
                sqlx::Error::Database(d)
                    if d.message().contains("locked") || d.message().contains("busy") =>
                {
                    // SQLite has one writer: a long import holds it; say so instead of failing.
                    store_busy(lang)
                }
                other => AppError::internal(other),
            },
            StoreError::Sqlite(e) => {
                let m = e.to_string();
                if m.contains("locked") || m.contains("busy") {
                    store_busy(lang)
                } else {
                    AppError::internal(m)
                }
            }
            StoreError::Internal(m) => AppError::internal(m),
        }
    }
}
