//! Customer-base analytics on an Apache DataFusion Ballista cluster (issue 21 §2): the
//! scheduler and executor Fidelis ships ([`process`]), the functions every process of the
//! cluster must know ([`functions`]) and the CLV run whose heavy parts run on the executors
//! ([`clv`]). The numbers come from the same code as a single-machine run: the per-customer
//! summary, the fits and the predictions are `analytics`' own, called on the executors and in
//! the driver.
//!
//! Heavy to compile (DataFusion and Ballista): built only with the fidelis binary's `cluster`
//! feature, in its own target directory (see `.ci/run`).

pub mod clv;
pub mod faults;
pub mod functions;
pub mod logs;
pub mod process;
