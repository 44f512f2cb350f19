//! Tables in and out — CSV (UTF-8 or GB18030/GBK) and Excel `.xlsx`, from the `tables` crate —
//! and the refusal of a file for its rows.

pub use tables::*;

/// A file refused for its rows: the code's message, the count and the first three problems in
/// the message, every kept problem (file, line, column, reason) in the details.
pub fn rows_rejected(
    code: domain::ErrorCode,
    lang: domain::Lang,
    display: &str,
    errors: Vec<RowError>,
    count: usize,
) -> crate::error::AppError {
    let shown: Vec<String> = errors.iter().take(3).map(|e| e.to_string()).collect();
    crate::error::AppError::new(code, lang)
        .with_message(format!(
            "{} {count} bad row(s). {}{}",
            code.message(lang),
            shown.join(" | "),
            if count > 3 { " …" } else { "" }
        ))
        .with_details(
            serde_json::json!({ "file": display, "error_count": count, "errors": errors }),
        )
}
