//! An `.xlsx` file of any bytes, read as an import reads it: refused in words or read row by
//! row — never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "table_common.rs"]
mod table_common;

fuzz_target!(|data: &[u8]| {
    table_common::read_all(data, ".xlsx", None);
});
