//! What the two transaction loaders (SQLite in `bulk`, PostgreSQL in `bulk::pg`) share: the
//! rows as the reader hands them over, the messages between reader and loader, the map of
//! customer ids, the problems found, and the outcome.

use crate::imports::{ImportCounts, RowProblem};
use domain::customers::TransactionRecord;
use std::hash::{BuildHasher, RandomState};

/// The end of a load: committed with counts, or rolled back with the bad rows (at most the
/// limit, in line order) and how many there were in all.
#[derive(Debug)]
pub enum LoadOutcome {
    Committed(ImportCounts),
    Rejected {
        problems: Vec<RowProblem>,
        total: usize,
    },
}

/// Validated transactions packed for the trip to the store: one text buffer per batch instead
/// of seven strings per row (millions of small allocations, freed on another thread, cost more
/// than the inserts).
#[derive(Debug, Default)]
pub struct RowBatch {
    text: String,
    rows: Vec<Packed>,
}

#[derive(Debug)]
struct Packed {
    line: i64,
    start: u32,
    /// Ends of external_id, customer, occurred_at, currency, channel, store, items in `text`.
    ends: [u32; 7],
    amount_minor: i64,
    quantity: i64,
    promotion: bool,
    is_return: bool,
}

/// One row of a `RowBatch`.
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    pub line: i64,
    pub external_id: &'a str,
    pub customer: &'a str,
    pub occurred_at: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub channel: &'a str,
    pub store: &'a str,
    pub items: &'a str,
    pub quantity: i64,
    pub promotion: bool,
    pub is_return: bool,
}

impl RowBatch {
    pub fn with_capacity(rows: usize) -> RowBatch {
        RowBatch {
            text: String::with_capacity(rows * 64),
            rows: Vec::with_capacity(rows),
        }
    }

    pub fn push(&mut self, line: i64, t: &TransactionRecord) {
        let start = self.text.len() as u32;
        let mut ends = [0u32; 7];
        for (i, f) in [
            t.external_id.as_str(),
            t.customer.as_str(),
            &t.occurred_at,
            &t.currency,
            &t.channel,
            &t.store,
            &t.items,
        ]
        .into_iter()
        .enumerate()
        {
            self.text.push_str(f);
            ends[i] = self.text.len() as u32;
        }
        self.rows.push(Packed {
            line,
            start,
            ends,
            amount_minor: t.amount_minor,
            quantity: t.quantity,
            promotion: t.promotion,
            is_return: t.is_return,
        });
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = RowView<'_>> {
        self.rows.iter().map(|p| {
            let f = |i: usize| {
                let from = if i == 0 { p.start } else { p.ends[i - 1] };
                &self.text[from as usize..p.ends[i] as usize]
            };
            RowView {
                line: p.line,
                external_id: f(0),
                customer: f(1),
                occurred_at: f(2),
                amount_minor: p.amount_minor,
                currency: f(3),
                channel: f(4),
                store: f(5),
                items: f(6),
                quantity: p.quantity,
                promotion: p.promotion,
                is_return: p.is_return,
            }
        })
    }
}

pub(crate) enum Msg {
    Rows(RowBatch),
    Finish,
}

/// Rows whose external id occurs earlier in the table (by id), for a load into an empty table.
pub(crate) const DUPLICATES_BY_ID: &str = "SELECT t.id, f.first_id, t.external_id FROM transactions t \
     JOIN (SELECT external_id, MIN(id) AS first_id FROM transactions GROUP BY external_id HAVING COUNT(*) > 1) f \
       ON f.external_id = t.external_id WHERE t.id <> f.first_id ORDER BY t.id";

pub(crate) fn audit_detail(c: &ImportCounts) -> String {
    format!("{} rows: {} new, {} updated", c.rows, c.inserted, c.updated)
}

/// External id → row id, for every customer, in about 30 bytes per customer.
pub(crate) struct IdMap {
    arena: String,
    table: hashbrown::HashTable<(u64, u32, i64)>,
    hasher: RandomState,
}

impl IdMap {
    pub(crate) fn with_capacity(n: usize) -> IdMap {
        IdMap {
            arena: String::new(),
            table: hashbrown::HashTable::with_capacity(n),
            hasher: RandomState::new(),
        }
    }

    fn key(&self, e: &(u64, u32, i64)) -> &str {
        &self.arena[e.0 as usize..e.0 as usize + e.1 as usize]
    }

    pub(crate) fn insert(&mut self, key: &str, id: i64) {
        let h = self.hasher.hash_one(key);
        let start = self.arena.len() as u64;
        self.arena.push_str(key);
        let entry = (start, key.len() as u32, id);
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table.insert_unique(h, entry, |e| {
            hasher.hash_one(&arena[e.0 as usize..e.0 as usize + e.1 as usize])
        });
    }

    pub(crate) fn get(&self, key: &str) -> Option<i64> {
        let h = self.hasher.hash_one(key);
        self.table.find(h, |e| self.key(e) == key).map(|e| e.2)
    }
}

/// Bad rows, kept up to the limit (rows arrive in line order, so the first ones are kept).
pub(crate) struct Problems {
    kept: Vec<RowProblem>,
    pub(crate) total: usize,
    limit: usize,
}

impl Problems {
    pub(crate) fn new(limit: usize) -> Problems {
        Problems {
            kept: Vec::new(),
            total: 0,
            limit,
        }
    }

    pub(crate) fn add(&mut self, line: i64, field: &str, reason: impl FnOnce() -> String) {
        self.total += 1;
        if self.kept.len() < self.limit {
            self.kept.push(RowProblem {
                line,
                field: field.into(),
                reason: reason(),
            });
        }
    }

    /// Take in the problems of another check (each in line order): the first `limit` of both.
    pub(crate) fn absorb(&mut self, other: Problems) {
        self.total += other.total;
        self.kept.extend(other.kept);
        self.kept.sort_by_key(|p| p.line);
        self.kept.truncate(self.limit);
    }

    pub(crate) fn rejected(self) -> LoadOutcome {
        LoadOutcome::Rejected {
            problems: self.kept,
            total: self.total,
        }
    }
}
