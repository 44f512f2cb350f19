mod analyze;
mod api;
mod cli;
mod harness;
mod imports;
mod web;
