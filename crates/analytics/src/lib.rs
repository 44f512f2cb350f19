//! Fidelis numeric core: customer-base models and the simulator that makes demo and benchmark
//! data. No tokio, sqlx or axum here, so editing a page never recompiles the numbers.
//!
//! Now: `sim` (BG/NBD purchase process with Gamma-Gamma spend, SPEC.md §4) and `summary`
//! (per-customer x, t_x, T, zbar with the CDNOW convention). The model fits (BG/NBD,
//! Gamma-Gamma, PLS path modelling) land with their issues.

pub mod bgnbd;
pub mod clv;
pub mod gamma_gamma;
pub mod optim;
pub mod sim;
pub mod special;
pub mod summary;
