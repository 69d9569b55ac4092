//! Punkt's sync protocol: the messages a device and the sync server exchange, their versioned
//! binary encoding with every size bounded, and the pure decisions of a sync (which changes a
//! peer lacks, what applying a batch does, which documents to fetch).
//!
//! A sync is a few request/response round trips, each batched across documents:
//!
//! 1. **Push**: the device sends, for every document it changed since the server last confirmed
//!    it, the changes the server lacks (computed from the heads the server had), and its cursor.
//!    The server applies them (a change it already has is a no-op), answers each document with
//!    its new heads, and lists the documents in the device's scope changed after the cursor.
//! 2. **Pull**: for the listed documents whose heads differ from the device's, the device sends
//!    its heads and receives exactly the changes it lacks (a document it has never seen comes as
//!    the server's stored bytes).
//! 3. **Whole histories**: where the device's idea of the server's heads names a change the
//!    server does not have (a restored server, a lost reply), the server answers `NeedSync` and
//!    the device sends that document's whole history, which the server can always take.
//!
//! The order of a device's rounds is [`client::SyncMachine`], a state machine: steps out,
//! what came of them in.
//!
//! Architecture invariant: no I/O. Events in (bytes, documents), decisions out; the transports
//! and stores that carry them out live in `punkt-core` and `punkt-sync-server`.

pub mod access;
pub mod bounds;
pub mod client;
pub mod docs;
pub mod graph;
pub mod wire;

pub use wire::{
    decode_request, decode_response, encode_request, encode_response, Hash, Request, Response,
    WireError,
};
