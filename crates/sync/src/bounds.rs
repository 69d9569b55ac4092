//! A bound on how far untrusted Automerge bytes inflate, checked before Automerge sees them.
//!
//! Automerge 0.12 inflates DEFLATE data while it *parses* a chunk, into a `Vec`, with no limit:
//! a compressed change chunk is inflated whole (`storage/chunk.rs`, `Chunk::parse`), and every
//! column of a document or bundle chunk whose specification has the deflate bit is inflated
//! (`storage/columns/raw_column.rs`, `RawColumn::decompress`). Both happen before the chunk's
//! checksum is compared, and `Change::from_bytes` parses (so inflates) a chunk of any type
//! before it refuses one that is not a change. DEFLATE reaches about 1000:1, so one 32 MiB
//! message could make the server allocate some 32 GiB.
//!
//! [`check_inflated_size`] walks the same framing, inflates every compressed region into a
//! fixed buffer that it throws away, and stops as soon as the running total passes the limit:
//! nothing it allocates depends on the input. Only bytes it accepted may go to Automerge.
//!
//! The format (automerge 0.12; <https://alexjg.github.io/automerge-storage-docs/>): a buffer
//! is one or more concatenated chunks, each `85 6f 4a 83`, a 4-byte checksum, a type byte and
//! the uLEB128 length of the body that follows. Type 0 is a document, 1 a change, 2 a change
//! whose body (the body of a type-1 chunk) is raw DEFLATE (no zlib header), 3 a bundle. Column
//! metadata is a uLEB128 count, then per column a uLEB128 `u32` specification (`id << 4 |
//! deflate << 3 | type`) and a uLEB128 data length; the columns' data follow in that order. A
//! change chunk with a deflated column is refused by Automerge without inflating it, so change
//! bodies are not walked here.
//!
//! This bounds inflation only. What run-length encoded columns expand to once Automerge decodes
//! them (a few bytes can declare billions of ops or predecessors) needs a bound of its own.

use std::io::{ErrorKind, Read};

use flate2::read::DeflateDecoder;
use thiserror::Error;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
const COMPRESSED_CHANGE: u8 = 2;
const BUNDLE: u8 = 3;
/// The bit of a column specification that marks its data as raw DEFLATE.
const DEFLATE_BIT: u64 = 0b1000;
const HASH_LEN: usize = 32;
/// Inflated data is read through this much stack and thrown away.
const SCRATCH: usize = 16 * 1024;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum BoundError {
    #[error("malformed Automerge data: {0}")]
    Malformed(String),
    #[error("Automerge data inflates past the limit of {limit} bytes")]
    TooLarge { limit: usize },
}

/// The size `bytes` come to once Automerge inflates them: every input byte plus every byte a
/// DEFLATE region inflates to, for every chunk in `bytes` (documents, changes, compressed
/// changes, bundles, concatenated). Refused with [`BoundError::TooLarge`] as soon as that passes
/// `max_inflated` (nothing past the limit is inflated), [`BoundError::Malformed`] if the chunk
/// framing is broken or a DEFLATE stream is corrupt. Empty input (an empty document) is `Ok(0)`.
/// Checksums are not verified: Automerge does that itself, but only after inflating.
///
/// Call it on untrusted bytes before any Automerge call that parses them: before
/// `Change::from_bytes` on each change in [`crate::docs::apply_changes`]; before
/// `AutoCommit::load` and `load_incremental` in [`crate::docs::load`]; and in
/// [`crate::docs::sync_step`], after `sync::Message::decode` (which only frames the message and
/// inflates nothing) on every chunk of `msg.changes.iter()`, before `receive_sync_message`
/// (which `load_incremental`s them). To bound a batch, pass what is left of one budget and
/// subtract each result.
pub fn check_inflated_size(bytes: &[u8], max_inflated: usize) -> Result<usize, BoundError> {
    let mut budget = Budget {
        used: 0,
        limit: max_inflated,
    };
    budget.add(bytes.len())?;
    let mut rest = bytes;
    while !rest.is_empty() {
        if take(&mut rest, MAGIC.len(), "magic bytes")? != MAGIC {
            return Err(malformed("not an Automerge chunk (bad magic bytes)"));
        }
        take(&mut rest, 4, "checksum")?;
        let chunk_type = take(&mut rest, 1, "chunk type")?[0];
        let body_len = length(&mut rest, "chunk length")?;
        let body = take(&mut rest, body_len, "chunk body")?;
        match chunk_type {
            DOCUMENT => document(body, &mut budget)?,
            CHANGE => {}
            COMPRESSED_CHANGE => budget.inflate(body)?,
            BUNDLE => bundle(body, &mut budget)?,
            other => return Err(malformed(format!("unknown chunk type {other}"))),
        }
    }
    Ok(budget.used)
}

struct Budget {
    used: usize,
    limit: usize,
}

impl Budget {
    fn add(&mut self, n: usize) -> Result<(), BoundError> {
        match self.used.checked_add(n) {
            Some(used) if used <= self.limit => {
                self.used = used;
                Ok(())
            }
            _ => Err(BoundError::TooLarge { limit: self.limit }),
        }
    }

    /// Inflate one raw DEFLATE stream, counting and discarding its output.
    fn inflate(&mut self, compressed: &[u8]) -> Result<(), BoundError> {
        let mut decoder = DeflateDecoder::new(compressed);
        let mut scratch = [0u8; SCRATCH];
        loop {
            match decoder.read(&mut scratch) {
                Ok(0) => return Ok(()),
                Ok(n) => self.add(n)?,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(malformed(format!("bad DEFLATE data: {e}"))),
            }
        }
    }
}

/// Actors, heads, change column metadata, op column metadata, change data, op data, then head
/// indices (nothing compressed there).
fn document(mut body: &[u8], budget: &mut Budget) -> Result<(), BoundError> {
    skip_actors(&mut body)?;
    skip_hashes(&mut body, "heads")?;
    let (change_meta, change_len) = column_meta(&mut body)?;
    let (op_meta, op_len) = column_meta(&mut body)?;
    let change_data = take(&mut body, change_len, "change columns")?;
    let op_data = take(&mut body, op_len, "op columns")?;
    inflate_columns(change_meta, change_data, budget)?;
    inflate_columns(op_meta, op_data, budget)
}

/// Dependencies, actors, change column metadata and data, op column metadata and data.
fn bundle(mut body: &[u8], budget: &mut Budget) -> Result<(), BoundError> {
    skip_hashes(&mut body, "dependencies")?;
    skip_actors(&mut body)?;
    let (change_meta, change_len) = column_meta(&mut body)?;
    let change_data = take(&mut body, change_len, "change columns")?;
    let (op_meta, op_len) = column_meta(&mut body)?;
    let op_data = take(&mut body, op_len, "op columns")?;
    inflate_columns(change_meta, change_data, budget)?;
    inflate_columns(op_meta, op_data, budget)
}

/// Parse column metadata: the bytes it takes and the total length of the columns' data.
fn column_meta<'a>(input: &mut &'a [u8]) -> Result<(&'a [u8], usize), BoundError> {
    let start = *input;
    let count = uleb(input, "column count")?;
    let mut total: usize = 0;
    for _ in 0..count {
        column_spec(input)?;
        let len = length(input, "column length")?;
        total = total
            .checked_add(len)
            .ok_or_else(|| malformed("column lengths overflow"))?;
    }
    let used = start.len() - input.len();
    Ok((&start[..used], total))
}

/// Inflate the deflated columns of `data`, laid out by `meta` (as parsed by [`column_meta`]).
fn inflate_columns(mut meta: &[u8], data: &[u8], budget: &mut Budget) -> Result<(), BoundError> {
    let count = uleb(&mut meta, "column count")?;
    let mut offset: usize = 0;
    for _ in 0..count {
        let spec = column_spec(&mut meta)?;
        let len = length(&mut meta, "column length")?;
        let end = offset
            .checked_add(len)
            .ok_or_else(|| malformed("column lengths overflow"))?;
        let column = data
            .get(offset..end)
            .ok_or_else(|| malformed("column outside its chunk"))?;
        if spec & DEFLATE_BIT != 0 {
            budget.inflate(column)?;
        }
        offset = end;
    }
    Ok(())
}

fn column_spec(input: &mut &[u8]) -> Result<u64, BoundError> {
    let spec = uleb(input, "column specification")?;
    if spec > u64::from(u32::MAX) {
        return Err(malformed("column specification over 32 bits"));
    }
    Ok(spec)
}

/// A uLEB128 count of length-prefixed actor ids.
fn skip_actors(input: &mut &[u8]) -> Result<(), BoundError> {
    let count = uleb(input, "actor count")?;
    for _ in 0..count {
        // Every actor takes at least its length byte, so this ends with the input.
        let len = length(input, "actor length")?;
        take(input, len, "actor id")?;
    }
    Ok(())
}

/// A uLEB128 count of 32-byte hashes.
fn skip_hashes(input: &mut &[u8], what: &str) -> Result<(), BoundError> {
    let count = length(input, what)?;
    let len = count
        .checked_mul(HASH_LEN)
        .ok_or_else(|| malformed(format!("too many {what}")))?;
    take(input, len, what)?;
    Ok(())
}

fn take<'a>(input: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], BoundError> {
    if input.len() < n {
        return Err(malformed(format!("truncated {what}")));
    }
    let (head, tail) = input.split_at(n);
    *input = tail;
    Ok(head)
}

/// An unsigned LEB128 `u64`, at most 10 bytes (as Automerge reads it).
fn uleb(input: &mut &[u8], what: &str) -> Result<u64, BoundError> {
    let mut value: u64 = 0;
    for i in 0..10 {
        let (&byte, rest) = input
            .split_first()
            .ok_or_else(|| malformed(format!("truncated {what}")))?;
        *input = rest;
        let low = u64::from(byte & 0x7f);
        if i == 9 && low > 1 {
            break;
        }
        value |= low << (7 * i);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(malformed(format!("{what} over 64 bits")))
}

fn length(input: &mut &[u8], what: &str) -> Result<usize, BoundError> {
    let n = uleb(input, what)?;
    usize::try_from(n).map_err(|_| malformed(format!("{what} too large")))
}

fn malformed(why: impl Into<String>) -> BoundError {
    BoundError::Malformed(why.into())
}

/// Hostile Automerge bytes, for the tests of this bound here and in the system tests (a
/// compression bomb the server must refuse while it keeps serving others).
#[doc(hidden)]
pub mod hostile {
    use super::{COMPRESSED_CHANGE, MAGIC};
    use flate2::{write::DeflateEncoder, Compression};
    use std::io::Write;

    const MIB: usize = 1024 * 1024;

    /// A compressed change chunk whose body inflates to `len` zero bytes (a few hundred KB
    /// on the wire for a GiB).
    pub fn compressed_change(len: usize) -> Vec<u8> {
        chunk(COMPRESSED_CHANGE, &deflated_zeros(len))
    }

    pub fn write_uleb(mut n: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    pub fn chunk(chunk_type: u8, body: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        // A wrong checksum: Automerge compares it only after inflating.
        out.extend_from_slice(&[0; 4]);
        out.push(chunk_type);
        write_uleb(body.len() as u64, &mut out);
        out.extend_from_slice(body);
        out
    }

    /// `len` (a multiple of 1 MiB) zero bytes as raw DEFLATE, without holding them.
    pub fn deflated_zeros(len: usize) -> Vec<u8> {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        let zeros = vec![0u8; MIB];
        for _ in 0..len / MIB {
            encoder.write_all(&zeros).unwrap();
        }
        encoder.finish().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::hostile::{chunk, deflated_zeros, write_uleb};
    use super::*;
    use automerge::{transaction::Transactable, AutoCommit, ROOT};
    use std::time::{Duration, Instant};

    const MIB: usize = 1024 * 1024;

    fn doc_with_text(repeat: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "note", "Punkt ".repeat(repeat)).unwrap();
        doc.commit();
        doc.put(ROOT, "other", "lorem ipsum ".repeat(repeat))
            .unwrap();
        doc.commit();
        doc
    }

    /// A chunk body with one small plain change column and one deflated op column, laid out as
    /// a document (`bundle == false`) or a bundle.
    fn body_with_deflated_column(column: &[u8], bundle: bool) -> Vec<u8> {
        let mut change_meta = vec![1];
        write_uleb((1 << 4) | 2, &mut change_meta); // id 1, uLEB integer, plain
        write_uleb(1, &mut change_meta);
        let change_data = [0u8];
        let mut op_meta = vec![1];
        write_uleb((1 << 4) | DEFLATE_BIT | 7, &mut op_meta); // id 1, raw value, deflated
        write_uleb(column.len() as u64, &mut op_meta);

        let mut body = vec![0, 0]; // no actors and no heads (bundle: no deps and no actors)
        if bundle {
            body.extend_from_slice(&change_meta);
            body.extend_from_slice(&change_data);
            body.extend_from_slice(&op_meta);
        } else {
            body.extend_from_slice(&change_meta);
            body.extend_from_slice(&op_meta);
            body.extend_from_slice(&change_data);
        }
        body.extend_from_slice(column);
        body
    }

    fn assert_refused_quickly(bytes: &[u8]) {
        let start = Instant::now();
        assert_eq!(
            check_inflated_size(bytes, 16 * MIB),
            Err(BoundError::TooLarge { limit: 16 * MIB })
        );
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    fn assert_malformed(bytes: &[u8]) {
        assert!(
            matches!(
                check_inflated_size(bytes, MIB),
                Err(BoundError::Malformed(_))
            ),
            "{bytes:?}"
        );
    }

    #[test]
    fn real_documents_and_changes_pass_with_what_they_inflate_to() {
        let mut doc = doc_with_text(5_000);
        let saved = doc.save();
        let n = check_inflated_size(&saved, 64 * MIB).unwrap();
        // Automerge deflated the long value column; the total counts what it inflates to.
        assert!(n > saved.len(), "{n} <= {}", saved.len());

        let mut all = saved.clone();
        for mut change in doc.get_changes(&[]) {
            let raw = change.raw_bytes().to_vec();
            assert_eq!(raw[8], CHANGE);
            assert_eq!(check_inflated_size(&raw, 64 * MIB), Ok(raw.len()));
            // What a device sends: over 256 bytes, so a compressed change chunk.
            let sent = change.bytes().into_owned();
            assert_eq!(sent[8], COMPRESSED_CHANGE);
            let n = check_inflated_size(&sent, 64 * MIB).unwrap();
            assert!(n >= sent.len() && n >= raw.len(), "{n}");
            all.extend_from_slice(&sent);
        }
        // Concatenated chunks, as `load_incremental` takes them.
        let n = check_inflated_size(&all, 64 * MIB).unwrap();
        assert!(n > all.len());
        assert!(AutoCommit::load(&all).is_ok());
        // Under a limit below the input itself.
        assert_eq!(
            check_inflated_size(&saved, saved.len() - 1),
            Err(BoundError::TooLarge {
                limit: saved.len() - 1
            })
        );
        assert_eq!(check_inflated_size(&[], 0), Ok(0));
    }

    #[test]
    fn a_compressed_change_bomb_is_refused() {
        let bomb = chunk(COMPRESSED_CHANGE, &deflated_zeros(64 * MIB));
        assert!(bomb.len() < MIB, "{}", bomb.len());
        assert_refused_quickly(&bomb);
    }

    #[test]
    fn a_deflated_column_bomb_in_a_document_or_bundle_is_refused() {
        let column = deflated_zeros(64 * MIB);
        for (chunk_type, bundle) in [(DOCUMENT, false), (BUNDLE, true)] {
            let bomb = chunk(chunk_type, &body_with_deflated_column(&column, bundle));
            assert_refused_quickly(&bomb);
            // Under a limit above it, the walk reaches the column and counts all of it.
            assert_eq!(
                check_inflated_size(&bomb, usize::MAX),
                Ok(bomb.len() + 64 * MIB)
            );
            // Behind a real document.
            let mut both = doc_with_text(100).save();
            both.extend_from_slice(&bomb);
            assert_refused_quickly(&both);
        }
    }

    #[test]
    fn garbage_is_malformed_and_never_panics() {
        assert_malformed(b"not an automerge document");
        assert_malformed(&MAGIC);
        assert_malformed(&chunk(9, &[]));
        assert_malformed(&chunk(COMPRESSED_CHANGE, &[0xff; 16]));
        assert_malformed(&chunk(COMPRESSED_CHANGE, &[]));
        // A declared length past the end, and one over 64 bits.
        let mut short = chunk(CHANGE, &[1, 2, 3]);
        short[9] = 100;
        assert_malformed(&short);
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&[0, 0, 0, 0, CHANGE]);
        huge.extend_from_slice(&[0xff; 11]);
        assert_malformed(&huge);
        // A document whose column lengths overflow.
        let mut body = vec![0, 0, 2];
        for _ in 0..2 {
            write_uleb((1 << 4) | 2, &mut body);
            write_uleb(u64::MAX, &mut body);
        }
        body.push(0);
        assert_malformed(&chunk(DOCUMENT, &body));

        // Every truncation and single-byte corruption of a real document: an answer, no panic.
        let saved = doc_with_text(100).save();
        for end in 1..saved.len() {
            assert_malformed(&saved[..end]);
        }
        for i in 0..saved.len() {
            let mut bytes = saved.clone();
            bytes[i] ^= 0xff;
            let _ = check_inflated_size(&bytes, 4 * MIB);
        }
    }
}
