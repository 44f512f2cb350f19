mod analyze;
mod api;
mod churn;
mod cli;
mod harness;
mod imports;
mod pls;
mod web;
