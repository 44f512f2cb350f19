//! Customer ids of a file, numbered 0, 1, 2, … in order of first appearance, in about 20
//! bytes per customer (the text in one arena, a table of indices), so ten million customers
//! cost ~200 MB rather than the ~1 GB of a map of `String`s.

use hashbrown::HashTable;
use std::hash::BuildHasher;

#[derive(Default)]
pub struct CustomerIds {
    arena: Vec<u8>,
    /// Start of each id in the arena; one extra entry closes the last.
    starts: Vec<u64>,
    table: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// The id asked for last: files often list a customer's purchases together.
    last: Option<u32>,
}

impl CustomerIds {
    pub fn new() -> CustomerIds {
        CustomerIds {
            starts: vec![0],
            ..Default::default()
        }
    }

    /// Room for `n` customers without regrowing the table.
    pub fn with_capacity(n: usize) -> CustomerIds {
        let mut ids = CustomerIds::new();
        ids.table.reserve(n, |_| 0);
        ids.starts.reserve(n);
        ids.arena.reserve(n * 8);
        ids
    }

    /// Room for `n` more customers.
    pub fn reserve(&mut self, n: usize) {
        let (arena, starts, hasher) = (&self.arena, &self.starts, &self.hasher);
        self.table.reserve(n, |&j| {
            hasher.hash_one(&arena[starts[j as usize] as usize..starts[j as usize + 1] as usize])
        });
        self.starts.reserve(n);
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn bytes(&self, i: u32) -> &[u8] {
        &self.arena[self.starts[i as usize] as usize..self.starts[i as usize + 1] as usize]
    }

    /// The id text of customer `i` (ids are checked UTF-8 when interned).
    pub fn get(&self, i: usize) -> &str {
        std::str::from_utf8(self.bytes(i as u32)).expect("interned ids are UTF-8")
    }

    /// The number of `id`, giving it the next number if new.
    pub fn intern(&mut self, id: &str) -> u32 {
        if let Some(last) = self.last.filter(|&l| self.bytes(l) == id.as_bytes()) {
            return last;
        }
        let i = self.intern_hashed(id);
        self.last = Some(i);
        i
    }

    fn intern_hashed(&mut self, id: &str) -> u32 {
        let h = self.hasher.hash_one(id.as_bytes());
        if let Some(&i) = self.table.find(h, |&i| {
            let (a, b) = (
                self.starts[i as usize] as usize,
                self.starts[i as usize + 1] as usize,
            );
            &self.arena[a..b] == id.as_bytes()
        }) {
            return i;
        }
        let i = self.len() as u32;
        self.arena.extend_from_slice(id.as_bytes());
        self.starts.push(self.arena.len() as u64);
        let (arena, starts, hasher) = (&self.arena, &self.starts, &self.hasher);
        self.table.insert_unique(h, i, |&j| {
            hasher.hash_one(&arena[starts[j as usize] as usize..starts[j as usize + 1] as usize])
        });
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_ids_in_order_of_first_appearance() {
        let mut ids = CustomerIds::new();
        assert!(ids.is_empty());
        for round in 0..2 {
            for i in 0..10_000 {
                assert_eq!(ids.intern(&format!("C{i}")), i, "round {round}");
            }
        }
        assert_eq!(ids.len(), 10_000);
        assert_eq!(ids.get(42), "C42");
        assert_eq!(ids.intern("客户-1"), 10_000);
        assert_eq!(ids.get(10_000), "客户-1");
        assert_eq!(ids.intern("C4"), 4, "a prefix of another id is its own id");
    }
}
