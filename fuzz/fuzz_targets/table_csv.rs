//! A CSV file of any bytes, read as an import reads it: the encoding detected (or chosen by the
//! first byte: UTF-8, GB18030), header and rows, every row either cells or an error naming
//! line and column — never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use tables::{Encoding, TableReader};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let encoding = match pick % 3 {
        0 => None,
        1 => Some(Encoding::Utf8),
        _ => Some(Encoding::Gb18030),
    };
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(body).unwrap();
    f.flush().unwrap();
    let Ok(mut r) = TableReader::open(f.path(), "fuzz.csv", encoding) else {
        return;
    };
    for _ in 0..100_000 {
        match r.next_row() {
            None => break,
            Some(Ok(_)) => {
                let _ = r.cells().len();
            }
            Some(Err(e)) => {
                let _ = e.to_string();
            }
        }
    }
});
