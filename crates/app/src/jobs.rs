//! Live progress of long work (imports) inside this process. Progress lives in memory because an
//! import holds the store's write transaction until it commits (SQLite has one writer); the final
//! outcome is written to `import_jobs`.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Serialize, Default)]
pub struct Progress {
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

#[derive(Default)]
pub struct Jobs {
    live: Mutex<HashMap<i64, Progress>>,
}

impl Jobs {
    pub fn set(&self, id: i64, p: Progress) {
        self.live.lock().unwrap().insert(id, p);
    }
    pub fn get(&self, id: i64) -> Option<Progress> {
        self.live.lock().unwrap().get(&id).cloned()
    }
    pub fn finish(&self, id: i64) {
        self.live.lock().unwrap().remove(&id);
    }
}
