//! A CSV file of any bytes, read as an import reads it: the encoding detected (or chosen by the
//! first byte: UTF-8, GB18030), header and rows, every row either cells or an error naming
//! line and column — never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tables::Encoding;

#[path = "table_common.rs"]
mod table_common;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let encoding = match pick % 3 {
        0 => None,
        1 => Some(Encoding::Utf8),
        _ => Some(Encoding::Gb18030),
    };
    table_common::read_all(body, ".csv", encoding);
});
