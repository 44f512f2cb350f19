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
    /// Whether `table` holds every id (see [`CustomerIds::push_unindexed`]).
    indexed: bool,
}

impl CustomerIds {
    pub fn new() -> CustomerIds {
        CustomerIds {
            starts: vec![0],
            indexed: true,
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

    /// The number of `id`, if known (no lookup table: `None`).
    pub fn find(&self, id: &[u8]) -> Option<u32> {
        let h = self.hasher.hash_one(id);
        self.table.find(h, |&i| self.bytes(i) == id).copied()
    }

    /// Add ids known to be new, numbered after the present ones, without indexing them: the
    /// lookup table is dropped (rebuilt by the next [`CustomerIds::intern`]), for a table that
    /// is only read by number from now on (the join of a file's parts).
    pub fn push_unindexed<'a>(&mut self, ids: impl Iterator<Item = &'a [u8]>) {
        self.table = HashTable::new();
        self.indexed = false;
        self.last = None;
        for id in ids {
            self.arena.extend_from_slice(id);
            self.starts.push(self.arena.len() as u64);
        }
    }

    /// The number of `id`, giving it the next number if new.
    pub fn intern(&mut self, id: &str) -> u32 {
        if !self.indexed {
            self.reindex();
        }
        if let Some(last) = self.last.filter(|&l| self.bytes(l) == id.as_bytes()) {
            return last;
        }
        let i = self.intern_hashed(id);
        self.last = Some(i);
        i
    }

    fn reindex(&mut self) {
        self.indexed = true;
        let (arena, starts, hasher) = (&self.arena, &self.starts, &self.hasher);
        let hash = |j: u32| {
            hasher.hash_one(&arena[starts[j as usize] as usize..starts[j as usize + 1] as usize])
        };
        let mut table = HashTable::with_capacity(self.len());
        for j in 0..self.len() as u32 {
            table.insert_unique(hash(j), j, |&k| hash(k));
        }
        self.table = table;
    }

    fn intern_hashed(&mut self, id: &str) -> u32 {
        let h = self.hasher.hash_one(id.as_bytes());
        let next = self.len() as u32;
        // One probe of the table for a known and a new id alike.
        let (arena, starts, hasher) = (&self.arena, &self.starts, &self.hasher);
        let bytes = |j: u32| &arena[starts[j as usize] as usize..starts[j as usize + 1] as usize];
        match self.table.entry(
            h,
            |&i| bytes(i) == id.as_bytes(),
            |&j| hasher.hash_one(bytes(j)),
        ) {
            hashbrown::hash_table::Entry::Occupied(e) => *e.get(),
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(next);
                self.arena.extend_from_slice(id.as_bytes());
                self.starts.push(self.arena.len() as u64);
                next
            }
        }
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
        assert_eq!(ids.find(b"C42"), Some(42));
        assert_eq!(ids.find(b"C10000"), None);
        ids.push_unindexed(["N1".as_bytes(), "N2".as_bytes()].into_iter());
        assert_eq!((ids.len(), ids.get(10_002)), (10_003, "N2"));
        assert_eq!(ids.find(b"C42"), None, "not indexed");
        assert_eq!(ids.intern("N1"), 10_001, "indexed again");
        assert_eq!(ids.intern("C42"), 42);
        assert_eq!(ids.intern("N3"), 10_003);
    }
}
