//! Live progress of long work (imports, analyses) inside this process. Progress lives in memory
//! because an import holds the store's write transaction until it commits (SQLite has one
//! writer); the final outcome is written to `import_jobs` or `analysis_runs`.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Serialize, Default)]
pub struct Progress {
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

/// What a job is: ids are per kind (an import job and an analysis run may share a number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    Import,
    Analysis,
}

#[derive(Default)]
pub struct Jobs {
    live: Mutex<HashMap<(JobKind, i64), Progress>>,
}

impl Jobs {
    pub fn set(&self, kind: JobKind, id: i64, p: Progress) {
        self.live.lock().unwrap().insert((kind, id), p);
    }
    pub fn get(&self, kind: JobKind, id: i64) -> Option<Progress> {
        self.live.lock().unwrap().get(&(kind, id)).cloned()
    }
    pub fn finish(&self, kind: JobKind, id: i64) {
        self.live.lock().unwrap().remove(&(kind, id));
    }
    /// Whether any job of this kind is running in this process.
    pub fn any(&self, kind: JobKind) -> bool {
        self.live.lock().unwrap().keys().any(|(k, _)| *k == kind)
    }
}
