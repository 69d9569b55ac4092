//! Sync by file: the changes the server has not confirmed, sealed under a passphrase for a USB
//! stick, and their import on another laptop.

use super::*;

/// The content of a sealed sync file: the changes of one store the server has not confirmed.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Bundle {
    pub(super) format: u32,
    pub(super) store_id: String,
    pub(super) organisation: String,
    pub(super) created_at: String,
    pub(super) docs: Vec<PlainPush>,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExportSummary {
    pub documents: u64,
    pub bytes: u64,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportSummary {
    pub documents: u64,
    /// Documents changed here.
    pub changed: u64,
    pub new_documents: u64,
    /// Documents that could not be applied (this machine lacks earlier changes: sync it with
    /// the server first), or of another organisation.
    pub refused: Vec<RefusedDocument>,
}

impl Punkt {
    /// Seal the changes the server has not confirmed (or every document with `all`) into bytes
    /// for a file, under `passphrase`. Nothing is marked as sent: the changes also go with the
    /// next sync, where the copy that arrives second changes nothing.
    pub fn export_changes(
        &self,
        passphrase: &str,
        all: bool,
        kdf: punkt_store::KdfParams,
    ) -> Result<(Vec<u8>, ExportSummary)> {
        let mut docs_out = Vec::new();
        // (id, heads the server was last known to have); kind and owner come with the bytes.
        let targets: Vec<(String, Option<Vec<u8>>)> = if all {
            let mut ids = self.store.document_ids(CLIENT_DOCUMENT_KIND)?;
            ids.extend(
                self.store
                    .document_ids(punkt_model::client::ATTACHMENT_DOCUMENT_KIND)?,
            );
            ids.into_iter().map(|id| (id, None)).collect()
        } else {
            self.store
                .pending_documents()?
                .into_iter()
                .map(|p| (p.id, p.server_heads))
                .collect()
        };
        // A restricted section leaves only with a role that may read it: a sync file must not
        // carry psychological notes past the roles the server would give them to.
        let role = self.role()?;
        let may_pass_on = |kind: &str| {
            !punkt_sync::access::is_section(kind)
                || role
                    .as_deref()
                    .is_some_and(|r| punkt_sync::access::role_may_read(kind, r))
        };
        for (id, server_heads) in targets {
            let stored = self.store.load_document(&id)?;
            if may_pass_on(&stored.kind) {
                docs_out.push(PlainPush::from(unsent(stored, server_heads.as_deref())?));
            }
        }
        let bundle = Bundle {
            format: 1,
            store_id: self.store.info().store_id.clone(),
            organisation: self.organisation().to_string(),
            created_at: self.now_text(),
            docs: docs_out,
        };
        let plain = postcard::to_stdvec(&bundle).map_err(|e| CoreError::Sync(e.to_string()))?;
        let sealed = punkt_store::sealed::seal(passphrase, &plain, kdf)?;
        let summary = ExportSummary {
            documents: bundle.docs.len() as u64,
            bytes: sealed.len() as u64,
        };
        self.record_event(
            "export",
            None,
            &format!("encrypted sync file with {} documents", summary.documents),
        )?;
        Ok((sealed, summary))
    }

    /// Apply a sealed sync file made on another machine. What it brings waits here to go to
    /// the server with this store's next sync.
    pub fn import_changes(&mut self, sealed: &[u8], passphrase: &str) -> Result<ImportSummary> {
        self.import_changes_with(sealed, passphrase, &mut |_| true)
    }

    /// [`Punkt::import_changes`], telling `progress` how far it is after each batch of
    /// documents (each in its own transaction). When `progress` answers false the import stops
    /// there with [`CoreError::Stopped`]: the batches imported stay, and importing the same file
    /// again brings the rest (changes already here are no-ops).
    pub fn import_changes_with(
        &mut self,
        sealed: &[u8],
        passphrase: &str,
        progress: &mut dyn FnMut(SyncProgress) -> bool,
    ) -> Result<ImportSummary> {
        let plain = punkt_store::sealed::unseal(passphrase, sealed).map_err(|e| match e {
            punkt_store::StoreError::WrongPassphrase => CoreError::Invalid(
                "wrong passphrase for this sync file, or the file was damaged".into(),
            ),
            e => CoreError::Invalid(format!("not a Punkt sync file: {e}")),
        })?;
        let bundle: Bundle = postcard::from_bytes(&plain)
            .map_err(|e| CoreError::Invalid(format!("the sync file's content is damaged: {e}")))?;
        if bundle.format != 1 {
            return Err(CoreError::Invalid(format!(
                "sync file format {} is not supported; update Punkt",
                bundle.format
            )));
        }
        let mut refused = Vec::new();
        let mut incoming = Vec::new();
        let role = self.role()?;
        for d in bundle.docs {
            let readable = role
                .as_deref()
                .is_some_and(|r| punkt_sync::access::role_may_read(&d.kind, r));
            if punkt_sync::access::is_section(&d.kind) && !readable {
                refused.push(RefusedDocument {
                    doc_id: d.doc_id,
                    code: "forbidden".into(),
                    message: format!(
                        "a restricted section ({}) this laptop's role may not hold",
                        d.kind
                    ),
                });
                continue;
            }
            if d.owner_org != self.organisation() {
                refused.push(RefusedDocument {
                    doc_id: d.doc_id,
                    code: "forbidden".into(),
                    message: format!(
                        "a file of {}, not of this store's organisation",
                        d.owner_org
                    ),
                });
                continue;
            }
            incoming.push(PlainData {
                doc_id: d.doc_id,
                kind: d.kind,
                owner_org: d.owner_org,
                heads: Vec::new(),
                payload: PlainPayload::Changes(d.changes),
            });
        }
        let documents = incoming.len() as u64 + refused.len() as u64;
        let mut summary = SyncSummary::default();
        let mut missing = Vec::new();
        let total = incoming.len() as u64;
        let mut done = 0;
        let mut incoming = incoming.into_iter().peekable();
        while incoming.peek().is_some() {
            if !progress(SyncProgress {
                phase: "import",
                done,
                total,
            }) {
                return Err(CoreError::Stopped);
            }
            let batch: Vec<PlainData> = incoming.by_ref().take(IMPORT_BATCH).collect();
            done += batch.len() as u64;
            self.apply_pulled(false, &mut summary, &mut missing, batch)?;
        }
        progress(SyncProgress {
            phase: "import",
            done,
            total,
        });
        for id in missing {
            refused.push(RefusedDocument {
                doc_id: id,
                code: "missing_dependencies".into(),
                message: "this machine lacks earlier changes of the file: sync it with the server, then import again".into(),
            });
        }
        Ok(ImportSummary {
            documents,
            changed: summary.received,
            new_documents: summary.new_documents,
            refused,
        })
    }
}

/// Documents of a sync file imported in one transaction, between two looks at `progress`.
const IMPORT_BATCH: usize = 200;
