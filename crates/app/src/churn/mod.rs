//! Churn management (SPEC.md §4): who is still active, who is slipping away and what each
//! customer is worth — the customer-base models of `analytics` put to work on a file or on the
//! store.

mod cells;
pub mod clv;
pub mod ids;
pub mod loaded;
pub mod parquet;
pub mod purchases;
pub mod results;
pub mod store;
pub mod winback;
