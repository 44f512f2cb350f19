//! The one table of error codes (after meilisearch's `error.rs`): every error a user can meet has a
//! stable machine code, an HTTP status and a message in both interface languages. The API, the
//! pages and the CLI all read from here, so the same failure says the same thing everywhere.

use crate::i18n::Lang;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    InvalidJson,
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    CsrfMismatch,
    RateLimited,
    NotFound,
    VersionConflict,
    InvalidTransition,
    DuplicateExternalId,
    UnknownReference,
    ImportRejected,
    InputRejected,
    AnalysisFailed,
    AnalysisRunning,
    PayloadTooLarge,
    SurveyLinkInvalid,
    SurveyLinkExpired,
    SurveyAlreadyAnswered,
    SurveyClosed,
    AnswersRejected,
    SurveySpam,
    StoreUnavailable,
    Internal,
}

/// One row of the table: code, HTTP status, English message, Chinese message.
struct Row(ErrorCode, &'static str, u16, &'static str, &'static str);

const TABLE: &[Row] = &[
    Row(
        ErrorCode::InvalidInput,
        "invalid_input",
        422,
        "Some fields are invalid.",
        "部分字段无效。",
    ),
    Row(
        ErrorCode::InvalidJson,
        "invalid_json",
        400,
        "The request body is not valid JSON of the expected shape.",
        "请求内容不是所需格式的有效 JSON。",
    ),
    Row(
        ErrorCode::Unauthenticated,
        "unauthenticated",
        401,
        "Sign in or send a valid API token.",
        "请登录或提供有效的 API 令牌。",
    ),
    Row(
        ErrorCode::InvalidCredentials,
        "invalid_credentials",
        401,
        "Wrong user name or password.",
        "用户名或密码错误。",
    ),
    Row(
        ErrorCode::Forbidden,
        "forbidden",
        403,
        "Your role does not allow this.",
        "您的角色无权执行此操作。",
    ),
    Row(
        ErrorCode::CsrfMismatch,
        "csrf_mismatch",
        403,
        "The form has expired; reload the page and try again.",
        "表单已过期，请刷新页面后重试。",
    ),
    Row(
        ErrorCode::RateLimited,
        "rate_limited",
        429,
        "Too many attempts; wait a minute and try again.",
        "尝试次数过多，请稍候一分钟再试。",
    ),
    Row(
        ErrorCode::NotFound,
        "not_found",
        404,
        "Not found.",
        "未找到。",
    ),
    Row(
        ErrorCode::VersionConflict,
        "version_conflict",
        409,
        "Someone else changed this record; reload it and apply your change again.",
        "该记录已被他人修改，请刷新后重新修改。",
    ),
    Row(
        ErrorCode::InvalidTransition,
        "invalid_transition",
        409,
        "This step cannot be taken from the case's current state.",
        "投诉当前所处的状态不能执行此步骤。",
    ),
    Row(
        ErrorCode::DuplicateExternalId,
        "duplicate_external_id",
        409,
        "A record with this external id already exists.",
        "已存在相同外部编号的记录。",
    ),
    Row(
        ErrorCode::UnknownReference,
        "unknown_reference",
        422,
        "A referenced record does not exist.",
        "引用的记录不存在。",
    ),
    Row(
        ErrorCode::ImportRejected,
        "import_rejected",
        422,
        "The file was rejected; nothing was imported.",
        "文件被拒绝，未导入任何数据。",
    ),
    Row(
        ErrorCode::InputRejected,
        "input_rejected",
        422,
        "The file has errors; nothing was written.",
        "文件有错误，未写出任何结果。",
    ),
    Row(
        ErrorCode::AnalysisFailed,
        "analysis_failed",
        422,
        "The analysis could not be run on these data.",
        "无法对这些数据进行分析。",
    ),
    Row(
        ErrorCode::AnalysisRunning,
        "analysis_running",
        409,
        "An analysis is already running; wait for it to finish.",
        "已有分析正在运行，请等待其完成后再试。",
    ),
    Row(
        ErrorCode::PayloadTooLarge,
        "payload_too_large",
        413,
        "The request is too large.",
        "请求内容过大。",
    ),
    Row(
        ErrorCode::SurveyLinkInvalid,
        "survey_link_invalid",
        404,
        "This survey link is not valid: it may be incomplete or altered. Please use the link exactly as you received it.",
        "此问卷链接无效：可能不完整或被修改过。请使用您收到的原始链接。",
    ),
    Row(
        ErrorCode::SurveyLinkExpired,
        "survey_link_expired",
        410,
        "This survey link has expired. Thank you for your interest.",
        "此问卷链接已过期。感谢您的关注。",
    ),
    Row(
        ErrorCode::SurveyAlreadyAnswered,
        "survey_already_answered",
        409,
        "This survey has already been answered with this link; answers cannot be changed.",
        "此链接的问卷已提交，答案不能再修改。",
    ),
    Row(
        ErrorCode::SurveyClosed,
        "survey_closed",
        410,
        "This survey has closed. Thank you for your interest.",
        "此次调查已结束。感谢您的关注。",
    ),
    Row(
        ErrorCode::AnswersRejected,
        "answers_rejected",
        422,
        "Some answers are not valid; nothing was saved.",
        "部分答案无效，未保存任何内容。",
    ),
    Row(
        ErrorCode::SurveySpam,
        "survey_spam",
        422,
        "The form was sent too quickly or with an unexpected field; please answer it again.",
        "表单提交过快或含有异常字段，请重新填写。",
    ),
    Row(
        ErrorCode::StoreUnavailable,
        "store_unavailable",
        503,
        "The database cannot be reached.",
        "无法连接数据库。",
    ),
    Row(
        ErrorCode::Internal,
        "internal",
        500,
        "Something went wrong on our side.",
        "服务器内部错误。",
    ),
];

impl ErrorCode {
    fn row(self) -> &'static Row {
        TABLE
            .iter()
            .find(|r| r.0 == self)
            .expect("every ErrorCode has a row in TABLE")
    }
    /// Stable machine code, e.g. `version_conflict`.
    pub fn code(self) -> &'static str {
        self.row().1
    }
    pub fn http_status(self) -> u16 {
        self.row().2
    }
    pub fn message(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.row().3,
            Lang::ZhCn => self.row().4,
        }
    }
    pub fn all() -> impl Iterator<Item = ErrorCode> {
        TABLE.iter().map(|r| r.0)
    }
}

/// A problem with one field of one record: what the user must fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_and_has_both_languages() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::all() {
            assert!(seen.insert(c.code()), "duplicate code {}", c.code());
            assert!(!c.message(Lang::En).is_empty());
            assert!(!c.message(Lang::ZhCn).is_empty());
            assert!((400..600).contains(&c.http_status()));
        }
        assert_eq!(ErrorCode::VersionConflict.http_status(), 409);
    }
}
