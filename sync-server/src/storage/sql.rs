//! The statements both back-ends run, written once. Each is plain SQL that SQLite and
//! PostgreSQL read alike, with PostgreSQL's numbered parameters (`$1`); the SQLite back-end
//! runs them through [`lite`], which writes SQLite's `?1` for `$1` (SQLite would take `$1` as
//! a named parameter, numbered by first appearance, and bind the wrong values where `$2` comes
//! before `$1`). Statements that differ between the two (types, upserts, locking, bulk
//! inserts) stay in `sqlite.rs` and `postgres.rs`.

/// The tables, as the current release makes them, in SQLite's spelling ([`postgres`] writes
/// PostgreSQL's). Each back-end creates the missing ones at start; an older database's tables
/// get the columns added since from the back-end's upgrade statements, then [`INDEXES`] are
/// made (some are on such columns). The audit log's table differs (its counter column) and
/// stays in each back-end.
pub const TABLES: &str = "
CREATE TABLE IF NOT EXISTS orgs (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY, org TEXT NOT NULL REFERENCES orgs(name), role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrol_codes (
    code_hash BLOB PRIMARY KEY, user_name TEXT NOT NULL REFERENCES users(name),
    expires_at INTEGER NOT NULL, used_at INTEGER, record BLOB);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY, name TEXT NOT NULL, user_name TEXT NOT NULL REFERENCES users(name),
    token_hash BLOB NOT NULL UNIQUE, enrolled_at INTEGER NOT NULL, last_seen INTEGER,
    revoked_at INTEGER, final_push_at INTEGER, public_key BLOB, code_record BLOB, proof BLOB);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner_org TEXT NOT NULL,
    snapshot BLOB NOT NULL, heads BLOB NOT NULL, seq INTEGER NOT NULL, created_by TEXT,
    created_at INTEGER, undone BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS doc_changes (
    doc_id TEXT NOT NULL, n INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
    PRIMARY KEY (doc_id, n), UNIQUE (doc_id, hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS doc_access (
    doc_id TEXT NOT NULL, org TEXT NOT NULL, PRIMARY KEY (doc_id, org)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tally_months (
    org TEXT NOT NULL, month TEXT NOT NULL, key_id TEXT NOT NULL, people INTEGER NOT NULL,
    sent_at TEXT NOT NULL, PRIMARY KEY (org, month)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tally (
    org TEXT NOT NULL, month TEXT NOT NULL, person BLOB NOT NULL, service TEXT NOT NULL,
    PRIMARY KEY (org, month, person, service)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY, org TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
    role TEXT, expires_at INTEGER, requested_by TEXT NOT NULL,
    requested_device TEXT NOT NULL, requested_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS held_docs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, owner_org TEXT NOT NULL,
    snapshot BLOB NOT NULL, heads BLOB NOT NULL, created_by TEXT, created_at INTEGER,
    batch TEXT NOT NULL, erased_at INTEGER NOT NULL, device_id TEXT NOT NULL,
    user_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS held_changes (
    doc_id TEXT NOT NULL, n INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
    PRIMARY KEY (doc_id, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS doc_keys (
    doc_id TEXT NOT NULL, org TEXT NOT NULL, scope TEXT NOT NULL, epoch INTEGER NOT NULL,
    sealed_to_org BOOLEAN NOT NULL, wrapped BLOB NOT NULL,
    PRIMARY KEY (doc_id, org, scope, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_epochs (
    org TEXT NOT NULL, scope TEXT NOT NULL, epoch INTEGER NOT NULL, public_key BLOB,
    created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
    PRIMARY KEY (org, scope, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_grants (
    org TEXT NOT NULL, device_id TEXT NOT NULL, scope TEXT NOT NULL,
    epoch INTEGER NOT NULL, sealed BLOB NOT NULL, endorsement BLOB,
    PRIMARY KEY (device_id, scope, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_rotations (
    org TEXT NOT NULL, scope TEXT NOT NULL, reason TEXT NOT NULL,
    PRIMARY KEY (org, scope)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS legacy_docs (id TEXT PRIMARY KEY, hashes BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_keys (
    org TEXT NOT NULL, epoch INTEGER NOT NULL, public_key BLOB NOT NULL,
    signing_key BLOB NOT NULL, link BLOB NOT NULL, created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL, PRIMARY KEY (org, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rule_books (
    serial INTEGER PRIMARY KEY, org TEXT NOT NULL, epoch INTEGER NOT NULL,
    book TEXT NOT NULL, signature BLOB NOT NULL, published_by TEXT NOT NULL,
    published_at INTEGER NOT NULL);
";

/// Columns added since the first release (table, column, type in SQLite's spelling): each
/// back-end adds those an older database lacks, before [`INDEXES`].
pub const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("audit", "event_id", "TEXT"),
    // Who first pushed a document, and when: its author may erase or merge it for a short
    // while; after that only a coordinator. And whether an erasure of it was undone.
    ("documents", "created_by", "TEXT"),
    ("documents", "created_at", "INTEGER"),
    ("documents", "undone", "BOOLEAN NOT NULL DEFAULT FALSE"),
    // When a revoked laptop made its last push (it may make it once, in a short window).
    ("devices", "final_push_at", "INTEGER"),
    // Protocol 6: each laptop's public key, and the records of split enrolment codes.
    ("devices", "public_key", "BLOB"),
    ("devices", "code_record", "BLOB"),
    ("devices", "proof", "BLOB"),
    ("enrol_codes", "record", "BLOB"),
    // Grants made before endorsements (protocol 6 as first written).
    ("key_grants", "endorsement", "BLOB"),
];

/// The indexes, made after [`TABLES`] and the back-end's upgrades.
pub const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS documents_seq ON documents(seq);
CREATE INDEX IF NOT EXISTS doc_access_org ON doc_access(org, doc_id);
CREATE UNIQUE INDEX IF NOT EXISTS audit_event ON audit(event_id);
CREATE INDEX IF NOT EXISTS audit_doc ON audit(doc_id);
CREATE INDEX IF NOT EXISTS audit_org ON audit(organisation);
CREATE INDEX IF NOT EXISTS held_docs_batch ON held_docs(batch);
CREATE INDEX IF NOT EXISTS held_docs_device ON held_docs(device_id, erased_at);
CREATE INDEX IF NOT EXISTS key_grants_org ON key_grants(org);
";

/// Schema text in PostgreSQL's spelling: its types for SQLite's, no `WITHOUT ROWID`.
pub fn postgres(sql: &str) -> String {
    sql.replace(" WITHOUT ROWID", "")
        .replace("BLOB", "BYTEA")
        .replace("INTEGER", "BIGINT")
}

pub const ACCESS_OF_DOC: &str = "SELECT org FROM doc_access WHERE doc_id = $1 ORDER BY org";
pub const APPROVAL_SELECT: &str =
    "SELECT id, org, action, subject, role, expires_at, requested_by, requested_device,
     requested_at FROM approvals";
pub const CHANGED_SINCE: &str =
    "SELECT id, kind, owner_org, heads, seq, undone FROM documents d WHERE seq > $2 AND
     (owner_org = $1 OR EXISTS (SELECT 1 FROM doc_access a WHERE a.doc_id = d.id AND a.org =
     $1)) ORDER BY seq LIMIT $3";
pub const CHANGES_OF_DOC: &str = "SELECT bytes FROM doc_changes WHERE doc_id = $1 ORDER BY n";
pub const CURRENT_SEQ: &str = "SELECT value FROM counters WHERE name = 'seq'";
pub const DELETE_DOC_CHANGES: &str = "DELETE FROM doc_changes WHERE doc_id = $1";
pub const DELETE_HELD_CHANGES: &str = "DELETE FROM held_changes WHERE doc_id = $1";
pub const DELETE_HELD_DOC: &str = "DELETE FROM held_docs WHERE id = $1";
pub const DELETE_KEY_ROTATION: &str = "DELETE FROM key_rotations WHERE org = $1 AND scope = $2";
pub const DELETE_LEGACY_DOC: &str = "DELETE FROM legacy_docs WHERE id = $1";
pub const DELETE_OLDER_WRAPS: &str =
    "DELETE FROM doc_keys WHERE doc_id = $1 AND org = $2 AND scope = $3 AND epoch < $4";
pub const DELETE_PURGED_DOC_KEYS: &str =
    "DELETE FROM doc_keys WHERE doc_id IN (SELECT id FROM held_docs WHERE erased_at < $1)";
pub const DELETE_PURGED_HELD_CHANGES: &str =
    "DELETE FROM held_changes WHERE doc_id IN (SELECT id FROM held_docs WHERE erased_at < $1)";
pub const DELETE_PURGED_HELD_DOCS: &str = "DELETE FROM held_docs WHERE erased_at < $1";
pub const DELETE_TALLY_BEFORE: &str = "DELETE FROM tally WHERE month < $1";
pub const DELETE_TALLY_MONTHS_BEFORE: &str = "DELETE FROM tally_months WHERE month < $1";
pub const DELETE_TALLY_OF_MONTH: &str = "DELETE FROM tally WHERE org = $1 AND month = $2";
pub const DEVICE_SELECT: &str =
    "SELECT d.device_id, d.name, d.user_name, u.org, u.role, d.enrolled_at, d.last_seen,
     d.revoked_at, d.public_key, d.code_record, d.proof FROM devices d JOIN users u ON u.name
     = d.user_name";
pub const DOC_IDS: &str = "SELECT id FROM documents WHERE kind != $1 ORDER BY id";
pub const DOC_KEYS: &str =
    "SELECT org, scope, epoch, sealed_to_org, wrapped FROM doc_keys WHERE doc_id = $1 ORDER
     BY org, scope, epoch";
pub const ERASED_BY_DEVICE_SINCE: &str =
    "SELECT COUNT(*) FROM held_docs WHERE device_id = $1 AND erased_at >= $2";
pub const FINAL_PUSH_STARTED: &str =
    "UPDATE devices SET final_push_at = COALESCE(final_push_at, $2) WHERE device_id = $1
     RETURNING final_push_at";
pub const GENERATION: &str = "SELECT value FROM server_meta WHERE key = 'generation'";
pub const GRANTS_OF_ORG: &str =
    "SELECT device_id, scope, epoch, sealed, endorsement FROM key_grants WHERE org = $1 ORDER
     BY device_id, scope, epoch";
pub const HOLD_CHANGES: &str =
    "INSERT INTO held_changes(doc_id, n, hash, bytes) SELECT doc_id, n, hash, bytes FROM
     doc_changes WHERE doc_id = $1";
pub const INSERT_APPROVAL: &str =
    "INSERT INTO approvals(id, org, action, subject, role, expires_at, requested_by,
     requested_device, requested_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const INSERT_DEVICE: &str =
    "INSERT INTO devices(device_id, name, user_name, token_hash, enrolled_at, public_key,
     proof, code_record) VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT record FROM enrol_codes
     WHERE code_hash = $8))";
pub const INSERT_ENROL_CODE: &str =
    "INSERT INTO enrol_codes(code_hash, user_name, expires_at) VALUES ($1, $2, $3)";
pub const INSERT_RULE_BOOK: &str =
    "INSERT INTO rule_books(serial, org, epoch, book, signature, published_by, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub const KEY_EPOCHS: &str =
    "SELECT org, scope, epoch, public_key FROM key_epochs ORDER BY org, scope, epoch";
pub const LEGACY_HASHES: &str = "SELECT hashes FROM legacy_docs WHERE id = $1";
pub const LOAD_DOC: &str =
    "SELECT kind, owner_org, snapshot, heads, seq, created_by, created_at FROM documents
     WHERE id = $1";
pub const NEWEST_RULE_BOOK: &str =
    "SELECT org, epoch, serial, book, signature FROM rule_books ORDER BY serial DESC LIMIT 1";
pub const NEXT_CHANGE_NUMBER: &str =
    "SELECT COALESCE(MAX(n), 0) + 1 FROM doc_changes WHERE doc_id = $1";
pub const NEXT_SEQ: &str =
    "UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value";
pub const ORGANISATIONS: &str = "SELECT name FROM orgs ORDER BY name";
pub const ORG_EXISTS: &str = "SELECT 1 FROM orgs WHERE name = $1";
pub const ORG_KEYS_SELECT: &str =
    "SELECT k.org, k.epoch, k.public_key, k.signing_key, k.link FROM org_keys k";
pub const PUT_CODE_RECORD: &str =
    "UPDATE enrol_codes SET record = $3 WHERE code_hash = $1 AND used_at IS NULL AND record
     IS NULL AND user_name IN (SELECT name FROM users WHERE org = $2)";
pub const REVOKE_DEVICE: &str =
    "UPDATE devices SET revoked_at = COALESCE(revoked_at, $2) WHERE device_id = $1";
pub const ROTATIONS_OF_ORG: &str = "SELECT scope FROM key_rotations WHERE org = $1 ORDER BY scope";
pub const RULE_BOOK_SERIAL: &str = "SELECT COALESCE(MAX(serial), 0) FROM rule_books";
pub const SET_DOC_HEADS: &str = "UPDATE documents SET heads = $2, seq = $3 WHERE id = $1";
pub const SET_DOC_SEQ: &str = "UPDATE documents SET seq = $2 WHERE id = $1";
pub const SET_DOC_SNAPSHOT: &str =
    "UPDATE documents SET snapshot = $2, heads = $3, seq = $4 WHERE id = $1";
pub const SET_PUBLIC_KEY: &str =
    "UPDATE devices SET public_key = $2 WHERE device_id = $1 AND public_key IS NULL";
pub const STALE_WRAPS: &str =
    "SELECT k.doc_id, k.org, k.scope, k.epoch, k.sealed_to_org, k.wrapped FROM doc_keys k
     WHERE k.org = $1 AND k.scope = $2 AND k.epoch < $3 AND NOT EXISTS (SELECT 1 FROM
     doc_keys n WHERE n.doc_id = k.doc_id AND n.org = $1 AND n.scope = $2 AND n.epoch = $3)
     ORDER BY k.doc_id, k.epoch DESC LIMIT $4";
pub const TALLY_MONTHS_BETWEEN: &str =
    "SELECT org, month, key_id, people, sent_at FROM tally_months WHERE month BETWEEN $1 AND
     $2 ORDER BY org, month";
pub const TALLY_MONTH_EXISTS: &str = "SELECT 1 FROM tally_months WHERE org = $1 AND month = $2";
pub const TALLY_ROWS_BETWEEN: &str =
    "SELECT DISTINCT org, person, service FROM tally WHERE month BETWEEN $1 AND $2";
pub const TOUCH_DEVICE: &str = "UPDATE devices SET last_seen = $2 WHERE device_id = $1";
pub const UNSHARED_KEYS: &str =
    "SELECT a.doc_id, a.org FROM doc_access a JOIN documents d ON d.id = a.doc_id WHERE
     d.owner_org = $1 AND d.kind != $2 AND d.kind NOT LIKE 'section:%' AND NOT EXISTS (SELECT
     1 FROM doc_keys k WHERE k.doc_id = a.doc_id AND k.org = a.org) ORDER BY a.doc_id, a.org
     LIMIT 2000";
pub const USERS: &str = "SELECT name, org, role FROM users ORDER BY name";
pub const USER_EXISTS: &str = "SELECT 1 FROM users WHERE name = $1";
pub const USE_ENROL_CODE: &str = "UPDATE enrol_codes SET used_at = $2 WHERE code_hash = $1";

/// `sql` with SQLite's parameters: `?1` for each `$1`.
pub fn lite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_gets_its_types() {
        assert_eq!(
            postgres("CREATE TABLE t (a INTEGER NOT NULL, b BLOB, PRIMARY KEY (a)) WITHOUT ROWID;"),
            "CREATE TABLE t (a BIGINT NOT NULL, b BYTEA, PRIMARY KEY (a));"
        );
    }

    #[test]
    fn sqlite_gets_numbered_parameters_in_place() {
        assert_eq!(
            lite("SELECT a FROM t WHERE b > $2 AND (c = $1 OR d = $1) LIMIT $3"),
            "SELECT a FROM t WHERE b > ?2 AND (c = ?1 OR d = ?1) LIMIT ?3"
        );
        assert_eq!(lite("SELECT '$' || x FROM t"), "SELECT '$' || x FROM t");
    }
}
