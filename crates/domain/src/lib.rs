//! Fidelis domain layer: the types, rules and tables every other layer shares.
//!
//! Nothing here does I/O. Values that come from outside (files, forms, JSON) are parsed into
//! validated types at the edge, so inside the system a `customers::Email` is always an e-mail.
//! The areas follow SPEC.md: `customers` (§1) now; `surveys`, `complaints`, `churn`, `loyalty`
//! and `care` get their rules as their issues land.

/// An enum of coded values with a stable machine code and a name in both languages.
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($v:ident = $code:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.code().eq_ignore_ascii_case(s))
            }
            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$v, Lang::ZhCn) => $zh, ($name::$v, Lang::En) => $en,)*
                }
            }
        }
    };
}

pub mod access;
pub mod care;
pub mod churn;
pub mod complaints;
pub mod customers;
pub mod errors;
pub mod i18n;
pub mod loyalty;
pub mod paging;
pub mod surveys;
pub mod time;

pub use errors::{ErrorCode, FieldError};
pub use i18n::Lang;
