//! `punkt-sync-bench`: the sync figures of issue 3, on loopback, in one run, against the real
//! `punkt-sync-server` binary (a separate process, so its memory can be read).
//!
//!     cargo build --release -p punkt-sync-server -p punkt-system-tests --bins
//!     target/release/punkt-sync-bench --docs 10000 --devices 50
//!
//! See docs/benchmarks.md for results and the automerge-repo comparison.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use punkt_core::sync::SyncSummary;
use punkt_core::{ClientInput, Punkt};
use punkt_store::KdfParams;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    docs: u64,
    #[arg(long, default_value_t = 50)]
    devices: usize,
    /// Working directory (made fresh).
    #[arg(long, default_value = "bench-sync")]
    dir: PathBuf,
    /// Also run automerge-repo 2.5 on the same documents (the folder with its bench.mjs and
    /// node_modules: `npm ci` in bench/automerge-repo first).
    #[arg(long)]
    automerge_repo: Option<PathBuf>,
    /// How many of the documents automerge-repo syncs (default: all).
    #[arg(long)]
    repo_docs: Option<usize>,
    /// Run the laptops with SQLCipher's memory security on (the "hardened memory" setting).
    #[arg(long)]
    hardened: bool,
}

const PASS: &str = "benchmark passphrase";
const FAST: KdfParams = KdfParams {
    m_kib: 1024,
    t: 1,
    p: 1,
};

struct Server {
    child: Child,
    url: String,
    db: PathBuf,
    bin: PathBuf,
}

impl Server {
    fn admin(&self, args: &[&str]) -> Result<serde_json::Value> {
        let out = Command::new(&self.bin)
            .arg("admin")
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()?;
        if !out.status.success() {
            bail!("admin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    fn code(&self, user: &str) -> Result<String> {
        Ok(self.admin(&["enroll", "--user", user])?["code"]
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    /// Peak resident memory of the server process (VmHWM), in MB.
    fn peak_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(dir: &Path) -> Result<Server> {
    let me = std::env::current_exe()?;
    let bin = me.with_file_name("punkt-sync-server");
    if !bin.exists() {
        bail!(
            "{} is missing: cargo build --release -p punkt-sync-server",
            bin.display()
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let db = dir.join("server.db");
    let child = Command::new(&bin)
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--insecure-http",
        ])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::null())
        .spawn()?;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(Server {
                child,
                url: format!("http://127.0.0.1:{port}"),
                db,
                bin,
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("the server did not start")
}

fn device(dir: &Path, name: &str, server: &Server, user: &str) -> Result<Punkt> {
    let mut p = Punkt::init_with(&dir.join(name), PASS, "Fundacja A", FAST)?;
    p.enroll(&server.url, &server.code(user)?, name, None)?;
    Ok(p)
}

fn sync(p: &mut Punkt, server: &Server) -> Result<(SyncSummary, Duration)> {
    let mut t = p.transport_to(&server.url, None)?;
    let started = Instant::now();
    let s = p.sync_with(&mut t, &mut |_| {})?;
    Ok((s, started.elapsed()))
}

fn wire(s: &SyncSummary) -> u64 {
    s.bytes_sent + s.bytes_received
}

fn kb(b: u64) -> String {
    format!("{:.1} KB", b as f64 / 1024.0)
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.hardened {
        punkt_store::harden_memory()?;
        eprintln!("hardened memory: {}", punkt_store::memory_hardened()?);
    }
    let _ = std::fs::remove_dir_all(&args.dir);
    std::fs::create_dir_all(&args.dir)?;
    let dir = args.dir.canonicalize()?;
    let server = start_server(&dir)?;
    server.admin(&["org", "add", "Fundacja A"])?;
    server.admin(&[
        "user",
        "add",
        "--org",
        "Fundacja A",
        "--name",
        "anna",
        "--role",
        "lawyer",
    ])?;
    server.admin(&[
        "user",
        "add",
        "--org",
        "Fundacja A",
        "--name",
        "office",
        "--role",
        "coordinator",
    ])?;

    eprintln!("filling a laptop with {} demo client files ...", args.docs);
    let mut a = device(&dir, "a", &server, "anna")?;
    a.demo(args.docs, 7)?;
    // Client files, and the medical sections their sensitive flags are kept in: the new
    // device below is the office's coordinator, which receives the sections only if its role
    // reads them.
    let medical = punkt_sync::access::section_kind(punkt_sync::access::SENSITIVE_FLAGS_SECTION);
    let sections = a.store().count_documents(&medical)?;
    let mut kinds = vec!["client_file"];
    if punkt_sync::access::role_may_read(&medical, "coordinator") {
        kinds.push(medical.as_str());
    }
    let files: u64 = kinds
        .iter()
        .map(|k| a.store().count_documents(k))
        .sum::<Result<u64, _>>()?;
    eprintln!(
        "{} client files, {sections} medical sections; a coordinator's laptop receives {files}",
        args.docs
    );
    let saved: u64 = {
        let ids: Vec<String> = kinds
            .iter()
            .map(|k| a.store().document_ids(k))
            .collect::<Result<Vec<_>, _>>()?
            .concat();
        ids.iter()
            .map(|id| {
                a.store().load_document(id).map(|d| {
                    d.snapshot.len() as u64 + d.changes.iter().map(|c| c.len() as u64).sum::<u64>()
                })
            })
            .sum::<Result<u64, _>>()?
    };
    let crypto = encryption_cost(&a)?;
    let (upload, upload_t) = sync(&mut a, &server)?;

    // The automerge-repo comparison gets the same documents, as JSON of the Automerge documents.
    let repo_input = match &args.automerge_repo {
        Some(_) => {
            let ids = a.store().document_ids("client_file")?;
            let n = args.repo_docs.unwrap_or(ids.len()).min(ids.len());
            let mut all = Vec::with_capacity(n);
            for id in ids.iter().take(n) {
                let stored = a.store().load_document(id)?;
                let doc = punkt_sync::docs::load(&stored.snapshot, &stored.changes)?;
                all.push(serde_json::to_value(automerge::AutoSerde::from(&doc))?);
            }
            let path = dir.join("automerge-repo-docs.json");
            std::fs::write(&path, serde_json::to_vec(&all)?)?;
            Some((path, n))
        }
        None => None,
    };

    // 1. First sync of a new device, once laptop a gave it the organisation's keys (after
    //    comparing its check code, as a coordinator would).
    let mut b = device(&dir, "b", &server, "office")?;
    {
        let mut tb = b.transport_to(&server.url, None)?;
        b.exchange_keys(&mut tb)?;
        let mut ta = a.transport_to(&server.url, None)?;
        let b_id = b.enrolment()?.expect("enrolled").device_id;
        a.give_keys(&mut ta, &b_id, &b.check_code()?)?;
    }
    let (first, first_t) = sync(&mut b, &server)?;
    if first.new_documents != files {
        bail!(
            "the new device received {} of {} documents",
            first.new_documents,
            files
        );
    }

    // 2. 100 files changed on the device, 100 others on the server (from another laptop).
    let ids = b.store().document_ids("client_file")?;
    for (i, id) in ids.iter().take(100).enumerate() {
        b.update_client(
            id,
            ClientInput::from_json(&format!(
                r#"{{"contact":{{"phone":"+48 600 000 {i:03}"}}}}"#
            ))?,
        )?;
    }
    for (i, id) in ids.iter().skip(100).take(100).enumerate() {
        a.update_client(
            id,
            ClientInput::from_json(&format!(
                r#"{{"contact":{{"phone":"+48 700 000 {i:03}"}}}}"#
            ))?,
        )?;
    }
    sync(&mut a, &server)?;
    let (changed, changed_t) = sync(&mut b, &server)?;
    if changed.sent != 100 || changed.received != 100 {
        bail!(
            "changed resync moved {} / {} files",
            changed.sent,
            changed.received
        );
    }

    // 3. Nothing changed.
    let mut nothing = Vec::new();
    let mut last = SyncSummary::default();
    for _ in 0..20 {
        let (s, t) = sync(&mut b, &server)?;
        nothing.push(t);
        last = s;
    }
    nothing.sort();

    // 4. Many laptops at once: 50 copies of b's store (so the same device token: enrolling
    //    each copy anew would make it resend everything), each with a day's work (one edit,
    //    one intake), all syncing together.
    eprintln!("preparing {} devices ...", args.devices);
    drop(b);
    let mut fleet = Vec::new();
    for i in 0..args.devices {
        let d = dir.join(format!("fleet{i}"));
        copy_dir(&dir.join("b"), &d)?;
        let mut p = Punkt::open(&d, PASS)?;
        p.update_client(
            &ids[(i * 37) % ids.len()],
            ClientInput::from_json(&format!(
                r#"{{"contact":{{"email":"fleet{i}@example.org"}}}}"#
            ))?,
        )?;
        p.add_client(ClientInput::from_json(&format!(
            r#"{{"given_names":"Fleet","family_name":"Person{i}"}}"#
        ))?)?;
        fleet.push(p);
    }
    let mem_before = server.peak_mb();
    let started = Instant::now();
    let times: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = fleet
            .iter_mut()
            .map(|p| {
                let server = &server;
                s.spawn(move || sync(p, server).map(|(_, t)| t))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread").expect("fleet sync"))
            .collect()
    });
    let fleet_t = started.elapsed();
    let mut times = times;
    times.sort();
    let mem_after = server.peak_mb();

    println!(
        "Punkt sync benchmark: {} client files and {sections} medical sections, of which a coordinator's laptop receives {files} documents; loopback, release build{}",
        args.docs,
        if args.hardened { ", hardened memory" } else { "" }
    );
    println!();
    println!("| case | time | on the wire | round trips | goal |");
    println!("|---|---|---|---|---|");
    println!(
        "| upload from the laptop that made them | {:.2} s | {} | {} | — |",
        upload_t.as_secs_f64(),
        kb(wire(&upload)),
        upload.round_trips
    );
    println!(
        "| first sync of a new device | {:.2} s | {} ({:.2}× the {} saved) | {} | ≤ 15 s, ≤ 1.2× |",
        first_t.as_secs_f64(),
        kb(wire(&first)),
        wire(&first) as f64 / saved as f64,
        kb(saved),
        first.round_trips
    );
    println!(
        "| 100 changed here + 100 on the server | {:.0} ms | {} | {} | ≤ 1 s, ≤ 300 KB |",
        changed_t.as_secs_f64() * 1000.0,
        kb(wire(&changed)),
        changed.round_trips
    );
    println!(
        "| nothing changed (p50 / max of 20) | {:.1} / {:.1} ms | {} B | {} | ≤ 100 ms, ≤ 2 KB |",
        nothing[10].as_secs_f64() * 1000.0,
        nothing[19].as_secs_f64() * 1000.0,
        wire(&last),
        last.round_trips
    );
    println!(
        "| {} devices at once, each 1 edit + 1 intake | {:.2} s in all; per device p50 {:.2} s, max {:.2} s | — | — | — |",
        args.devices, fleet_t.as_secs_f64(), times[times.len() / 2].as_secs_f64(), times[times.len() - 1].as_secs_f64()
    );
    println!();
    println!(
        "Encryption alone (issue 13, punkt-core::e2e, one thread): sealing the {} files' {} changes \
         {:.0} ms, opening them with every check {:.0} ms, wrapping {} document keys {:.0} ms; \
         {} more on the wire ({:.1} %).",
        crypto.docs,
        crypto.changes,
        crypto.seal.as_secs_f64() * 1000.0,
        crypto.open.as_secs_f64() * 1000.0,
        crypto.docs,
        crypto.wrap.as_secs_f64() * 1000.0,
        kb(crypto.added),
        crypto.added as f64 * 100.0 / crypto.plain.max(1) as f64,
    );
    println!();
    println!("Server peak memory (VmHWM): {mem_before:.0} MB before the fleet, {mem_after:.0} MB after (goal ≤ 300 MB).");

    if let (Some(script_dir), Some((docs_json, n))) = (&args.automerge_repo, repo_input) {
        eprintln!("running automerge-repo on {n} documents ...");
        let script_dir = script_dir
            .canonicalize()
            .context("the automerge-repo folder")?;
        let out = Command::new("node")
            .arg(script_dir.join("bench.mjs"))
            .arg(&docs_json)
            .arg(dir.join("automerge-repo"))
            .current_dir(&script_dir)
            .output()
            .context("node")?;
        if !out.status.success() {
            bail!(
                "automerge-repo bench failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let r: serde_json::Value = serde_json::from_slice(out.stdout.trim_ascii())?;
        let f = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
        // Punkt's figures for the same number of documents: the full run when n is all of
        // them, else scaled by documents (first sync is linear in documents).
        let scale = n as f64 / args.docs as f64;
        let (p_first, p_first_bytes) = (first_t.as_secs_f64() * scale, wire(&first) as f64 * scale);
        let (p_none, p_none_bytes) = (nothing[10].as_secs_f64(), wire(&last) as f64);
        println!();
        println!(
            "automerge-repo 2.5.6 on the same {n} documents (WebSocket, NodeFS storage, loopback):"
        );
        println!();
        println!("| case | automerge-repo | Punkt | ratio (automerge-repo / Punkt) |");
        println!("|---|---|---|---|");
        println!(
            "| first sync | {:.2} s, {} | {:.2} s, {} | {:.1}× time, {:.2}× bytes |",
            f("first_sync_s"),
            kb(f("first_sync_bytes") as u64),
            p_first,
            kb(p_first_bytes as u64),
            f("first_sync_s") / p_first,
            f("first_sync_bytes") / p_first_bytes
        );
        println!(
            "| reconnect, nothing changed | {:.3} s, {} B | {:.4} s, {} B | {:.1}× time, {:.1}× bytes |",
            f("reconnect_s"), f("reconnect_bytes"), p_none, p_none_bytes,
            f("reconnect_s") / p_none, f("reconnect_bytes") / p_none_bytes
        );
        if n as u64 != args.docs {
            println!();
            println!(
                "(Punkt's first-sync figures scaled from {} to {n} documents.)",
                args.docs
            );
        }
    }
    Ok(())
}

struct CryptoCost {
    docs: u64,
    changes: u64,
    plain: u64,
    added: u64,
    seal: Duration,
    open: Duration,
    wrap: Duration,
}

/// What end-to-end encryption alone costs on this laptop's files: every change of every
/// client file sealed under a document key, opened again with every check, and each document
/// key wrapped under an organisation key. Documents are loaded before the clock starts.
fn encryption_cost(p: &Punkt) -> Result<CryptoCost> {
    let ids = p.store().document_ids("client_file")?;
    let mut docs = Vec::with_capacity(ids.len());
    for id in &ids {
        let stored = p.store().load_document(id)?;
        let mut doc = punkt_sync::docs::load(&stored.snapshot, &stored.changes)?;
        docs.push((id.clone(), doc.get_changes(&[])));
    }
    let org = punkt_e2e::SecretKey::random();
    let keys: Vec<punkt_e2e::SecretKey> =
        ids.iter().map(|_| punkt_e2e::SecretKey::random()).collect();
    let mut cost = CryptoCost {
        docs: ids.len() as u64,
        changes: 0,
        plain: 0,
        added: 0,
        seal: Duration::ZERO,
        open: Duration::ZERO,
        wrap: Duration::ZERO,
    };
    let t = Instant::now();
    let sealed: Vec<Vec<punkt_sync::wire::SealedChange>> = docs
        .iter_mut()
        .zip(&keys)
        .map(|((id, changes), k)| punkt_core::e2e::seal_changes(k, id, changes))
        .collect();
    cost.seal = t.elapsed();
    let t = Instant::now();
    for (((id, _), k), s) in docs.iter().zip(&keys).zip(&sealed) {
        punkt_core::e2e::open_changes(k, id, s)?;
    }
    cost.open = t.elapsed();
    let t = Instant::now();
    for (id, k) in ids.iter().zip(&keys) {
        punkt_e2e::wrap_doc_key(&org, id, "org", 1, k);
    }
    cost.wrap = t.elapsed();
    for ((_, changes), s) in docs.iter_mut().zip(&sealed) {
        cost.changes += changes.len() as u64;
        let plain: u64 = changes.iter_mut().map(|c| c.bytes().len() as u64).sum();
        let wire: u64 = s
            .iter()
            .map(|c| (c.sealed.len() + 32 * (1 + c.deps.len())) as u64)
            .sum();
        cost.plain += plain;
        cost.added += wire - plain + punkt_e2e::WRAPPED_KEY_LEN as u64;
    }
    Ok(cost)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        std::fs::copy(e.path(), to.join(e.file_name()))
            .with_context(|| format!("copy {}", e.path().display()))?;
    }
    Ok(())
}
