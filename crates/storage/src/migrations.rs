//! Schema migrations, embedded and applied in order on start. Each step has one text per backend
//! only where the DDL differs (identity columns); everything else is shared.

use crate::{Backend, Result, Store};

/// `{ID}` becomes the backend's auto-increment primary key.
const STEPS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE users (
    id {ID},
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '',
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE api_tokens (
    id {ID},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE TABLE customers (
    id {ID},
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT 'unknown',
    birthday TEXT NOT NULL DEFAULT '',
    important_dates TEXT NOT NULL DEFAULT '{}',
    region TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT '',
    referred_by_id BIGINT REFERENCES customers(id) ON DELETE SET NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    segment TEXT NOT NULL DEFAULT '',
    consent TEXT NOT NULL DEFAULT '[]',
    phone_digits TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX customers_region ON customers(region, name, id);
CREATE INDEX customers_channel ON customers(channel, name, id);
CREATE INDEX customers_segment ON customers(segment, name, id);
CREATE INDEX customers_referred_by ON customers(referred_by_id);
CREATE INDEX customers_name ON customers(name, id);
CREATE TABLE customer_preferences (
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    pref_key TEXT NOT NULL,
    pref_value TEXT NOT NULL,
    PRIMARY KEY (customer_id, pref_key)
);
CREATE TABLE customer_notes (
    id {ID},
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX customer_notes_customer ON customer_notes(customer_id);
CREATE TABLE transactions (
    id {ID},
    external_id TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    occurred_at TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'CNY',
    channel TEXT NOT NULL DEFAULT '',
    store TEXT NOT NULL DEFAULT '',
    items TEXT NOT NULL DEFAULT '',
    quantity BIGINT NOT NULL DEFAULT 1,
    promotion BIGINT NOT NULL DEFAULT 0,
    is_return BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX transactions_customer_time ON transactions(customer_id, occurred_at);
CREATE TABLE interactions (
    id {ID},
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    staff TEXT NOT NULL,
    summary TEXT NOT NULL
);
CREATE INDEX interactions_customer_time ON interactions(customer_id, occurred_at);
CREATE TABLE audit_log (
    id {ID},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE TABLE import_jobs (
    id {ID},
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    status TEXT NOT NULL,
    rows_total BIGINT NOT NULL DEFAULT 0,
    rows_inserted BIGINT NOT NULL DEFAULT 0,
    rows_updated BIGINT NOT NULL DEFAULT 0,
    error_count BIGINT NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '[]',
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
"#,
    ),
    (2, "customer search (per backend, see SEARCH_*)"),
    (
        3,
        "transactions.external_id as a named unique index (see TX_UNIQUE_*)",
    ),
    (
        4,
        "PostgreSQL: prefix search indexes, byte-order transaction keys (see STEP4_POSTGRES)",
    ),
    (
        5,
        r#"
CREATE TABLE analysis_runs (
    id {ID},
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    summary TEXT NOT NULL DEFAULT '{}',
    error TEXT NOT NULL DEFAULT '',
    customers BIGINT NOT NULL DEFAULT 0,
    actor TEXT NOT NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX analysis_runs_kind ON analysis_runs(kind, status, id);
CREATE TABLE customer_values (
    customer_id BIGINT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    run_id BIGINT NOT NULL REFERENCES analysis_runs(id) ON DELETE CASCADE,
    frequency BIGINT NOT NULL,
    recency DOUBLE PRECISION NOT NULL,
    age DOUBLE PRECISION NOT NULL,
    monetary DOUBLE PRECISION NOT NULL,
    total_spend DOUBLE PRECISION NOT NULL,
    rfm_r BIGINT NOT NULL,
    rfm_f BIGINT NOT NULL,
    rfm_m BIGINT NOT NULL,
    p_alive DOUBLE PRECISION NOT NULL,
    expected_purchases DOUBLE PRECISION NOT NULL,
    expected_spend DOUBLE PRECISION NOT NULL,
    clv DOUBLE PRECISION NOT NULL,
    churned_p_alive BIGINT NOT NULL,
    churned_inactivity BIGINT NOT NULL,
    first_purchase TEXT NOT NULL,
    last_purchase TEXT NOT NULL
);
CREATE INDEX customer_values_spend ON customer_values(total_spend);
"#,
    ),
    (
        6,
        r#"
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE surveys (
    id {ID},
    name TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    target_segment TEXT NOT NULL DEFAULT '',
    template TEXT NOT NULL DEFAULT '',
    questionnaire TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE survey_waves (
    id {ID},
    survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    pretest BIGINT NOT NULL DEFAULT 0,
    open_link BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open',
    sample TEXT NOT NULL DEFAULT '{}',
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX survey_waves_survey ON survey_waves(survey_id, id);
CREATE TABLE survey_invitations (
    id {ID},
    wave_id BIGINT NOT NULL REFERENCES survey_waves(id) ON DELETE CASCADE,
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    opened_at TEXT,
    reminded_at TEXT,
    UNIQUE (wave_id, customer_id)
);
CREATE INDEX survey_invitations_customer ON survey_invitations(customer_id, created_at);
CREATE TABLE survey_responses (
    id {ID},
    wave_id BIGINT NOT NULL REFERENCES survey_waves(id) ON DELETE CASCADE,
    invitation_id BIGINT UNIQUE REFERENCES survey_invitations(id) ON DELETE CASCADE,
    customer_id BIGINT REFERENCES customers(id) ON DELETE SET NULL,
    answers TEXT NOT NULL DEFAULT '{}',
    lang TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'started',
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT
);
CREATE INDEX survey_responses_wave ON survey_responses(wave_id, status);
CREATE INDEX survey_responses_customer ON survey_responses(customer_id, submitted_at);
CREATE TABLE action_plans (
    id {ID},
    survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    wave_id BIGINT NOT NULL REFERENCES survey_waves(id) ON DELETE CASCADE,
    element TEXT NOT NULL,
    title TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_date TEXT NOT NULL,
    target DOUBLE PRECISION NOT NULL,
    baseline DOUBLE PRECISION NOT NULL,
    status TEXT NOT NULL DEFAULT 'plan',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX action_plans_survey ON action_plans(survey_id, id);
"#,
    ),
    (
        7,
        r#"
CREATE TABLE complaint_teams (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    manager TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE team_members (
    username TEXT PRIMARY KEY,
    team_id BIGINT NOT NULL REFERENCES complaint_teams(id) ON DELETE CASCADE
);
CREATE TABLE complaints (
    id {ID},
    received_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    customer_id BIGINT REFERENCES customers(id) ON DELETE SET NULL,
    caller TEXT NOT NULL DEFAULT '',
    situation TEXT NOT NULL,
    product TEXT NOT NULL DEFAULT '',
    cause TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL,
    wants TEXT NOT NULL DEFAULT '[]',
    assignee TEXT NOT NULL DEFAULT '',
    team_id BIGINT REFERENCES complaint_teams(id) ON DELETE SET NULL,
    state TEXT NOT NULL,
    handling TEXT NOT NULL DEFAULT '{}',
    acknowledged_at TEXT,
    resolved_at TEXT,
    closed_at TEXT,
    on_the_spot BIGINT NOT NULL DEFAULT 0,
    ack_warn_at TEXT NOT NULL,
    ack_due_at TEXT NOT NULL,
    resolve_warn_at TEXT NOT NULL,
    resolve_due_at TEXT NOT NULL,
    timers_done TEXT NOT NULL DEFAULT '',
    next_timer_at TEXT,
    escalated_to TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX complaints_state ON complaints(state, received_at);
CREATE INDEX complaints_received ON complaints(received_at, id);
CREATE INDEX complaints_open ON complaints(received_at, id) WHERE state <> 'closed';
CREATE INDEX complaints_assignee ON complaints(assignee, state);
CREATE INDEX complaints_team ON complaints(team_id, state);
CREATE INDEX complaints_customer ON complaints(customer_id, received_at);
CREATE INDEX complaints_next_timer ON complaints(next_timer_at);
CREATE INDEX complaints_resolve_due ON complaints(state, resolve_due_at);
CREATE TABLE complaint_events (
    id {ID},
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT NOT NULL DEFAULT '',
    to_state TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    changes TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX complaint_events_case ON complaint_events(complaint_id, id);
CREATE TABLE complaint_tasks (
    id {ID},
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    kind TEXT NOT NULL,
    assignee TEXT NOT NULL,
    due_at TEXT NOT NULL,
    done_at TEXT,
    result TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX complaint_tasks_assignee ON complaint_tasks(assignee, done_at, due_at);
CREATE INDEX complaint_tasks_case ON complaint_tasks(complaint_id);
CREATE TABLE restore_guard (
    active BIGINT NOT NULL
)
"#,
    ),
    // An agent's cases newest first straight from the index (the list's "mine" view walked all
    // open cases by date before, filtering by assignee); it no longer holds the state, so a step
    // that only changes the state leaves it alone.
    (
        8,
        r#"
DROP INDEX complaints_assignee;
CREATE INDEX complaints_assignee ON complaints(assignee, received_at, id)
"#,
    ),
    // Loyalty and churn management (issue 16): contracts on the customer, every customer's
    // loyalty type with its reasons and churn status (replaced by each classification run), the
    // churn type proposed and confirmed (with its history), win-back tasks and saved segments.
    (
        9,
        r#"
ALTER TABLE customers ADD COLUMN contract_start TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN contract_end TEXT NOT NULL DEFAULT '';
CREATE TABLE loyalty_profiles (
    customer_id BIGINT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    run_id BIGINT NOT NULL,
    loyalty_type TEXT NOT NULL,
    previous_type TEXT NOT NULL DEFAULT '',
    attachment DOUBLE PRECISION,
    repeat_high BIGINT,
    churn_status TEXT NOT NULL DEFAULT '',
    churn_rule TEXT NOT NULL DEFAULT '',
    value_at_risk DOUBLE PRECISION NOT NULL DEFAULT 0,
    clv DOUBLE PRECISION NOT NULL DEFAULT 0,
    top20 BIGINT NOT NULL DEFAULT 0,
    reasons TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX loyalty_profiles_value ON loyalty_profiles(value_at_risk, customer_id);
CREATE INDEX loyalty_profiles_type ON loyalty_profiles(loyalty_type, value_at_risk, customer_id);
CREATE INDEX loyalty_profiles_risk ON loyalty_profiles(churn_status, value_at_risk, customer_id);
CREATE TABLE churn_assessments (
    customer_id BIGINT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    proposed_type TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '[]',
    churn_type TEXT NOT NULL DEFAULT '',
    cause TEXT NOT NULL DEFAULT '',
    exit_reason TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL DEFAULT '',
    confirmed_at TEXT,
    proposed_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX churn_assessments_type ON churn_assessments(churn_type, cause);
CREATE TABLE churn_assessment_events (
    id {ID},
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    proposed_type TEXT NOT NULL DEFAULT '',
    churn_type TEXT NOT NULL DEFAULT '',
    cause TEXT NOT NULL DEFAULT '',
    exit_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX churn_assessment_events_customer ON churn_assessment_events(customer_id, id);
CREATE TABLE winback_tasks (
    id {ID},
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    assignee TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    due_at TEXT NOT NULL,
    value_at_risk DOUBLE PRECISION NOT NULL DEFAULT 0,
    churn_type TEXT NOT NULL DEFAULT '',
    cause TEXT NOT NULL DEFAULT '',
    apologised BIGINT NOT NULL DEFAULT 0,
    unhappy_with TEXT NOT NULL DEFAULT '',
    remedy TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    contacted_at TEXT,
    closed_at TEXT,
    counts_until TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX winback_tasks_assignee ON winback_tasks(assignee, state, due_at);
CREATE INDEX winback_tasks_customer ON winback_tasks(customer_id, id);
CREATE INDEX winback_tasks_state ON winback_tasks(state, due_at);
CREATE TABLE saved_segments (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    definition TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"#,
    ),
    // The customer-value run keeps what its transaction scan saw besides the purchase days
    // (transactions, on promotion, in the most used store), so a loyalty run does not scan the
    // transactions again; a customer's total spend in the category (all suppliers, a year) gives
    // the share of wallet where the company imports it.
    (
        10,
        r#"
ALTER TABLE customer_values ADD COLUMN purchases BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customer_values ADD COLUMN promoted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customer_values ADD COLUMN top_store BIGINT NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN category_spend TEXT NOT NULL DEFAULT ''
"#,
    ),
    // Care automation (issue 17): rules, their firings (one per rule and occurrence: the
    // idempotency key), the durable outbox of e-mails and webhooks, care tasks and staff
    // notifications.
    (
        11,
        r#"
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_notifications BIGINT NOT NULL DEFAULT 1;
CREATE TABLE care_rules (
    id {ID},
    name TEXT NOT NULL UNIQUE,
    trigger_kind TEXT NOT NULL,
    mode TEXT NOT NULL,
    spec TEXT NOT NULL,
    swept_through TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE care_firings (
    id {ID},
    rule_id BIGINT NOT NULL REFERENCES care_rules(id) ON DELETE CASCADE,
    occurrence TEXT NOT NULL,
    customer_id BIGINT REFERENCES customers(id) ON DELETE SET NULL,
    dry_run BIGINT NOT NULL DEFAULT 0,
    fired_at TEXT NOT NULL,
    -- The end of the window in which a purchase counts as "bought again" (fired_at + 30 days).
    window_end TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}',
    UNIQUE (rule_id, occurrence, dry_run)
);
CREATE INDEX care_firings_rule ON care_firings(rule_id, fired_at);
CREATE INDEX care_firings_customer ON care_firings(customer_id, fired_at);
CREATE TABLE outbox (
    id {ID},
    kind TEXT NOT NULL,
    firing_id BIGINT REFERENCES care_firings(id) ON DELETE SET NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    last_status BIGINT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    -- What a message is about when it is not a firing's (a survey invitation: invite:WAVE:ID).
    ref TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE UNIQUE INDEX outbox_ref ON outbox(ref) WHERE ref <> '';
CREATE INDEX outbox_firing ON outbox(firing_id);
CREATE TABLE care_tasks (
    id {ID},
    customer_id BIGINT REFERENCES customers(id) ON DELETE CASCADE,
    firing_id BIGINT REFERENCES care_firings(id) ON DELETE SET NULL,
    rule_id BIGINT,
    assignee TEXT NOT NULL,
    title TEXT NOT NULL,
    due_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    done_at TEXT,
    done_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX care_tasks_assignee ON care_tasks(assignee, state, due_at);
CREATE INDEX care_tasks_customer ON care_tasks(customer_id, id);
CREATE TABLE notifications (
    id {ID},
    username TEXT NOT NULL,
    text TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications(username, read_at, id)
"#,
    ),
    // One mechanism for tasks (issue 17): the complaint follow-up visit is a care task, made by
    // the care rule "follow-up N days after a complaint is resolved"; the complaint's own task
    // table moves into care_tasks (linked to its case, with the visit's result) and goes.
    (
        12,
        r#"
ALTER TABLE care_tasks ADD COLUMN complaint_id BIGINT REFERENCES complaints(id) ON DELETE CASCADE;
ALTER TABLE care_tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'care';
ALTER TABLE care_tasks ADD COLUMN result TEXT NOT NULL DEFAULT '';
INSERT INTO care_tasks (customer_id, complaint_id, kind, assignee, title, due_at, state, created_at, done_at, result)
  SELECT k.customer_id, t.complaint_id, t.kind, t.assignee, '回访 / Follow-up #' || t.complaint_id, t.due_at,
         CASE WHEN t.done_at IS NULL THEN 'open' ELSE 'done' END, t.created_at, t.done_at, t.result
  FROM complaint_tasks t JOIN complaints k ON k.id = t.complaint_id ORDER BY t.id;
DROP TABLE complaint_tasks;
CREATE INDEX care_tasks_complaint ON care_tasks(complaint_id, state)
"#,
    ),
    // The language a customer is written to in (issue 17: care e-mails and survey invitations in
    // the customer's language); empty means the company's default.
    (
        13,
        "ALTER TABLE customers ADD COLUMN lang TEXT NOT NULL DEFAULT ''",
    ),
    // A staff member's own numbers on the home page: their resolutions in a month.
    (
        14,
        "CREATE INDEX complaint_events_actor ON complaint_events(actor, kind, at)",
    ),
    // The home page by store (issue 18): each customer's main store (most purchases, ties to
    // the first seen) as the customer-value run's scan saw it.
    (
        15,
        r#"
ALTER TABLE customer_values ADD COLUMN main_store TEXT NOT NULL DEFAULT '';
CREATE INDEX customer_values_store ON customer_values(main_store, customer_id)
"#,
    ),
];

/// Step 7's append-only history: no update, and no delete except by a whole-database restore
/// (which marks itself in `restore_guard` for the length of its transaction).
const HISTORY_SQLITE: &[&str] = &[
    "CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events BEGIN \
       SELECT RAISE(ABORT, 'complaint history is append-only'); END",
    "CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events \
       WHEN NOT EXISTS (SELECT 1 FROM restore_guard) BEGIN \
       SELECT RAISE(ABORT, 'complaint history is append-only'); END",
];
const HISTORY_POSTGRES: &[&str] = &[
    "CREATE FUNCTION complaint_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM restore_guard) THEN RETURN OLD; END IF; \
       RAISE EXCEPTION 'complaint history is append-only'; \
     END $$",
    "CREATE TRIGGER complaint_events_append_only BEFORE UPDATE OR DELETE ON complaint_events \
     FOR EACH ROW EXECUTE FUNCTION complaint_events_append_only()",
];

/// Tables in dependency order (parents first), for backup and restore.
pub const TABLES: &[&str] = &[
    "users",
    "sessions",
    "api_tokens",
    "customers",
    "customer_preferences",
    "customer_notes",
    "transactions",
    "interactions",
    "audit_log",
    "import_jobs",
    "analysis_runs",
    "customer_values",
    "settings",
    "surveys",
    "survey_waves",
    "survey_invitations",
    "survey_responses",
    "action_plans",
    "complaint_teams",
    "team_members",
    "complaints",
    "complaint_events",
    "loyalty_profiles",
    "churn_assessments",
    "churn_assessment_events",
    "winback_tasks",
    "saved_segments",
    "care_rules",
    "care_firings",
    "outbox",
    "care_tasks",
    "notifications",
];

pub(crate) fn ddl(backend: Backend, sql: &str) -> String {
    let id = match backend {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    };
    sql.replace("{ID}", id)
}

/// Step 2: customer search. SQLite keeps a trigram FTS5 index of name, e-mail, external id and
/// phone digits, maintained by triggers; PostgreSQL a pg_trgm GIN index on the same text (when
/// the extension can be created; otherwise search scans). Statements, in order, per backend;
/// PostgreSQL statements starting with `?` may fail without failing the migration.
const SEARCH_SQLITE: &[&str] = &[
    "CREATE VIRTUAL TABLE customers_search USING fts5(doc, tokenize = 'trigram')",
    "CREATE TRIGGER customers_search_ai AFTER INSERT ON customers BEGIN \
       INSERT INTO customers_search (rowid, doc) VALUES (new.id, new.name || ' ' || new.email || ' ' || new.external_id || ' ' || new.phone_digits); END",
    "CREATE TRIGGER customers_search_ad AFTER DELETE ON customers BEGIN DELETE FROM customers_search WHERE rowid = old.id; END",
    "CREATE TRIGGER customers_search_au AFTER UPDATE OF name, email, external_id, phone_digits ON customers BEGIN \
       DELETE FROM customers_search WHERE rowid = old.id; \
       INSERT INTO customers_search (rowid, doc) VALUES (new.id, new.name || ' ' || new.email || ' ' || new.external_id || ' ' || new.phone_digits); END",
    "INSERT INTO customers_search (rowid, doc) SELECT id, name || ' ' || email || ' ' || external_id || ' ' || phone_digits FROM customers",
];
const SEARCH_POSTGRES: &[&str] = &[
    "?CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "?CREATE INDEX customers_search_trgm ON customers USING gin ((lower(name || ' ' || email || ' ' || external_id || ' ' || phone_digits)) gin_trgm_ops)",
];

/// Step 3: the uniqueness of `transactions.external_id` as a named index rather than a column
/// constraint, so that a bulk load into an empty table can build it once at the end
/// (`bulk`). SQLite cannot drop a column constraint: the table is rebuilt.
const TX_UNIQUE_SQLITE: &[&str] = &[
    "CREATE TABLE transactions_v3 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    occurred_at TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'CNY',
    channel TEXT NOT NULL DEFAULT '',
    store TEXT NOT NULL DEFAULT '',
    items TEXT NOT NULL DEFAULT '',
    quantity BIGINT NOT NULL DEFAULT 1,
    promotion BIGINT NOT NULL DEFAULT 0,
    is_return BIGINT NOT NULL DEFAULT 0
)",
    "INSERT INTO transactions_v3 SELECT id, external_id, customer_id, occurred_at, amount_minor, currency, channel, store, items, quantity, promotion, is_return FROM transactions",
    "DROP TABLE transactions",
    "ALTER TABLE transactions_v3 RENAME TO transactions",
    "CREATE UNIQUE INDEX transactions_external_id ON transactions(external_id)",
    "CREATE INDEX transactions_customer_time ON transactions(customer_id, occurred_at)",
];
const TX_UNIQUE_POSTGRES: &[&str] = &[
    "ALTER TABLE transactions DROP CONSTRAINT transactions_external_id_key",
    "CREATE UNIQUE INDEX transactions_external_id ON transactions(external_id)",
];

/// Step 4 (PostgreSQL; SQLite compares bytes already): one- and two-character searches (a
/// surname, an id prefix) are prefix matches on the lower-cased name or external id, answered
/// from these indexes whatever the database's collation; and transaction ids and instants
/// compare as bytes (`COLLATE "C"`: the same order for ISO instants and ids, and index builds
/// several times faster than with a language collation).
const STEP4_POSTGRES: &[&str] = &[
    "ALTER TABLE transactions ALTER COLUMN external_id TYPE TEXT COLLATE \"C\", ALTER COLUMN occurred_at TYPE TEXT COLLATE \"C\"",
    "CREATE INDEX customers_name_prefix ON customers (lower(name) text_pattern_ops)",
    "CREATE INDEX customers_external_id_prefix ON customers (lower(external_id) text_pattern_ops)",
];

pub(crate) async fn run(store: &Store) -> Result<usize> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .execute(&store.pool)
    .await?;
    let mut applied = 0;
    for (version, sql) in STEPS {
        let mut tx = store.begin_write().await?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            continue;
        }
        let stmts: Vec<String> = match (*version, store.backend) {
            (2, Backend::Sqlite) => SEARCH_SQLITE.iter().map(|s| s.to_string()).collect(),
            (2, Backend::Postgres) => SEARCH_POSTGRES.iter().map(|s| s.to_string()).collect(),
            (3, Backend::Sqlite) => TX_UNIQUE_SQLITE.iter().map(|s| s.to_string()).collect(),
            (3, Backend::Postgres) => TX_UNIQUE_POSTGRES.iter().map(|s| s.to_string()).collect(),
            (4, Backend::Sqlite) => Vec::new(),
            (4, Backend::Postgres) => STEP4_POSTGRES.iter().map(|s| s.to_string()).collect(),
            (7, backend) => {
                let history = match backend {
                    Backend::Sqlite => HISTORY_SQLITE,
                    Backend::Postgres => HISTORY_POSTGRES,
                };
                ddl(backend, sql)
                    .split(';')
                    .map(str::to_string)
                    .chain(history.iter().map(|s| s.to_string()))
                    .collect()
            }
            _ => ddl(store.backend, sql)
                .split(';')
                .map(str::to_string)
                .collect(),
        };
        for stmt in stmts.iter().filter(|s| !s.trim().is_empty()) {
            match stmt.strip_prefix('?') {
                // Optional: try it under a savepoint so a refusal does not abort the step.
                Some(optional) => {
                    sqlx::query("SAVEPOINT optional_step")
                        .execute(&mut *tx)
                        .await?;
                    match sqlx::query(optional).execute(&mut *tx).await {
                        Ok(_) => {
                            sqlx::query("RELEASE SAVEPOINT optional_step")
                                .execute(&mut *tx)
                                .await?
                        }
                        Err(e) => {
                            tracing::warn!(
                                "optional migration statement skipped ({e}): {optional}"
                            );
                            sqlx::query("ROLLBACK TO SAVEPOINT optional_step")
                                .execute(&mut *tx)
                                .await?
                        }
                    };
                }
                None => {
                    sqlx::query(stmt).execute(&mut *tx).await?;
                }
            }
        }
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(*version)
            .bind(domain::time::now_stored())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        applied += 1;
    }
    Ok(applied)
}
