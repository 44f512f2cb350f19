//! Shared by the table targets: a file of the fuzzer's bytes, read row by row as an import reads
//! it — refused in words or read, never a panic.

use std::io::Write;
use tables::{Encoding, TableReader};

pub fn read_all(bytes: &[u8], suffix: &str, encoding: Option<Encoding>) {
    let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    let Ok(mut r) = TableReader::open(f.path(), suffix, encoding) else {
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
}
