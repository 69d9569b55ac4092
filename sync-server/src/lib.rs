//! `punkt-sync-server`: the small server laptops sync through at the office.
//!
//! - `engine`: what a request does (authentication, enrolment, push/pull/reconcile, access
//!   checks, audit), generic over the storage;
//! - `storage`: the storage trait, the checks and statements both back-ends share, and the
//!   back-ends: `sqlite` (embedded default) and `postgres` (several instances on one database);
//! - `http`: the axum routes, limits, timeouts and graceful shutdown.
//!
//! Architecture invariant: every read and write of a document checks the device's
//! organisation against the document's owner and access list; a device is only ever sent
//! documents in its organisation's scope.

pub mod engine;
pub mod http;
pub mod limits;
pub mod records;
pub mod storage;

// The back-ends by their old paths.
pub use storage::{postgres, sqlite};

pub use engine::Engine;
pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;
pub use storage::Storage;
