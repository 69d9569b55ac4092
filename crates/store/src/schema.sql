-- Punkt local store, schema version 1. Everything here is inside the SQLCipher-encrypted file.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per Automerge document: the compacted bytes and its bookkeeping.
CREATE TABLE documents (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    owner_org   TEXT NOT NULL,
    snapshot    BLOB NOT NULL,
    heads       BLOB NOT NULL,
    -- store-wide sequence number of the last write, for "what changed since".
    local_seq   INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX documents_seq ON documents(local_seq);

-- Incremental changes appended since the snapshot (a keystroke appends, it never rewrites).
CREATE TABLE doc_changes (
    doc_id  TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    hash    BLOB NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX doc_changes_hash ON doc_changes(doc_id, hash);

-- ---- The index: a function of the documents, never edited by hand. ----

CREATE TABLE clients (
    rid             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organisation    TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    given_names     TEXT NOT NULL,
    family_name     TEXT NOT NULL,
    names_original  TEXT NOT NULL,
    birth_date      TEXT,
    birth_year      INTEGER,
    sex             TEXT NOT NULL,
    citizenship     TEXT,
    citizenships    TEXT NOT NULL,
    languages       TEXT NOT NULL,
    current_status  TEXT,
    identity_key    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX clients_updated ON clients(updated_at);
CREATE INDEX clients_identity ON clients(identity_key);

CREATE TABLE client_statuses (
    client_id  TEXT NOT NULL,
    entry_id   TEXT NOT NULL,
    status     TEXT NOT NULL,
    from_key   TEXT,
    until_key  TEXT,
    PRIMARY KEY (client_id, entry_id)
) WITHOUT ROWID;

CREATE TABLE matters (
    client_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    authority  TEXT,
    reference  TEXT,
    opened     TEXT,
    closed     TEXT,
    PRIMARY KEY (client_id, id)
) WITHOUT ROWID;

CREATE TABLE consultations (
    client_id         TEXT NOT NULL,
    id                TEXT NOT NULL,
    date              TEXT NOT NULL,
    place_kind        TEXT NOT NULL,
    place             TEXT NOT NULL,
    organisation      TEXT NOT NULL,
    language          TEXT,
    interpreter       INTEGER NOT NULL,
    duration_minutes  INTEGER,
    staff             TEXT,
    PRIMARY KEY (client_id, id)
) WITHOUT ROWID;
CREATE INDEX consultations_date ON consultations(date);

-- One row per service given in a consultation, with the columns reports break it down by
-- (copied from the consultation and the client: every row of a client is rewritten whenever
-- the client's file changes). Keyed by date so a period is one range scan.
CREATE TABLE consultation_services (
    date             TEXT NOT NULL,
    client_id        TEXT NOT NULL,
    consultation_id  TEXT NOT NULL,
    service          TEXT NOT NULL,
    place_kind       TEXT NOT NULL,
    place            TEXT NOT NULL,
    organisation     TEXT NOT NULL,
    sex              TEXT NOT NULL,
    birth_date       TEXT,
    citizenship      TEXT,
    PRIMARY KEY (date, client_id, consultation_id, service)
) WITHOUT ROWID;
CREATE INDEX consultation_services_client ON consultation_services(client_id);

CREATE TABLE deadlines (
    client_id  TEXT NOT NULL,
    id         TEXT NOT NULL,
    rule       TEXT NOT NULL,
    from_date  TEXT NOT NULL,
    due        TEXT NOT NULL,
    uncertain  INTEGER NOT NULL,
    done       INTEGER NOT NULL,
    matter_id  TEXT,
    PRIMARY KEY (client_id, id)
) WITHOUT ROWID;
CREATE INDEX deadlines_open_due ON deadlines(done, due);

-- Search keys of a client: name keys (e:, s:, d:, c:), document numbers (n:), birth dates (b:).
CREATE TABLE search_keys (
    key        TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    PRIMARY KEY (key, client_id)
) WITHOUT ROWID;
CREATE INDEX search_keys_client ON search_keys(client_id);

-- One-deletion neighbours of every skeleton key in use, for typo-tolerant lookup.
CREATE TABLE skeleton_deletes (
    del       TEXT NOT NULL,
    skeleton  TEXT NOT NULL,
    PRIMARY KEY (del, skeleton)
) WITHOUT ROWID;
CREATE INDEX skeleton_deletes_skeleton ON skeleton_deletes(skeleton);

-- Full text: names in every spelling, and other words (document numbers, references,
-- summary). rowid = clients.rid.
CREATE VIRTUAL TABLE client_fts USING fts5(
    names, other,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
