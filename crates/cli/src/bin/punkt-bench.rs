//! `punkt-bench`: the figures issue 2 names, over a store of demo client files.
//!
//! Run it in release mode (see docs/benchmarks.md):
//!     cargo run --release -p punkt --bin punkt-bench -- --clients 50000 --data bench-data
//! The store is made once and reused by later runs with the same --data.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use punkt_core::{ClientInput, Punkt};

#[derive(Parser)]
#[command(about = "Benchmark Punkt's local store")]
struct Args {
    /// Number of demo client files in the store.
    #[arg(long, default_value_t = 50_000)]
    clients: u64,
    /// The store directory (made if missing, reused if it has enough files).
    #[arg(long, default_value = "bench-data")]
    data: PathBuf,
    /// Repetitions per measured operation.
    #[arg(long, default_value_t = 200)]
    reps: usize,
}

const PASS: &str = "benchmark passphrase";

/// Twenty realistic queries, mixed scripts, spellings, a typo, dates and a document prefix.
const QUERIES: &[&str] = &[
    "Szewczenko",
    "Shevchenko Taras",
    "Шевченко",
    "Коваленко Олена",
    "Mohammed",
    "Muhammad Haddad",
    "محمد",
    "Yusuf Khalil",
    "Kovalenko 1978",
    "Aleksiej Kozłow",
    "Hryhorii Bondarenko",
    "Grigorij",
    "ბერიძე",
    "Mukendi Jean-Pierre",
    "Tesfamariam",
    "Ahmadi Fatima",
    "Shevchneko",
    "Magomed Umarov",
    "Yılmaz",
    "1990-05",
];

struct Stats {
    samples: Vec<Duration>,
}

impl Stats {
    fn new() -> Self {
        Stats {
            samples: Vec::new(),
        }
    }
    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let r = f();
        self.samples.push(t.elapsed());
        r
    }
    fn pct(&self, p: f64) -> f64 {
        let mut s = self.samples.clone();
        s.sort();
        let i = ((s.len() as f64 - 1.0) * p).round() as usize;
        s[i].as_secs_f64() * 1000.0
    }
    fn line(&self, what: &str, goal: &str) -> String {
        format!(
            "| {what} | {:.2} | {:.2} | {:.2} | {} | {goal} |",
            self.pct(0.5),
            self.pct(0.95),
            self.pct(1.0),
            self.samples.len()
        )
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let existing = if punkt_store::Store::exists(&args.data) {
        Punkt::open(&args.data, PASS)?.store().count_clients()?
    } else {
        0
    };
    if existing < args.clients {
        let mut p = if existing == 0 {
            Punkt::init(&args.data, PASS, "Fundacja Pomocy Prawnej")?
        } else {
            Punkt::open(&args.data, PASS)?
        };
        let t = Instant::now();
        let add = args.clients - existing;
        eprintln!(
            "making {add} demo client files in {} ...",
            args.data.display()
        );
        p.demo(add, 2026 + existing)?;
        p.store().checkpoint()?;
        eprintln!(
            "  done in {:.1} s ({:.2} ms per file)",
            t.elapsed().as_secs_f64(),
            t.elapsed().as_secs_f64() * 1000.0 / add as f64
        );
    }

    // Cold open: key derivation (Argon2id), SQLCipher keying, first read.
    let mut open = Stats::new();
    for _ in 0..5 {
        open.time(|| {
            let p = Punkt::open(&args.data, PASS).expect("opens");
            p.store().count_clients().expect("reads")
        });
    }
    let mut p = Punkt::open(&args.data, PASS).context("open")?;
    let n = p.store().count_clients()?;
    let ids = p
        .store()
        .document_ids(punkt_model::client::CLIENT_DOCUMENT_KIND)?;

    let mut search = Stats::new();
    for _ in 0..(args.reps / QUERIES.len()).max(3) {
        for q in QUERIES {
            search.time(|| p.search(q, 20).expect("search"));
        }
    }
    let mut per_query = Vec::new();
    for q in QUERIES {
        let mut s = Stats::new();
        let hits = (0..5)
            .map(|_| s.time(|| p.search(q, 20).unwrap().len()))
            .last()
            .unwrap();
        per_query.push(format!("| `{q}` | {hits} | {:.2} |", s.pct(0.5)));
    }

    let mut opening = Stats::new();
    for i in 0..args.reps {
        let id = &ids[(i * 7919) % ids.len()];
        opening.time(|| p.client_view(id).expect("open file"));
    }

    let mut save = Stats::new();
    let mut made = Vec::with_capacity(args.reps);
    for i in 0..args.reps {
        let json = format!(
            r#"{{"given_names":"Bench{i}","family_name":"Intake","names_original":"Бенч Інтейк","birth_date":"1991-02-03","sex":"female","citizenships":["UA"],"languages":["uk"]}}"#
        );
        let input = ClientInput::from_json(&json)?;
        made.push(save.time(|| p.add_client(input).expect("save")));
    }
    let mut edit = Stats::new();
    for i in 0..args.reps {
        let id = &ids[(i * 104_729) % ids.len()];
        let input = ClientInput::from_json(&format!(
            r#"{{"contact":{{"phone":"+48 600 000 {i:03}"}}}}"#
        ))?;
        edit.time(|| p.update_client(id, input).expect("edit"));
    }

    let mut board = Stats::new();
    let mut board_len = 0;
    for _ in 0..20 {
        board_len = board.time(|| p.deadline_board(Some(14)).expect("board").len());
    }

    let mut report = Stats::new();
    let today = p.today();
    let mut people = 0;
    for _ in 0..5 {
        people = report.time(|| {
            p.report(
                today - chrono::Duration::days(365),
                today,
                &punkt_core::report::ReportOptions::default(),
            )
            .expect("report")
            .total
            .people
        });
    }

    // Where the report's time goes.
    let (from_s, to_s) = (
        (today - chrono::Duration::days(365)).to_string(),
        today.to_string(),
    );
    let t = Instant::now();
    let facts = p.store().service_facts(&from_s, &to_s)?;
    let t_facts = t.elapsed();
    let t = Instant::now();
    let statuses = p.store().all_status_rows()?;
    let vulnerabilities = p.store().all_vulnerabilities()?;
    let t_status = t.elapsed();
    let t = Instant::now();
    punkt_core::report::aggregate(
        today - chrono::Duration::days(365),
        today,
        &punkt_core::report::AgeBands::default(),
        None,
        &punkt_core::report::Facts {
            services: &facts,
            statuses: &statuses,
            vulnerabilities: &vulnerabilities,
            activities: &[],
        },
    );
    let t_agg = t.elapsed();
    let report_split = format!(
        "Report split: {} service facts read in {:.0} ms, status timelines and vulnerabilities in {:.0} ms, aggregation {:.0} ms.",
        facts.len(),
        t_facts.as_secs_f64() * 1000.0,
        t_status.as_secs_f64() * 1000.0,
        t_agg.as_secs_f64() * 1000.0
    );

    p.store().checkpoint()?;
    let bytes = p.store().disk_bytes();
    let per_client = bytes as f64 / (n + args.reps as u64) as f64;

    // Issue 5. An erasure rewrites the full-text index (FTS5 `optimize`) and truncates the
    // WAL: measured on files this run made, so the demo set stays whole.
    let mut erase = Stats::new();
    for id in made.iter().take(20) {
        erase.time(|| p.erase_client(id).expect("erase"));
    }
    if p.consortium_key_id()?.is_none() {
        p.set_consortium_key(&punkt_core::consortium::new_key())?;
    }
    let this_month = today.format("%Y-%m").to_string();
    let year_ago = (today - chrono::Duration::days(334))
        .format("%Y-%m")
        .to_string();
    let mut tally = Stats::new();
    let mut tally_people = 0;
    for _ in 0..3 {
        tally_people = tally.time(|| {
            p.consortium_tally(&year_ago, &this_month)
                .expect("tally")
                .iter()
                .map(|t| t.people.len())
                .sum::<usize>()
        });
    }
    p.set_retention_rule(Some(punkt_core::retention::RetentionRule {
        closed_years: 3,
        action: punkt_core::retention::RetentionAction::Anonymise,
    }))?;
    let mut retention = Stats::new();
    let mut due = 0;
    for _ in 0..3 {
        due = retention.time(|| p.run_retention(false).expect("retention").due.len());
    }

    println!(
        "Punkt local store benchmark: {n} client files in {}",
        args.data.display()
    );
    println!();
    println!("| operation | p50 ms | p95 ms | max ms | samples | goal |");
    println!("|---|---|---|---|---|---|");
    println!(
        "{}",
        open.line("cold open (Argon2id + SQLCipher + first read)", "≤ 300 ms")
    );
    println!("{}", save.line("intake save (new client file)", "≤ 10 ms"));
    println!(
        "{}",
        edit.line("edit save (change to an existing file)", "≤ 10 ms")
    );
    println!("{}", opening.line("opening a client file", "≤ 10 ms"));
    println!(
        "{}",
        search.line("search, 20 queries mixed scripts", "p95 ≤ 20 ms")
    );
    println!(
        "{}",
        board.line(
            &format!("deadline board, 14 days ({board_len} entries)"),
            "—"
        )
    );
    println!(
        "{}",
        report.line(&format!("one-year report ({people} people)"), "≤ 1 s")
    );
    println!();
    println!("{report_split}");
    println!("Bytes on disk: {bytes} in all, {per_client:.0} per client file.");
    println!();
    println!("| query | hits (≤20) | p50 ms |");
    println!("|---|---|---|");
    for l in per_query {
        println!("{l}");
    }
    println!();
    println!("| data protection (issue 5) | p50 ms | p95 ms | max ms | samples | goal |");
    println!("|---|---|---|---|---|---|");
    println!(
        "{}",
        erase.line("erasure of one file (FTS optimize, WAL truncate)", "—")
    );
    println!(
        "{}",
        tally.line(
            &format!("consortium tally, 12 months ({tally_people} person-months)"),
            "—"
        )
    );
    println!(
        "{}",
        retention.line(
            &format!("retention preview, 3-year rule ({due} files due)"),
            "—"
        )
    );
    Ok(())
}
