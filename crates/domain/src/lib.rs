//! Fidelis domain layer: the types, rules and tables every other layer shares.
//!
//! Nothing here does I/O. Values that come from outside (files, forms, JSON) are parsed into
//! validated types at the edge, so inside the system a `customers::Email` is always an e-mail.
//! The areas follow SPEC.md: `customers` (§1) now; `surveys`, `complaints`, `churn`, `loyalty`
//! and `care` get their rules as their issues land.

pub mod access;
pub mod complaints;
pub mod customers;
pub mod errors;
pub mod i18n;
pub mod surveys;
pub mod time;

pub use errors::{ErrorCode, FieldError};
pub use i18n::Lang;
