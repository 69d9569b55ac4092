//! The derived index: plain rows that `punkt-core` computes from a client file, how they are
//! written (replacing the client's previous rows), and the queries that lists, search, the
//! deadline board and reports run. Nothing here knows what a client file is.

use std::collections::{BTreeSet, HashMap};

use rusqlite::types::ValueRef;
use rusqlite::{params, params_from_iter, OptionalExtension, Transaction};

use punkt_model::names::{deletions, MIN_TYPO_LEN};

use crate::error::Result;
use crate::Store;

/// Every index row of one client file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientIndex {
    pub id: String,
    pub organisation: String,
    pub display_name: String,
    /// Normalised names + birth date: equal keys are likely the same person.
    pub identity_key: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub names_original: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i32>,
    pub sex: String,
    /// The first citizenship, the one reports count by.
    pub citizenship: Option<String>,
    /// All citizenships, space-separated.
    pub citizenships: String,
    pub languages: String,
    pub current_status: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub statuses: Vec<StatusRow>,
    /// Each vulnerability flag and the day it was recorded (when known).
    pub vulnerabilities: Vec<(String, Option<String>)>,
    pub matters: Vec<MatterRow>,
    pub consultations: Vec<ConsultationRow>,
    pub deadlines: Vec<DeadlineRow>,
    /// `kind:value` search keys (see `punkt_model::names`), plus `n:` document numbers and `b:`
    /// birth dates.
    pub search_keys: BTreeSet<String>,
    pub fts_names: String,
    pub fts_other: String,
    /// Fields of the file holding concurrent values nobody has settled yet.
    pub conflicts: u32,
    /// The anonymised copy a retention rule left of a closed file.
    pub anonymised: bool,
    /// Set when the file was merged into another: it then has no index rows at all (not
    /// listed, searched, on the board or counted in reports).
    pub merged_into: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusRow {
    pub entry_id: String,
    pub status: String,
    /// Sortable start: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub from_key: Option<String>,
    pub until_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatterRow {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub authority: Option<String>,
    pub reference: Option<String>,
    pub opened: Option<String>,
    pub closed: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConsultationRow {
    pub id: String,
    pub date: String,
    pub place_kind: String,
    pub place: String,
    pub organisation: String,
    pub language: Option<String>,
    pub interpreter: bool,
    pub duration_minutes: Option<i64>,
    pub staff: Option<String>,
    pub services: Vec<String>,
    /// The project code it was given under.
    pub project: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeadlineRow {
    pub id: String,
    pub rule: String,
    pub from_date: String,
    pub due: String,
    /// For limits in hours: the hour it ends (`HH:MM`).
    pub due_time: Option<String>,
    pub uncertain: bool,
    pub done: bool,
    pub matter_id: Option<String>,
    pub note: Option<String>,
}

/// One group activity as reports and the list count it (from its document).
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub id: String,
    pub organisation: String,
    pub kind: String,
    pub date: String,
    pub place_kind: String,
    pub place: String,
    pub project: Option<String>,
    pub topic: String,
    pub participants: u64,
    pub female: Option<u64>,
    pub male: Option<u64>,
    pub children: Option<u64>,
    pub duration_minutes: Option<u64>,
    /// Removed as recorded by mistake: no row (the old one is deleted).
    pub removed: bool,
}

/// Each client's vulnerability flags, with the day each was recorded when known.
pub type Vulnerabilities = HashMap<String, Vec<(String, Option<String>)>>;

/// The index rows of one document, whatever its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexRows {
    Client(Box<ClientIndex>),
    Activity(Box<ActivityRow>),
    /// A restricted section's sensitive vulnerability flags (flag, day recorded) of a client
    /// (one person may have more than one such section, after a merge).
    SensitiveFlags {
        section_id: String,
        client_id: String,
        flags: Vec<(String, Option<String>)>,
    },
}

impl From<ClientIndex> for IndexRows {
    fn from(c: ClientIndex) -> Self {
        IndexRows::Client(Box::new(c))
    }
}

/// Replace a document's index rows, inside the caller's transaction.
pub(crate) fn replace_rows(tx: &Transaction<'_>, rows: &IndexRows) -> Result<()> {
    match rows {
        IndexRows::Client(c) => replace_client_rows(tx, c),
        IndexRows::Activity(a) => replace_activity_row(tx, a),
        IndexRows::SensitiveFlags {
            section_id,
            client_id,
            flags,
        } => replace_sensitive_flags(tx, section_id, client_id, flags),
    }
}

fn replace_sensitive_flags(
    tx: &Transaction<'_>,
    section_id: &str,
    client_id: &str,
    flags: &[(String, Option<String>)],
) -> Result<()> {
    tx.prepare_cached("DELETE FROM client_sensitive_flags WHERE section_id = ?1")?
        .execute([section_id])?;
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO client_sensitive_flags(section_id, client_id, flag, recorded_on)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (flag, on) in flags {
        st.execute(params![section_id, client_id, flag, on])?;
    }
    Ok(())
}

fn replace_activity_row(tx: &Transaction<'_>, a: &ActivityRow) -> Result<()> {
    tx.prepare_cached("DELETE FROM group_activities WHERE id = ?1")?
        .execute([&a.id])?;
    if a.removed {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO group_activities(id, organisation, kind, date, place_kind, place, project,
            topic, participants, female, male, children, duration_minutes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        a.id,
        a.organisation,
        a.kind,
        a.date,
        a.place_kind,
        a.place,
        a.project,
        a.topic,
        a.participants as i64,
        a.female.map(|v| v as i64),
        a.male.map(|v| v as i64),
        a.children.map(|v| v as i64),
        a.duration_minutes.map(|v| v as i64),
    ])?;
    Ok(())
}

fn activity_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActivityRow> {
    let count = |i: usize| -> rusqlite::Result<Option<u64>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(|v| v.max(0) as u64))
    };
    Ok(ActivityRow {
        id: r.get(0)?,
        organisation: r.get(1)?,
        kind: r.get(2)?,
        date: r.get(3)?,
        place_kind: r.get(4)?,
        place: r.get(5)?,
        project: r.get(6)?,
        topic: r.get(7)?,
        participants: r.get::<_, i64>(8)?.max(0) as u64,
        female: count(9)?,
        male: count(10)?,
        children: count(11)?,
        duration_minutes: count(12)?,
        removed: false,
    })
}

const CLIENT_TABLES: &[&str] = &[
    "client_statuses",
    "client_vulnerabilities",
    "matters",
    "consultations",
    "consultation_services",
    "deadlines",
];

/// Delete a client's rows of the dependent tables and of the full-text index; returns the
/// `clients.rid` the client had (kept, so the client row can be updated in place).
fn clear_client_rows(tx: &Transaction<'_>, id: &str) -> Result<Option<i64>> {
    let old_rid: Option<i64> = tx
        .prepare_cached("SELECT rid FROM clients WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    for t in CLIENT_TABLES {
        tx.prepare_cached(&format!("DELETE FROM {t} WHERE client_id = ?1"))?
            .execute([id])?;
    }
    if let Some(rid) = old_rid {
        tx.prepare_cached("DELETE FROM client_fts WHERE rowid = ?1")?
            .execute([rid])?;
    }
    Ok(old_rid)
}

/// Delete every index row of client `id` (a merged-away or erased file).
pub(crate) fn delete_client_rows(tx: &Transaction<'_>, id: &str) -> Result<()> {
    clear_client_rows(tx, id)?;
    tx.prepare_cached("DELETE FROM clients WHERE id = ?1")?
        .execute([id])?;
    replace_search_keys(tx, id, &BTreeSet::new())
}

/// Replace every index row of `rows.id` by `rows`, inside the caller's transaction.
pub(crate) fn replace_client_rows(tx: &Transaction<'_>, rows: &ClientIndex) -> Result<()> {
    let id = rows.id.as_str();
    let old_rid = clear_client_rows(tx, id)?;
    tx.prepare_cached("DELETE FROM merged_files WHERE id = ?1")?
        .execute([id])?;
    if let Some(into) = &rows.merged_into {
        tx.prepare_cached("INSERT INTO merged_files(id, into_id) VALUES (?1, ?2)")?
            .execute([id, into.as_str()])?;
        return delete_client_rows(tx, id);
    }
    tx.prepare_cached(
        "INSERT INTO clients(rid, id, organisation, display_name, given_names, family_name,
            names_original, birth_date, birth_year, sex, citizenship, citizenships, languages,
            current_status, created_at, updated_at, identity_key, conflicts, anonymised)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19)
         ON CONFLICT(id) DO UPDATE SET organisation = excluded.organisation,
            display_name = excluded.display_name, given_names = excluded.given_names,
            family_name = excluded.family_name, names_original = excluded.names_original,
            birth_date = excluded.birth_date, birth_year = excluded.birth_year, sex = excluded.sex,
            citizenship = excluded.citizenship, citizenships = excluded.citizenships,
            languages = excluded.languages, current_status = excluded.current_status,
            created_at = excluded.created_at, updated_at = excluded.updated_at,
            identity_key = excluded.identity_key, conflicts = excluded.conflicts,
            anonymised = excluded.anonymised",
    )?
    .execute(params![
        old_rid,
        id,
        rows.organisation,
        rows.display_name,
        rows.given_names,
        rows.family_name,
        rows.names_original,
        rows.birth_date,
        rows.birth_year,
        rows.sex,
        rows.citizenship,
        rows.citizenships,
        rows.languages,
        rows.current_status,
        rows.created_at,
        rows.updated_at,
        rows.identity_key,
        rows.conflicts,
        rows.anonymised,
    ])?;
    let rid: i64 = tx
        .prepare_cached("SELECT rid FROM clients WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?;
    tx.prepare_cached("INSERT INTO client_fts(rowid, names, other) VALUES (?1, ?2, ?3)")?
        .execute(params![rid, rows.fts_names, rows.fts_other])?;

    let mut st = tx.prepare_cached(
        "INSERT INTO client_statuses(client_id, entry_id, status, from_key, until_key) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for s in &rows.statuses {
        st.execute(params![id, s.entry_id, s.status, s.from_key, s.until_key])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO client_vulnerabilities(client_id, flag, recorded_on)
         VALUES (?1, ?2, ?3)",
    )?;
    for (flag, on) in &rows.vulnerabilities {
        st.execute(params![id, flag, on])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT INTO matters(client_id, id, kind, status, authority, reference, opened, closed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for m in &rows.matters {
        st.execute(params![
            id,
            m.id,
            m.kind,
            m.status,
            m.authority,
            m.reference,
            m.opened,
            m.closed
        ])?;
    }
    let mut st = tx.prepare_cached(
        "INSERT INTO consultations(client_id, id, date, place_kind, place, organisation, language,
            interpreter, duration_minutes, staff) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut sv = tx.prepare_cached(
        "INSERT OR IGNORE INTO consultation_services(date, client_id, consultation_id, service,
            place_kind, place, organisation, sex, birth_date, citizenship, project, language)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let first_language = rows.languages.split(' ').find(|l| !l.is_empty());
    for c in &rows.consultations {
        st.execute(params![
            id,
            c.id,
            c.date,
            c.place_kind,
            c.place,
            c.organisation,
            c.language,
            c.interpreter,
            c.duration_minutes,
            c.staff
        ])?;
        for s in &c.services {
            sv.execute(params![
                c.date,
                id,
                c.id,
                s,
                c.place_kind,
                c.place,
                c.organisation,
                rows.sex,
                rows.birth_date,
                rows.citizenship,
                c.project,
                first_language
            ])?;
        }
    }
    let mut st = tx.prepare_cached(
        "INSERT INTO deadlines(client_id, id, rule, from_date, due, uncertain, done, matter_id,
                               note, due_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for d in &rows.deadlines {
        st.execute(params![
            id,
            d.id,
            d.rule,
            d.from_date,
            d.due,
            d.uncertain,
            d.done,
            d.matter_id,
            d.note,
            d.due_time
        ])?;
    }
    replace_search_keys(tx, id, &rows.search_keys)?;
    Ok(())
}

fn skeleton_of(key: &str) -> Option<&str> {
    key.strip_prefix("s:")
        .filter(|s| s.chars().count() >= MIN_TYPO_LEN)
}

/// Replace a client's search keys, keeping `skeleton_deletes` equal to the one-deletion
/// neighbours of the skeleton keys still in use by anyone.
fn replace_search_keys(tx: &Transaction<'_>, id: &str, keys: &BTreeSet<String>) -> Result<()> {
    let old: BTreeSet<String> = tx
        .prepare_cached("SELECT key FROM search_keys WHERE client_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut del = tx.prepare_cached("DELETE FROM search_keys WHERE key = ?1 AND client_id = ?2")?;
    for k in old.difference(keys) {
        del.execute(params![k, id])?;
    }
    let mut ins = tx.prepare_cached("INSERT INTO search_keys(key, client_id) VALUES (?1, ?2)")?;
    for k in keys.difference(&old) {
        ins.execute(params![k, id])?;
    }
    // Skeletons nobody uses any more lose their neighbours; new ones gain them.
    let mut in_use = tx.prepare_cached("SELECT 1 FROM search_keys WHERE key = ?1 LIMIT 1")?;
    let mut drop = tx.prepare_cached("DELETE FROM skeleton_deletes WHERE skeleton = ?1")?;
    for k in old.difference(keys) {
        if let Some(s) = skeleton_of(k) {
            if !in_use.exists([k])? {
                drop.execute([s])?;
            }
        }
    }
    let mut add =
        tx.prepare_cached("INSERT OR IGNORE INTO skeleton_deletes(del, skeleton) VALUES (?1, ?2)")?;
    for k in keys.difference(&old) {
        if let Some(s) = skeleton_of(k) {
            for d in deletions(s) {
                add.execute(params![d, s])?;
            }
        }
    }
    Ok(())
}

/// A client as lists show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClientSummary {
    pub id: String,
    pub display_name: String,
    pub birth_date: Option<String>,
    pub citizenship: Option<String>,
    pub updated_at: String,
}

/// A deadline on the board, with whose it is.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardDeadline {
    pub client_id: String,
    pub display_name: String,
    pub row: DeadlineRow,
}

/// One service given in one consultation, with what reports break it down by.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFact {
    pub client_id: String,
    pub consultation_id: String,
    pub service: String,
    pub date: String,
    pub place_kind: String,
    pub place: String,
    pub organisation: String,
    pub sex: String,
    pub birth_date: Option<String>,
    pub citizenship: Option<String>,
    /// The project the consultation was given under.
    pub project: Option<String>,
    /// The person's first language.
    pub language: Option<String>,
}

/// A client given a service in a month, with what identifies them across organisations.
#[derive(Debug, Clone, PartialEq)]
pub struct TallyFact {
    /// `YYYY-MM`.
    pub month: String,
    pub client_id: String,
    /// The organisation that gave the service (the consultation's, not the file's owner).
    pub organisation: String,
    pub service: String,
    pub identity_key: Option<String>,
    pub citizenship: Option<String>,
}

/// What a retention rule knows of one client file (see [`Store::retention_facts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionFact {
    pub client_id: String,
    pub organisation: String,
    pub created_at: String,
    pub last_consultation: Option<String>,
    pub last_matter_opened: Option<String>,
    pub last_matter_closed: Option<String>,
    pub open_matters: u64,
    pub open_deadlines: u64,
    /// The latest date of the legal-status timeline (a start or an end, at any precision).
    pub last_status_date: Option<String>,
    /// The latest event a deadline was counted from (a decision delivered...).
    pub last_deadline_event: Option<String>,
}

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClientSummary> {
    Ok(ClientSummary {
        id: r.get(0)?,
        display_name: r.get(1)?,
        birth_date: r.get(2)?,
        citizenship: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

impl Store {
    /// (key, client id) for every stored key among `keys`.
    pub fn lookup_search_keys(&self, keys: &[String]) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for chunk in keys.chunks(200) {
            let sql = format!(
                "SELECT key, client_id FROM search_keys WHERE key IN ({})",
                vec!["?"; chunk.len()].join(",")
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(chunk), |r| Ok((r.get(0)?, r.get(1)?)))?;
            for r in rows {
                out.push(r?);
            }
        }
        Ok(out)
    }

    /// Skeletons in use that have one of `dels` among their one-deletion neighbours.
    pub fn skeletons_near(&self, dels: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for chunk in dels.chunks(200) {
            let sql = format!(
                "SELECT DISTINCT skeleton FROM skeleton_deletes WHERE del IN ({})",
                vec!["?"; chunk.len()].join(",")
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(chunk), |r| r.get(0))?;
            for r in rows {
                out.push(r?);
            }
        }
        Ok(out)
    }

    /// Client ids whose full text matches an FTS5 `query`, best first (bm25), at most `limit`.
    pub fn fts_match(&self, query: &str, limit: usize) -> Result<Vec<(String, f64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, bm25(client_fts) FROM client_fts JOIN clients c ON c.rid = client_fts.rowid
             WHERE client_fts MATCH ?1 ORDER BY bm25(client_fts) LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![query, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Summaries of the given clients (in no particular order; unknown ids are skipped).
    pub fn client_summaries(&self, ids: &[String]) -> Result<Vec<ClientSummary>> {
        let mut out = Vec::with_capacity(ids.len());
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, display_name, birth_date, citizenship, updated_at FROM clients WHERE id = ?1",
        )?;
        for id in ids {
            if let Some(s) = stmt.query_row([id], summary_row).optional()? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// The client summaries a `SELECT id, display_name, birth_date, citizenship, updated_at`
    /// query gives.
    fn summaries<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<Vec<ClientSummary>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt
            .query_map(params, summary_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Client files with this identity key (likely the same person).
    pub fn clients_with_identity(&self, key: &str) -> Result<Vec<ClientSummary>> {
        self.summaries(
            "SELECT id, display_name, birth_date, citizenship, updated_at FROM clients
             WHERE identity_key = ?1 ORDER BY id",
            [key],
        )
    }

    /// Pairs of client files that share a document number, a name token (`s:` skeleton or `d:`
    /// dictionary key) or an identity key, each with what they share. Keys shared by more than
    /// `max_group` files (a common name) do not pair anyone on their own.
    pub fn duplicate_candidates(&self, max_group: usize) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "WITH small AS (
                 SELECT key FROM search_keys
                 WHERE (key >= 'd:' AND key < 'd;') OR (key >= 'n:' AND key < 'n;')
                    OR (key >= 's:' AND key < 's;')
                 GROUP BY key HAVING count(*) BETWEEN 2 AND ?1
             )
             SELECT a.client_id, b.client_id, a.key
             FROM small k
             JOIN search_keys a ON a.key = k.key
             JOIN search_keys b ON b.key = k.key AND b.client_id > a.client_id
             UNION ALL
             SELECT a.id, b.id, 'i:' || a.identity_key
             FROM (SELECT identity_key FROM clients WHERE identity_key IS NOT NULL
                   GROUP BY identity_key HAVING count(*) BETWEEN 2 AND ?1) g
             JOIN clients a ON a.identity_key = g.identity_key
             JOIN clients b ON b.identity_key = g.identity_key AND b.id > a.id",
        )?;
        let rows = stmt
            .query_map([max_group as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Client files with unsettled concurrent values, most recently changed first.
    pub fn clients_with_conflicts(&self, limit: usize) -> Result<Vec<ClientSummary>> {
        self.summaries(
            "SELECT id, display_name, birth_date, citizenship, updated_at FROM clients
             WHERE conflicts > 0 ORDER BY updated_at DESC, id LIMIT ?1",
            [limit as i64],
        )
    }

    /// The most recently changed client files.
    pub fn recent_clients(&self, limit: usize) -> Result<Vec<ClientSummary>> {
        self.summaries(
            "SELECT id, display_name, birth_date, citizenship, updated_at FROM clients
             ORDER BY updated_at DESC, id LIMIT ?1",
            [limit as i64],
        )
    }

    /// Open deadlines due on or before `until` (all open ones when `None`), soonest first.
    pub fn open_deadlines(
        &self,
        until: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<BoardDeadline>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.client_id, c.display_name, d.id, d.rule, d.from_date, d.due, d.uncertain,
                    d.done, d.matter_id, d.note, d.due_time
             FROM deadlines d JOIN clients c ON c.id = d.client_id
             WHERE d.done = 0 AND (?1 IS NULL OR d.due <= ?1)
             ORDER BY d.due, coalesce(d.due_time, '24:00'), c.display_name, d.id
             LIMIT ?2",
        )?;
        let limit = limit.map_or(-1, |l| l as i64);
        let rows = stmt
            .query_map(params![until, limit], |r| {
                Ok(BoardDeadline {
                    client_id: r.get(0)?,
                    display_name: r.get(1)?,
                    row: DeadlineRow {
                        id: r.get(2)?,
                        rule: r.get(3)?,
                        from_date: r.get(4)?,
                        due: r.get(5)?,
                        uncertain: r.get(6)?,
                        done: r.get(7)?,
                        matter_id: r.get(8)?,
                        note: r.get(9)?,
                        due_time: r.get(10)?,
                    },
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// How many open deadlines are due on or before `until` (all open ones when `None`).
    pub fn count_open_deadlines(&self, until: Option<&str>) -> Result<u64> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM deadlines WHERE done = 0 AND (?1 IS NULL OR due <= ?1)",
            )?
            .query_row([until], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Every service given between `from` and `to` inclusive (ISO dates), with the breakdown
    /// columns of its consultation and client.
    pub fn service_facts(&self, from: &str, to: &str) -> Result<Vec<ServiceFact>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT client_id, consultation_id, service, date, place_kind, place, organisation,
                    sex, birth_date, citizenship, project, language
             FROM consultation_services WHERE date BETWEEN ?1 AND ?2",
        )?;
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok(ServiceFact {
                    client_id: r.get(0)?,
                    consultation_id: r.get(1)?,
                    service: r.get(2)?,
                    date: r.get(3)?,
                    place_kind: r.get(4)?,
                    place: r.get(5)?,
                    organisation: r.get(6)?,
                    sex: r.get(7)?,
                    birth_date: r.get(8)?,
                    citizenship: r.get(9)?,
                    project: r.get(10)?,
                    language: r.get(11)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The group activities held between `from` and `to` inclusive (ISO dates), newest first.
    pub fn activities(&self, from: &str, to: &str) -> Result<Vec<ActivityRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, organisation, kind, date, place_kind, place, project, topic, participants,
                    female, male, children, duration_minutes
             FROM group_activities WHERE date BETWEEN ?1 AND ?2 ORDER BY date DESC, id DESC",
        )?;
        let rows = stmt
            .query_map(params![from, to], activity_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The project codes consultations and activities were tagged with, with how often (a
    /// code missing from the organisation's settings shows here).
    pub fn projects_used(&self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT project, count(*) FROM (
                SELECT DISTINCT client_id, consultation_id, project FROM consultation_services
                WHERE project IS NOT NULL
                UNION ALL SELECT id, '', project FROM group_activities WHERE project IS NOT NULL)
             GROUP BY project ORDER BY project",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Clients whose file (not a restricted section) still holds one of `flags`: sensitive
    /// flags recorded before they moved to the medical section.
    pub fn clients_with_flags(&self, flags: &[&str]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT client_id FROM client_vulnerabilities WHERE flag = ?1",
        )?;
        for f in flags {
            for id in stmt.query_map([f], |r| r.get::<_, String>(0))? {
                out.push(id?);
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Every client's vulnerability flags (the file's and the sensitive ones this laptop's
    /// role reads), with the day each was recorded when known.
    pub fn all_vulnerabilities(&self) -> Result<Vulnerabilities> {
        let mut out: Vulnerabilities = HashMap::new();
        // A section of a file merged into another counts for the survivor.
        let mut stmt = self.conn.prepare_cached(
            "SELECT client_id, flag, recorded_on FROM client_vulnerabilities
             UNION SELECT coalesce(m.into_id, s.client_id), s.flag, s.recorded_on
             FROM client_sensitive_flags s LEFT JOIN merged_files m ON m.id = s.client_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?)
                .or_default()
                .push((r.get(1)?, r.get(2)?));
        }
        Ok(out)
    }

    /// Each (month, client, service) of the period `from..=to` (ISO dates) once, with the
    /// client's identity key and first citizenship: what a consortium tally is made of.
    pub fn tally_facts(&self, from: &str, to: &str) -> Result<Vec<TallyFact>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT substr(s.date, 1, 7), s.client_id, s.organisation, s.service,
                    c.identity_key, c.citizenship
             FROM consultation_services s JOIN clients c ON c.id = s.client_id
             WHERE s.date BETWEEN ?1 AND ?2",
        )?;
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok(TallyFact {
                    month: r.get(0)?,
                    client_id: r.get(1)?,
                    organisation: r.get(2)?,
                    service: r.get(3)?,
                    identity_key: r.get(4)?,
                    citizenship: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// For each client file that is not an anonymised copy: its organisation, when it was
    /// opened, its last consultation, its matters' last opening and closing, its status
    /// timeline's and deadlines' latest dates, and how many matters (open or pending) and
    /// deadlines are still open. What a retention rule decides
    /// by. Three grouped scans in key order, not a probe per file.
    pub fn retention_facts(&self) -> Result<Vec<RetentionFact>> {
        let mut stmt = self.conn.prepare_cached(
            "WITH cons AS (SELECT client_id, max(date) AS last FROM consultations
                           GROUP BY client_id),
                  mat AS (SELECT client_id, max(opened) AS opened, max(closed) AS closed,
                                 sum(status IN ('open', 'pending')) AS open
                          FROM matters GROUP BY client_id),
                  dl AS (SELECT client_id, sum(done = 0) AS open,
                                max(from_date) AS last FROM deadlines GROUP BY client_id),
                  st AS (SELECT client_id, max(max(coalesce(from_key, ''), coalesce(until_key, '')))
                                AS last FROM client_statuses GROUP BY client_id)
             SELECT c.id, c.organisation, c.created_at, cons.last, mat.opened, mat.closed,
                    coalesce(mat.open, 0), coalesce(dl.open, 0), nullif(st.last, ''), dl.last
             FROM clients c
             LEFT JOIN cons ON cons.client_id = c.id
             LEFT JOIN mat ON mat.client_id = c.id
             LEFT JOIN dl ON dl.client_id = c.id
             LEFT JOIN st ON st.client_id = c.id
             WHERE c.anonymised = 0 ORDER BY c.id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RetentionFact {
                    client_id: r.get(0)?,
                    organisation: r.get(1)?,
                    created_at: r.get(2)?,
                    last_consultation: r.get(3)?,
                    last_matter_opened: r.get(4)?,
                    last_matter_closed: r.get(5)?,
                    open_matters: r.get::<_, i64>(6)? as u64,
                    open_deadlines: r.get::<_, i64>(7)? as u64,
                    last_status_date: r.get(8)?,
                    last_deadline_event: r.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The status timeline rows of every client (one sequential scan: cheaper than probing
    /// for the clients of a period, which for a year is most of them).
    pub fn all_status_rows(&self) -> Result<HashMap<String, Vec<StatusRow>>> {
        let mut out: HashMap<String, Vec<StatusRow>> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT client_id, entry_id, status, from_key, until_key FROM client_statuses",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?).or_default().push(StatusRow {
                entry_id: r.get(1)?,
                status: r.get(2)?,
                from_key: r.get(3)?,
                until_key: r.get(4)?,
            });
        }
        Ok(out)
    }

    /// Number of client files in the index.
    pub fn count_clients(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM clients", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Drop the whole index and refill it from `rows`, in one transaction.
    pub fn rebuild_index<I>(&mut self, rows: I) -> Result<u64>
    where
        I: IntoIterator<Item = IndexRows>,
    {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for t in CLIENT_TABLES.iter().chain(&[
            "clients",
            "client_fts",
            "search_keys",
            "skeleton_deletes",
            "merged_files",
            "group_activities",
            "client_sensitive_flags",
        ]) {
            tx.execute(&format!("DELETE FROM {t}"), [])?;
        }
        let mut n = 0;
        for r in rows {
            replace_rows(&tx, &r)?;
            n += 1;
        }
        tx.commit()?;
        Ok(n)
    }

    /// A deterministic text dump of every index table (without internal row ids), to compare
    /// an incrementally kept index with a rebuilt one.
    pub fn index_dump(&self) -> Result<String> {
        let queries = [
            ("clients", "SELECT id, organisation, display_name, identity_key, given_names, family_name, names_original, birth_date, birth_year, sex, citizenship, citizenships, languages, current_status, created_at, updated_at, conflicts FROM clients ORDER BY id"),
            ("client_statuses", "SELECT * FROM client_statuses ORDER BY client_id, entry_id"),
            ("client_vulnerabilities", "SELECT * FROM client_vulnerabilities ORDER BY client_id, flag"),
            ("group_activities", "SELECT * FROM group_activities ORDER BY id"),
            ("client_sensitive_flags", "SELECT * FROM client_sensitive_flags ORDER BY section_id, flag"),
            ("matters", "SELECT * FROM matters ORDER BY client_id, id"),
            ("consultations", "SELECT * FROM consultations ORDER BY client_id, id"),
            ("consultation_services", "SELECT * FROM consultation_services ORDER BY client_id, consultation_id, service"),
            ("deadlines", "SELECT * FROM deadlines ORDER BY client_id, id"),
            ("search_keys", "SELECT * FROM search_keys ORDER BY key, client_id"),
            ("skeleton_deletes", "SELECT * FROM skeleton_deletes ORDER BY del, skeleton"),
            ("client_fts", "SELECT c.id, f.names, f.other FROM client_fts f JOIN clients c ON c.rid = f.rowid ORDER BY c.id"),
        ];
        let mut out = String::new();
        for (name, sql) in queries {
            out.push_str(&format!("## {name}\n"));
            let mut stmt = self.conn.prepare(sql)?;
            let cols = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let vals: Vec<String> = (0..cols)
                    .map(|i| match r.get_ref(i) {
                        Ok(ValueRef::Null) => "NULL".to_string(),
                        Ok(ValueRef::Integer(n)) => n.to_string(),
                        Ok(ValueRef::Real(f)) => f.to_string(),
                        Ok(ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
                        Ok(ValueRef::Blob(b)) => hex::encode(b),
                        Err(e) => format!("<{e}>"),
                    })
                    .collect();
                out.push_str(&vals.join(" | "));
                out.push('\n');
            }
        }
        Ok(out)
    }
}
