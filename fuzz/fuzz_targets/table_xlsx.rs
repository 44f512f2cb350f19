//! An `.xlsx` file of any bytes, read as an import reads it: refused in words or read row by
//! row — never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use tables::TableReader;

fuzz_target!(|data: &[u8]| {
    let mut f = tempfile::Builder::new().suffix(".xlsx").tempfile().unwrap();
    f.write_all(data).unwrap();
    f.flush().unwrap();
    let Ok(mut r) = TableReader::open(f.path(), "fuzz.xlsx", None) else {
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
