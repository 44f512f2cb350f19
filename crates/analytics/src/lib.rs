//! Fidelis numeric core: customer-base models and the simulator that makes demo and benchmark
//! data. No tokio, sqlx or axum here, so editing a page never recompiles the numbers.
//!
//! Now: `sim` (BG/NBD purchase process with Gamma-Gamma spend, SPEC.md §4), `summary`
//! (per-customer x, t_x, T, zbar with the CDNOW convention, RFM), `special` (ln Γ, digamma,
//! log-space ₂F₁), `optim` (BFGS, Hessians), `bgnbd` and `gamma_gamma` (fits with standard
//! errors, predictions), `clv` (the whole customer-value analysis) and `pls` (PLS path
//! modelling for the satisfaction surveys, SPEC.md §2.1).

pub mod bgnbd;
pub mod clv;
pub mod cohorts;
pub mod curves;
pub mod days;
pub mod gamma_gamma;
pub mod measures;
pub mod optim;
pub mod par;
pub mod pls;
pub mod sbg;
pub mod sim;
pub mod sim_survey;
pub mod special;
pub mod summary;
