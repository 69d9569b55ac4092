//! `punkt`: the scriptable front end of punkt-core. JSON out on stdout; every failure is one
//! line on stderr and a non-zero exit, and leaves the store as it was.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use punkt_core::activities::ActivityInput;
use punkt_core::import::ImportOptions;
use punkt_core::organisation::{ControllerInput, ProjectInput};
use punkt_core::referrals::ReferralInput;
use punkt_core::report::{AgeBands, Disclosure, ReportFormat, ReportOptions};
use punkt_core::retention::RetentionRule;
use punkt_core::sections::SectionNoteInput;
use punkt_core::{
    ClientInput, ConsultationInput, CoreError, DeadlineRequest, DeadlineStart, Punkt,
};
use punkt_model::deadlines::RuleBook;
use punkt_model::IsoDate;
use punkt_store::KdfParams;

#[derive(Parser)]
#[command(
    name = "punkt",
    version,
    about = "Punkt: offline case files for legal and social help to refugees and migrants"
)]
struct Cli {
    /// The store directory (default: the platform's data directory for Punkt).
    #[arg(long, global = true, env = "PUNKT_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new encrypted store.
    Init {
        /// The organisation that owns the files made in this store.
        #[arg(long, default_value = "Punkt")]
        organisation: String,
    },
    /// Client files.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Consultations.
    #[command(subcommand)]
    Consultation(ConsultationCommand),
    /// Procedural deadlines.
    #[command(subcommand)]
    Deadline(DeadlineCommand),
    /// The deadline board: open deadlines, soonest first.
    Deadlines {
        /// Only those due within this many days (overdue ones always shown).
        #[arg(long)]
        within: Option<u32>,
    },
    /// A report for donors over a period.
    Report {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, value_parser = ["csv", "xlsx", "json"])]
        format: String,
        #[arg(long)]
        out: PathBuf,
        /// The language of an XLSX report's headings and names (CSV and JSON keep codes).
        #[arg(long, default_value = "pl", value_parser = ["pl", "en", "uk", "ru"])]
        lang: String,
        /// The age bands' lower bounds (default 0,5,12,18,60: 0-4, 5-11, 12-17, 18-59, 60+).
        #[arg(long, value_name = "AGES")]
        age_bands: Option<String>,
        /// Only what was tagged with this project.
        #[arg(long, value_name = "CODE")]
        project: Option<String>,
        /// Exact counts, for the organisation's own use. Without it, counts of 1 to 4 people
        /// are shown as "<5" (the report may leave the organisation).
        #[arg(long)]
        internal: bool,
    },
    /// Import an existing register.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Add realistic demo client files.
    Demo {
        #[arg(long)]
        clients: u64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Change the store's passphrase (the new one from PUNKT_NEW_PASSPHRASE or a prompt).
    #[command(subcommand)]
    Passphrase(PassphraseCommand),
    /// Index maintenance.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Enrol this laptop with a sync server, with a one-time code from a coordinator.
    Enroll {
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
        /// How the coordinator will see this laptop in the device list.
        #[arg(long, default_value = "laptop")]
        name: String,
        /// Trust this CA certificate (PEM) for the server, e.g. an organisation's own CA.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    /// Sync with the server (progress on stderr; a summary on stdout).
    Sync {
        #[command(subcommand)]
        command: Option<SyncCommand>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    /// Restricted sections (psychological, medical notes): only the roles allowed read them.
    #[command(subcommand)]
    Section(SectionCommand),
    /// This laptop's role: the server's once enrolled; set here for a laptop used alone.
    Role {
        /// lawyer, counsellor, psychologist or coordinator (omit to show the role).
        role: Option<String>,
    },
    /// Referrals to other member organisations.
    #[command(subcommand)]
    Referral(ReferralCommand),
    /// The organisation's projects (what consultations and group activities are tagged with).
    #[command(subcommand)]
    Project(ProjectCommand),
    /// Group activities: courses, trainings, information sessions, hotline, border
    /// interventions, outreach.
    #[command(subcommand)]
    Activity(ActivityCommand),
    /// The organisation's GDPR documents: the controller's details, the record of processing
    /// activities (Art. 30), the impact assessment template (Art. 35).
    #[command(subcommand)]
    Gdpr(GdprCommand),
    /// Consortium-wide unique counting (coordinators): keyed hashes, never names, go to the
    /// server, which counts each person once across organisations.
    #[command(subcommand)]
    Consortium(ConsortiumCommand),
    /// Retention: files closed for N years are erased or anonymised, on demand.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// The organisation's people and laptops (coordinators): list, enrolment codes, new
    /// people, revoking a lost laptop.
    Team {
        #[command(subcommand)]
        command: Option<TeamCommand>,
        #[arg(long, global = true)]
        ca_cert: Option<PathBuf>,
    },
    /// Erasures the server can still undo (coordinators; 7 days after each): list, or `undo
    /// BATCH` to bring the files back to every laptop.
    Erasures {
        #[command(subcommand)]
        command: Option<ErasuresCommand>,
        #[arg(long, global = true)]
        ca_cert: Option<PathBuf>,
    },
    /// The audit log (coordinators): who read, changed, exported, merged or erased which file.
    Audit {
        /// One file's timeline: the server's log, events recorded here, the file's history.
        #[arg(long)]
        file: Option<String>,
        /// Only the events recorded on this laptop (no server needed).
        #[arg(long)]
        local: bool,
        #[arg(long, default_value_t = punkt_core::audit::AUDIT_LIMIT)]
        limit: u32,
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    /// Fold appended changes into fresh snapshots.
    Compact {
        #[arg(long, default_value_t = punkt_core::COMPACT_AFTER_CHANGES)]
        min_changes: usize,
    },
}

#[derive(Subcommand)]
enum SectionCommand {
    /// Add a note ({"date": "YYYY-MM-DD", "text": "..."}) to a client's section (psychological
    /// or medical), made on the first note.
    Add {
        client_id: String,
        section: String,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Show a section's notes.
    Show {
        client_id: String,
        section_id: String,
    },
}

#[derive(Subcommand)]
enum ProjectCommand {
    /// Every project, with how often it was used on this laptop.
    List,
    /// Add a project, or change the one with this code (a coordinator).
    Put {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The donor or funding source.
        #[arg(long)]
        funder: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        until: Option<String>,
        /// Ended: no longer offered on forms.
        #[arg(long)]
        archived: bool,
    },
}

#[derive(Subcommand)]
enum GdprCommand {
    /// Set the controller's details (a coordinator); the whole set, a field left out is cleared.
    Controller {
        #[arg(long, default_value = "")]
        legal_name: String,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        contact: Option<String>,
        /// Court register (KRS) number.
        #[arg(long)]
        registry: Option<String>,
        /// The data protection officer's name and contact.
        #[arg(long)]
        dpo: Option<String>,
    },
    /// Write the record of processing activities (HTML).
    Record {
        #[arg(long, default_value = "pl", value_parser = ["pl", "en", "uk", "ru"])]
        lang: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the impact assessment template (HTML).
    Dpia {
        #[arg(long, default_value = "pl", value_parser = ["pl", "en", "uk", "ru"])]
        lang: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum ActivityCommand {
    /// Record one: {"kind", "date", "place", "topic", "participants", "female", "male",
    /// "children", "project", "duration_minutes", "staff", "note"}.
    Add {
        #[command(flatten)]
        json: JsonArg,
    },
    /// Correct one (the same JSON, whole).
    Update {
        id: String,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Remove one recorded by mistake.
    Remove {
        id: String,
    },
    Show {
        id: String,
    },
    /// Those held in a period, newest first.
    List {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum ReferralCommand {
    /// Refer a person: {"to_organisation", "service", "consent_id", "reason", "share": {...}}.
    Add {
        client_id: String,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Every referral on this laptop, incoming and outgoing.
    List,
    Show {
        id: String,
    },
    /// accepted, declined or closed (the receiving organisation, closing with a report back);
    /// withdrawn (the referring one).
    Respond {
        id: String,
        status: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Take back a referral the server never took (e.g. to an organisation it does not know).
    Discard {
        client_id: String,
        id: String,
    },
    /// The member organisations a referral may go to (as the server listed them at the last
    /// sync).
    Organisations,
}

#[derive(Subcommand)]
enum ErasuresCommand {
    /// Undo one erasure: its documents come back to every laptop at their next sync.
    Undo { batch: String },
}

#[derive(Subcommand)]
enum TeamCommand {
    /// A one-time code to enrol a laptop for USER (shown once).
    Code {
        user: String,
        #[arg(long, default_value_t = 48)]
        hours: u32,
    },
    /// Add a person to the organisation: lawyer, counsellor, psychologist or coordinator.
    AddUser { name: String, role: String },
    /// Revoke a laptop (lost or stolen): refused from now on, its store wiped at next contact.
    /// Another coordinator's laptop waits for a second coordinator's approval.
    Revoke { device_id: String },
    /// Approve what another coordinator asked for (a person who reads restricted notes, a
    /// code for their laptop, revoking a coordinator's laptop).
    Approve { id: String },
    /// Decline it.
    Decline { id: String },
    /// Laptops of the organisation waiting for keys, this laptop's check code and every
    /// organisation's keys with their fingerprints (to compare by phone); with a device id and
    /// the check code that laptop shows, give it this laptop's keys.
    Keys {
        device_id: Option<String>,
        check_code: Option<String>,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Intake: create a client file from JSON. Prints {"id": ...}.
    Add(JsonArg),
    /// Show a client file as JSON.
    Show { id: String },
    /// Set the keys given in the JSON, leave the rest.
    Update {
        id: String,
        #[command(flatten)]
        json: JsonArg,
    },
    /// Find people however their name was typed.
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Fields with concurrent values from different laptops.
    Conflicts { id: String },
    /// Settle a conflicted field with one value (JSON: "text", 12, true, null).
    Resolve {
        id: String,
        field: String,
        #[arg(long)]
        value: String,
    },
    /// The most recently changed files.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Likely duplicate people: pairs with a score (0-1) and the reasons, best first.
    Duplicates {
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Everything held on one person (GDPR Art. 15): JSON with the attachments' bytes, or a
    /// readable HTML document in the person's language (pl, en, uk, ru).
    Access {
        id: String,
        #[arg(long, default_value = "json", value_parser = ["json", "html"])]
        format: String,
        #[arg(long, default_value = "pl")]
        lang: String,
    },
    /// Merge OTHER into KEEP: KEEP gains every consultation, deadline and entry of OTHER;
    /// OTHER keeps its history and shows KEEP from now on, on every device after sync.
    Merge { keep: String, other: String },
    /// Erase a person's file for good (GDPR Art. 17): the file, its attachments and the files
    /// merged into it are deleted here, and on the server and every laptop after sync.
    /// Without --yes, only shows what would be erased.
    Erase {
        id: String,
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Args)]
struct JsonArg {
    /// A JSON file, or - for standard input.
    #[arg(long = "json", value_name = "FILE|-")]
    json: String,
}

#[derive(Subcommand)]
enum ConsultationCommand {
    /// Record a consultation on a client file.
    Add {
        client_id: String,
        #[command(flatten)]
        json: JsonArg,
    },
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("start").required(true).args(["from", "notice"])))]
struct DeadlineArgs {
    /// A rule's id (`punkt deadline rules`), or `custom-days` (with --days) or `custom-date`
    /// (with --due) for a limit the decision or the court set; those need --note.
    #[arg(long)]
    rule: String,
    /// custom-days, or a rule the decision sets within a range (voluntary-departure): the
    /// limit in days the decision or the court set.
    #[arg(long)]
    days: Option<u32>,
    /// custom-date: the day the authority or the court named, YYYY-MM-DD.
    #[arg(long)]
    due: Option<String>,
    /// What the deadline is for (required for custom-days and custom-date).
    #[arg(long)]
    note: Option<String>,
    /// The day of the triggering event (delivery, announcement...), YYYY-MM-DD.
    #[arg(long)]
    from: Option<String>,
    /// Or: the day of the first notice of a letter not collected (deemed delivered 14 days later).
    #[arg(long)]
    notice: Option<String>,
    /// The start date is not certain: give the earliest possible deadline.
    #[arg(long)]
    uncertain: bool,
    /// The start is known only within a range: its latest day, YYYY-MM-DD (both deadlines
    /// are given).
    #[arg(long)]
    latest: Option<String>,
    /// For limits in hours (arrest-48h, court-24h): the hour of the event, HH:MM.
    #[arg(long)]
    at: Option<String>,
}

impl DeadlineArgs {
    fn request(&self) -> anyhow::Result<DeadlineRequest> {
        let (start, kind) = match (&self.from, &self.notice) {
            (Some(f), _) => (date(f, "--from date")?, DeadlineStart::Event),
            (None, Some(n)) => (date(n, "--notice date")?, DeadlineStart::FirstNotice),
            (None, None) => bail!("give --from or --notice"),
        };
        let mut r = DeadlineRequest::from_event(&self.rule, start, self.uncertain);
        r.start_kind = kind;
        r.note = self.note.clone();
        r.days = self.days;
        r.due = match &self.due {
            Some(d) => Some(date(d, "--due date")?),
            None => None,
        };
        r.start_latest = match &self.latest {
            Some(d) => Some(date(d, "--latest date")?),
            None => None,
        };
        r.time = match &self.at {
            Some(t) => Some(
                chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M")
                    .map_err(|_| anyhow::anyhow!("--at '{t}': give the hour as HH:MM"))?,
            ),
            None => None,
        };
        Ok(r)
    }
}

#[derive(Subcommand)]
enum DeadlineCommand {
    /// Compute and record a deadline on a client file.
    Add {
        client_id: String,
        #[command(flatten)]
        args: DeadlineArgs,
        /// The matter (in the client's file) the deadline belongs to.
        #[arg(long)]
        matter: Option<String>,
    },
    /// Compute a deadline (no store needed).
    Compute {
        #[command(flatten)]
        args: DeadlineArgs,
    },
    /// List the deadline rules (of the built-in rule book).
    Rules,
    /// Install a newer rule book (a JSON file in the format of crates/model/data/rule-book.json)
    /// in this store; a book that does not read or is not newer is refused and nothing changes.
    InstallRules { file: PathBuf },
    /// Publish a rule book for every laptop of the consortium through the sync server
    /// (coordinators): signed with this organisation's key, used here too.
    PublishRules {
        file: PathBuf,
        /// The server's CA certificate (PEM), when it is not publicly trusted.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    /// Mark a deadline as met.
    Done {
        client_id: String,
        deadline_id: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a CSV register (see docs/import.md for the columns).
    Csv {
        file: PathBuf,
        /// Check and report, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import the valid rows even when some rows are rejected.
        #[arg(long)]
        skip_invalid: bool,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// Last sync and what is waiting to go.
    Status,
    /// Write the changes not yet on the server to an encrypted file (for a USB stick). The
    /// file's passphrase comes from PUNKT_FILE_PASSPHRASE or a prompt.
    Export {
        #[arg(long)]
        out: PathBuf,
        /// Every file, not only what is waiting to go.
        #[arg(long)]
        all: bool,
    },
    /// Apply an encrypted sync file made on another machine.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum ConsortiumCommand {
    /// The consortium key: made once by one coordinator, given to the others by hand.
    #[command(subcommand)]
    Key(KeyCommand),
    /// What this organisation would send for a period: people per month (no hashes shown).
    Tally {
        #[command(flatten)]
        months: Months,
    },
    /// Send this organisation's tally of a period to the server (replaces what was sent).
    Send {
        #[command(flatten)]
        months: Months,
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
    /// The consortium-wide count of a period, from every organisation's tally.
    Count {
        #[command(flatten)]
        months: Months,
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
}

/// A period of whole months.
#[derive(clap::Args)]
struct Months {
    /// First month, YYYY-MM.
    #[arg(long)]
    from: String,
    /// Last month, YYYY-MM.
    #[arg(long)]
    to: String,
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Show the rule, or set it (coordinators).
    Rule {
        /// Years a file stays after it was closed.
        #[arg(long, requires = "action")]
        years: Option<u32>,
        #[arg(long, value_parser = ["erase", "anonymise"], requires = "years")]
        action: Option<String>,
        /// Remove the rule.
        #[arg(long, conflicts_with = "years")]
        clear: bool,
    },
    /// Say what the rule would do; with --apply, do it (coordinators) and report.
    Run {
        #[arg(long)]
        apply: bool,
    },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Make a new key (printed once; keep it like a passphrase) and keep it on this laptop.
    New,
    /// Keep a key received from another coordinator (from PUNKT_CONSORTIUM_KEY or a prompt).
    Set,
    /// The id of the key this laptop holds (compare it with the other coordinators').
    Show,
    /// Remove the key from this laptop.
    Forget,
}

#[derive(Subcommand)]
enum PassphraseCommand {
    /// A new passphrase, and a new data key: the store is re-encrypted, so a copy of the old
    /// key file no longer opens it (close the app first). `--keep-key` rewrites only the key
    /// file.
    Change {
        #[arg(long)]
        keep_key: bool,
    },
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Rebuild the index from the documents.
    Rebuild,
    /// Rebuild the index and check it equals the one kept incrementally.
    Check,
}

fn data_dir(cli: &Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(d) = cli {
        return Ok(d.clone());
    }
    punkt_core::default_data_dir()
        .ok_or_else(|| anyhow!("cannot find a data directory for this user; pass --data DIR"))
}

fn passphrase(var: &str, prompt: &str, confirm: bool) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    let p = rpassword::prompt_password(prompt)
        .map_err(|e| anyhow!("no passphrase: set {var} or run in a terminal ({e})"))?;
    if confirm {
        let again = rpassword::prompt_password("Repeat the passphrase: ")
            .map_err(|e| anyhow!("no passphrase: {e}"))?;
        if again != p {
            bail!("the passphrases do not match");
        }
    }
    Ok(p)
}

fn open(dir: &Path) -> anyhow::Result<Punkt> {
    if !punkt_store::Store::exists(dir) {
        return Err(
            CoreError::Store(punkt_store::StoreError::NoStore(dir.display().to_string())).into(),
        );
    }
    let p = passphrase("PUNKT_PASSPHRASE", "Passphrase: ", false)?;
    Ok(Punkt::open(dir, &p)?)
}

fn read_json(arg: &str) -> anyhow::Result<String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read standard input")?;
        Ok(s)
    } else {
        std::fs::read_to_string(arg).with_context(|| format!("cannot read {arg}"))
    }
}

fn print<T: Serialize>(v: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut out, v)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        // A reader that stopped reading (`punkt ... | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// Write a file whole or not at all (temp file, fsync, rename).
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("partial");
    let mut f =
        std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn date(s: &str, what: &str) -> anyhow::Result<IsoDate> {
    s.parse::<IsoDate>()
        .and_then(IsoDate::plausible)
        .map_err(|e| anyhow::Error::new(e).context(what.to_string()))
}

/// The Argon2 cost: the default, or a cheap one for tests when PUNKT_TEST_FAST_KDF=1.
fn kdf() -> KdfParams {
    KdfParams::from_env()
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // Commands that need no store.
    match &cli.command {
        Command::Deadline(DeadlineCommand::Compute { args }) => {
            let r = args.request()?;
            let due = punkt_core::compute_deadline_with(RuleBook::built_in_ref(), &r)?;
            return print(&due);
        }
        Command::Deadline(DeadlineCommand::Rules) => return print(&RuleBook::built_in_ref().all()),
        _ => {}
    }
    let dir = data_dir(&cli.data)?;
    match cli.command {
        Command::Init { organisation } => {
            let p = passphrase("PUNKT_PASSPHRASE", "New passphrase: ", true)?;
            let punkt = Punkt::init_with(&dir, &p, &organisation, kdf())?;
            print(&serde_json::json!({
                "store": dir.display().to_string(),
                "organisation": punkt.organisation(),
            }))
        }
        Command::Client(c) => {
            let mut punkt = open(&dir)?;
            match c {
                ClientCommand::Add(j) => {
                    let input = ClientInput::from_json(&read_json(&j.json)?)?;
                    let id = punkt.add_client(input)?;
                    let same: Vec<_> = punkt
                        .likely_same_person(&id)?
                        .into_iter()
                        .map(|c| serde_json::json!({"id": c.id, "display_name": c.display_name, "birth_date": c.birth_date}))
                        .collect();
                    print(&serde_json::json!({ "id": id, "possible_duplicates": same }))
                }
                ClientCommand::Show { id } => print(&punkt.client_view(&id)?),
                ClientCommand::Update { id, json } => {
                    let input = ClientInput::from_json(&read_json(&json.json)?)?;
                    let file = punkt.update_client(&id, input)?;
                    print(&punkt_core::ClientView::from_file(&file, punkt.today()))
                }
                ClientCommand::Search { query, limit } => print(&punkt.search(&query, limit)?),
                ClientCommand::Conflicts { id } => print(&punkt.conflicts(&id)?),
                ClientCommand::Duplicates { limit } => print(&punkt.duplicates(limit)?),
                ClientCommand::Access { id, format, lang } => {
                    if format == "html" {
                        print!("{}", punkt.access_document(&id, &lang)?);
                        Ok(())
                    } else {
                        print(&punkt.access_request(&id)?)
                    }
                }
                ClientCommand::Merge { keep, other } => print(&punkt.merge_clients(&keep, &other)?),
                ClientCommand::Erase { id, yes: false } => print(&punkt.erasure_plan(&id)?),
                ClientCommand::Erase { id, yes: true } => print(&punkt.erase_client(&id)?),
                ClientCommand::Resolve { id, field, value } => {
                    let value: serde_json::Value = serde_json::from_str(&value)
                        .map_err(|e| CoreError::Invalid(format!("--value is not JSON: {e}")))?;
                    punkt.resolve_conflict(&id, &field, &value)?;
                    print(&punkt.client_view(&id)?)
                }
                ClientCommand::List { limit } => {
                    let list: Vec<_> = punkt
                        .store()
                        .recent_clients(limit)?
                        .into_iter()
                        .map(|s| serde_json::json!({"id": s.id, "display_name": s.display_name, "birth_date": s.birth_date, "citizenship": s.citizenship, "updated_at": s.updated_at}))
                        .collect();
                    print(&list)
                }
            }
        }
        Command::Consultation(ConsultationCommand::Add { client_id, json }) => {
            let mut punkt = open(&dir)?;
            let input = ConsultationInput::from_json(&read_json(&json.json)?)?;
            let id = punkt.add_consultation(&client_id, input)?;
            print(&serde_json::json!({ "id": id }))
        }
        Command::Deadline(DeadlineCommand::Add {
            client_id,
            args,
            matter,
        }) => {
            let mut request = args.request()?;
            request.matter_id = matter;
            let mut punkt = open(&dir)?;
            print(&punkt.add_deadline(&client_id, request)?)
        }
        Command::Deadline(DeadlineCommand::Done {
            client_id,
            deadline_id,
        }) => {
            let mut punkt = open(&dir)?;
            punkt.set_deadline_done(&client_id, &deadline_id, true)?;
            print(&serde_json::json!({ "id": deadline_id, "done": true }))
        }
        Command::Deadline(DeadlineCommand::InstallRules { file }) => {
            let json = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut punkt = open(&dir)?;
            print(&punkt.install_rule_book(&json)?)
        }
        Command::Deadline(DeadlineCommand::PublishRules { file, ca_cert }) => {
            let json = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let mut punkt = open(&dir)?;
            let mut t = punkt.transport(ca_cert.as_deref())?;
            print(&punkt.publish_rule_book(&mut t, &json)?)
        }
        Command::Deadline(_) => unreachable!("handled above"),
        Command::Deadlines { within } => print(&open(&dir)?.deadline_board(within)?),
        Command::Section(c) => {
            let mut punkt = open(&dir)?;
            match c {
                SectionCommand::Add {
                    client_id,
                    section,
                    json,
                } => {
                    let input = SectionNoteInput::from_json(&read_json(&json.json)?)?;
                    print(&punkt.add_section_note(&client_id, &section, input)?)
                }
                SectionCommand::Show {
                    client_id,
                    section_id,
                } => print(&punkt.section(&client_id, &section_id)?),
            }
        }
        Command::Role { role } => {
            let mut punkt = open(&dir)?;
            if let Some(r) = role {
                punkt.set_local_role(&r)?;
            }
            print(&serde_json::json!({ "role": punkt.role()? }))
        }
        Command::Project(c) => match c {
            ProjectCommand::List => print(&open(&dir)?.org_settings_view()?),
            ProjectCommand::Put {
                code,
                name,
                funder,
                from,
                until,
                archived,
            } => print(&open(&dir)?.put_project(ProjectInput {
                code,
                name,
                funder,
                from,
                until,
                archived,
            })?),
        },
        Command::Gdpr(c) => {
            let mut punkt = open(&dir)?;
            let record = matches!(c, GdprCommand::Record { .. });
            match c {
                GdprCommand::Controller {
                    legal_name,
                    address,
                    contact,
                    registry,
                    dpo,
                } => print(&punkt.put_controller(ControllerInput {
                    legal_name,
                    address,
                    contact,
                    registry,
                    dpo,
                })?),
                GdprCommand::Record { lang, out } | GdprCommand::Dpia { lang, out } => {
                    let html = if record {
                        punkt.processing_record(&lang)?
                    } else {
                        punkt.dpia_template(&lang)?
                    };
                    write_file(&out, html.as_bytes())?;
                    print(&serde_json::json!({ "out": out.display().to_string() }))
                }
            }
        }
        Command::Activity(c) => {
            let mut punkt = open(&dir)?;
            let input = |json: &JsonArg| -> anyhow::Result<ActivityInput> {
                Ok(ActivityInput::from_json(&read_json(&json.json)?)?)
            };
            match c {
                ActivityCommand::Add { json } => print(&punkt.record_activity(input(&json)?)?),
                ActivityCommand::Update { id, json } => {
                    print(&punkt.update_activity(&id, input(&json)?)?)
                }
                ActivityCommand::Remove { id } => {
                    punkt.remove_activity(&id)?;
                    print(&serde_json::json!({ "removed": id }))
                }
                ActivityCommand::Show { id } => print(&punkt.activity(&id)?),
                ActivityCommand::List { from, to } => {
                    let from = date(&from, "--from date")?;
                    let to = date(&to, "--to date")?;
                    print(&punkt.activities(from.0, to.0)?)
                }
            }
        }
        Command::Referral(c) => {
            let mut punkt = open(&dir)?;
            match c {
                ReferralCommand::Add { client_id, json } => {
                    let input = ReferralInput::from_json(&read_json(&json.json)?)?;
                    print(&punkt.refer(&client_id, input)?)
                }
                ReferralCommand::List => print(&punkt.referrals()?),
                ReferralCommand::Show { id } => print(&punkt.referral(&id)?),
                ReferralCommand::Discard { client_id, id } => {
                    punkt.discard_referral(&client_id, &id)?;
                    print(&serde_json::json!({ "discarded": id }))
                }
                ReferralCommand::Organisations => {
                    print(&serde_json::json!({ "organisations": punkt.organisations()? }))
                }
                ReferralCommand::Respond { id, status, note } => {
                    print(&punkt.respond_referral(&id, &status, &note)?)
                }
            }
        }
        Command::Report {
            from,
            to,
            format,
            out,
            lang,
            age_bands,
            project,
            internal,
        } => {
            let from = date(&from, "--from date")?;
            let to = date(&to, "--to date")?;
            let format: ReportFormat = format.parse()?;
            let options = ReportOptions {
                age_bands: age_bands
                    .map(|a| AgeBands::parse(&a).map(|b| b.bounds().to_vec()))
                    .transpose()?,
                project,
            };
            let disclosure = if internal {
                Disclosure::Internal
            } else {
                Disclosure::External
            };
            let punkt = open(&dir)?;
            let (report, bytes) =
                punkt.export_report(from.0, to.0, &options, format, disclosure, &lang)?;
            write_file(&out, &bytes)?;
            print(&serde_json::json!({
                "out": out.display().to_string(),
                "people": report.total.people,
                "consultations": report.total.consultations,
            }))
        }
        Command::Import(ImportCommand::Csv {
            file,
            dry_run,
            skip_invalid,
        }) => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut punkt = open(&dir)?;
            let report = punkt.import_csv(
                &bytes,
                ImportOptions {
                    dry_run,
                    skip_invalid,
                },
            )?;
            print(&report)?;
            if !dry_run && !report.imported {
                bail!(
                    "nothing imported: {} of {} rows rejected (first: row {}: {}); fix them or use --skip-invalid",
                    report.rejected.len(),
                    report.rows,
                    report.rejected[0].row,
                    report.rejected[0].reason
                );
            }
            Ok(())
        }
        Command::Demo { clients, seed } => {
            let mut punkt = open(&dir)?;
            print(&punkt.demo(clients, seed)?)
        }
        Command::Passphrase(PassphraseCommand::Change { keep_key }) => {
            let old = passphrase("PUNKT_PASSPHRASE", "Current passphrase: ", false)?;
            let new = passphrase("PUNKT_NEW_PASSPHRASE", "New passphrase: ", true)?;
            if keep_key {
                punkt_store::Store::change_passphrase(&dir, &old, &new).map_err(CoreError::from)?;
            } else {
                punkt_store::Store::rotate_key(&dir, &old, &new, &mut |p| {
                    eprintln!("punkt: key rotation: {} ({} bytes)", p.phase, p.bytes)
                })
                .map_err(CoreError::from)?;
            }
            print(&serde_json::json!({ "changed": true, "key_rotated": !keep_key }))
        }
        Command::Index(cmd) => {
            let mut punkt = open(&dir)?;
            match cmd {
                IndexCommand::Rebuild => {
                    let n = punkt.rebuild_index()?;
                    print(&serde_json::json!({ "clients": n }))
                }
                IndexCommand::Check => {
                    let before = punkt.store().index_dump()?;
                    let n = punkt.rebuild_index()?;
                    let after = punkt.store().index_dump()?;
                    if before != after {
                        bail!("the index differed from its documents; it has been rebuilt");
                    }
                    print(&serde_json::json!({ "clients": n, "consistent": true }))
                }
            }
        }
        Command::Enroll {
            server,
            code,
            name,
            ca_cert,
        } => {
            let mut punkt = open(&dir)?;
            print(&punkt.enroll(&server, &code, &name, ca_cert.as_deref())?)
        }
        Command::Sync {
            command: Some(SyncCommand::Status),
            ..
        } => print(&open(&dir)?.sync_status()?),
        Command::Sync {
            command: Some(SyncCommand::Export { out, all }),
            ..
        } => {
            let punkt = open(&dir)?;
            let pass = passphrase(
                "PUNKT_FILE_PASSPHRASE",
                "Passphrase for the sync file: ",
                true,
            )?;
            let (bytes, summary) = punkt.export_changes(&pass, all, kdf())?;
            write_file(&out, &bytes)?;
            print(&summary)
        }
        Command::Sync {
            command: Some(SyncCommand::Import { file }),
            ..
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut punkt = open(&dir)?;
            let pass = passphrase(
                "PUNKT_FILE_PASSPHRASE",
                "Passphrase of the sync file: ",
                false,
            )?;
            print(&punkt.import_changes(&bytes, &pass)?)
        }
        Command::Sync {
            command: None,
            json,
            ca_cert,
        } => {
            let mut punkt = open(&dir)?;
            let mut transport = punkt.transport(ca_cert.as_deref())?;
            let result = punkt.sync_with(&mut transport, &mut |p| {
                if !json {
                    eprintln!("sync: {} {}/{}", p.phase, p.done, p.total);
                }
            });
            match result {
                Ok(summary) if json => print(&summary),
                Ok(s) if s.awaiting_keys.is_some() => {
                    println!(
                        "This laptop has no keys of its organisation yet: nothing was sent or received. \
                         Its check code is {}. Ask a coordinator to compare it and give it keys \
                         (`punkt team keys`, or the Team card), then sync again.",
                        s.awaiting_keys.as_deref().unwrap_or_default()
                    );
                    Ok(())
                }
                Ok(s) => {
                    for w in &s.waiting_for_keys {
                        println!(
                            "{}'s laptop '{}' waits for keys: read the check code it shows, then \
                             `punkt team keys {} CHECK`.",
                            w.user, w.name, w.device_id
                        );
                    }
                    println!(
                        "Synced: {} sent, {} received ({} new), {} reconciled, {} refused; {} waiting to go.",
                        s.sent, s.received, s.new_documents, s.reconciled, s.refused.len(), s.pending_after
                    );
                    for e in &s.erased {
                        let dropped = if e.dropped_unsent_changes {
                            " (unsent changes to it were dropped)"
                        } else {
                            ""
                        };
                        println!(
                            "Erased by its organisation, deleted here: {}{dropped}",
                            e.doc_id
                        );
                    }
                    if s.tallies_resent > 0 {
                        println!(
                            "Consortium tallies sent again after erasures: {} months.",
                            s.tallies_resent
                        );
                    }
                    // What did not go this time waits for the next sync.
                    for (what, code) in [
                        ("the event log", &s.events_error),
                        ("the list of member organisations", &s.directory_error),
                        ("consortium tallies to send again", &s.tally_error),
                    ] {
                        if let Some(code) = code {
                            eprintln!("warning: {what}: not done this time ({code}); tried again at the next sync");
                        }
                    }
                    Ok(())
                }
                Err(CoreError::SyncRefused {
                    wipe: true,
                    message,
                    ..
                }) => {
                    punkt.wipe()?;
                    Err(CoreError::SyncRefused {
                        code: "device_revoked".into(),
                        message: format!("{message}; this laptop's store has been wiped"),
                        wipe: true,
                    }
                    .into())
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Consortium(c) => {
            let mut punkt = open(&dir)?;
            match c {
                ConsortiumCommand::Key(KeyCommand::New) => {
                    let key = punkt_core::consortium::new_key();
                    let id = punkt.set_consortium_key(&key)?;
                    print(&serde_json::json!({ "key": key, "key_id": id }))
                }
                ConsortiumCommand::Key(KeyCommand::Set) => {
                    let key = passphrase("PUNKT_CONSORTIUM_KEY", "Consortium key: ", false)?;
                    let id = punkt.set_consortium_key(&key)?;
                    print(&serde_json::json!({ "key_id": id }))
                }
                ConsortiumCommand::Key(KeyCommand::Show) => {
                    print(&serde_json::json!({ "key_id": punkt.consortium_key_id()? }))
                }
                ConsortiumCommand::Key(KeyCommand::Forget) => {
                    punkt.forget_consortium_key()?;
                    print(&serde_json::json!({ "key_id": null }))
                }
                ConsortiumCommand::Tally {
                    months: Months { from, to },
                } => {
                    let months: Vec<_> = punkt
                        .consortium_tally(&from, &to)?
                        .into_iter()
                        .map(|t| serde_json::json!({ "month": t.month, "people": t.people.len() }))
                        .collect();
                    print(&months)
                }
                ConsortiumCommand::Send {
                    months: Months { from, to },
                    ca_cert,
                } => {
                    let mut transport = punkt.transport(ca_cert.as_deref())?;
                    print(&punkt.send_consortium_tally(&mut transport, &from, &to)?)
                }
                ConsortiumCommand::Count {
                    months: Months { from, to },
                    ca_cert,
                } => {
                    let mut transport = punkt.transport(ca_cert.as_deref())?;
                    print(&punkt.consortium_count(&mut transport, &from, &to)?)
                }
            }
        }
        Command::Retention(c) => {
            let mut punkt = open(&dir)?;
            match c {
                RetentionCommand::Rule {
                    years,
                    action,
                    clear,
                } => {
                    if clear {
                        punkt.set_retention_rule(None)?;
                    } else if let (Some(years), Some(action)) = (years, action) {
                        let rule: RetentionRule = serde_json::from_value(serde_json::json!({
                            "closed_years": years, "action": action
                        }))?;
                        punkt.set_retention_rule(Some(rule))?;
                    }
                    print(&punkt.retention_rule()?)
                }
                RetentionCommand::Run { apply } => print(&punkt.run_retention(apply)?),
            }
        }
        Command::Team { command, ca_cert } => {
            let mut punkt = open(&dir)?;
            let mut t = punkt.transport(ca_cert.as_deref())?;
            match command {
                None => print(&punkt.team(&mut t)?),
                Some(TeamCommand::Code { user, hours }) => {
                    print(&punkt.enrol_code(&mut t, &user, hours)?)
                }
                Some(TeamCommand::AddUser { name, role }) => {
                    print(&punkt.add_team_user(&mut t, &name, &role)?)
                }
                Some(TeamCommand::Revoke { device_id }) => {
                    print(&punkt.revoke_device(&mut t, &device_id)?)
                }
                Some(TeamCommand::Approve { id }) => print(&punkt.approve(&mut t, &id, true)?),
                Some(TeamCommand::Decline { id }) => print(&punkt.approve(&mut t, &id, false)?),
                Some(TeamCommand::Keys {
                    device_id: None, ..
                }) => print(&punkt.keys_waiting(&mut t)?),
                Some(TeamCommand::Keys {
                    device_id: Some(id),
                    check_code,
                }) => {
                    let check = check_code.ok_or_else(|| {
                        anyhow::anyhow!(
                            "give the check code the laptop shows (six digits): compare it first"
                        )
                    })?;
                    print(&serde_json::json!({ "given": punkt.give_keys(&mut t, &id, &check)? }))
                }
            }
        }
        Command::Erasures { command, ca_cert } => {
            let punkt = open(&dir)?;
            let mut t = punkt.transport(ca_cert.as_deref())?;
            match command {
                None => print(&punkt.held_erasures(&mut t)?),
                Some(ErasuresCommand::Undo { batch }) => {
                    print(&punkt.undo_erasure(&mut t, &batch)?)
                }
            }
        }
        Command::Audit {
            file,
            local,
            limit,
            ca_cert,
        } => {
            let punkt = open(&dir)?;
            if local {
                return print(&punkt.local_events(file.as_deref(), limit as usize)?);
            }
            match file {
                Some(id) => {
                    let mut transport = match punkt.transport(ca_cert.as_deref()) {
                        Ok(t) => Some(t),
                        Err(CoreError::NotEnrolled) => None,
                        Err(e) => return Err(e.into()),
                    };
                    let t = transport
                        .as_mut()
                        .map(|t| t as &mut dyn punkt_core::sync::Transport);
                    print(&punkt.file_audit(t, &id)?)
                }
                None => {
                    let mut transport = punkt.transport(ca_cert.as_deref())?;
                    print(&punkt.server_audit(&mut transport, &[], limit)?)
                }
            }
        }
        Command::Compact { min_changes } => {
            let mut punkt = open(&dir)?;
            print(&serde_json::json!({ "compacted": punkt.compact(min_changes)? }))
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            // One line, like every other failure: clap's first line without its "error: ".
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "punkt: error[usage]: {} (see punkt --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e
                .downcast_ref::<CoreError>()
                .map(|c| c.code())
                .or_else(|| {
                    e.downcast_ref::<punkt_model::ModelError>()
                        .map(|m| m.code())
                })
                .unwrap_or("error");
            // One line: the chain of causes joined, newlines flattened.
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("punkt: error[{code}]: {msg}");
            ExitCode::FAILURE
        }
    }
}
