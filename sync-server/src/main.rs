//! `punkt-sync-server`: serve, and the coordinator's admin commands (on the database directly).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use punkt_sync_server::engine::Engine;
use punkt_sync_server::storage::Storage;
use punkt_sync_server::{PostgresStorage, SqliteStorage};

#[derive(Parser)]
#[command(name = "punkt-sync-server", version, about = "The Punkt sync server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve devices.
    Serve {
        /// A SQLite file, or postgres://user@host/db.
        #[arg(long, env = "PUNKT_SERVER_DB")]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Plain HTTP, for development on a loopback address only.
        #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
        insecure_http: bool,
        /// Documents one laptop may erase in 24 hours (the rest wait for a later sync).
        #[arg(long, default_value_t = punkt_sync_server::engine::DEFAULT_ERASE_LIMIT)]
        erase_limit: u64,
    },
    /// Administration, directly on the database.
    Admin {
        #[arg(long, env = "PUNKT_SERVER_DB")]
        db: String,
        #[command(subcommand)]
        command: Admin,
    },
}

#[derive(Subcommand)]
enum Admin {
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// People who use devices.
    #[command(subcommand)]
    User(UserCommand),
    /// Make a one-time enrolment code for a person's laptop.
    Enroll {
        #[arg(long)]
        user: String,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = 24)]
        expires: u32,
    },
    /// Revoke a device: it is refused from now on and told to wipe its store.
    Revoke { device_id: String },
    /// Enrolled devices, as JSON.
    Devices,
    /// The audit log, newest first, as JSON.
    Audit {
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// After restoring the database from a backup: laptops will send everything they have.
    Restored,
    /// Move a database of protocol 5 (documents in clear) to the blind form: held erasures
    /// are purged, and each laptop's next sync replaces its organisation's files by their
    /// sealed history (nothing lost). With `--status`, only what is still in clear, as JSON.
    MigrateBlind {
        #[arg(long)]
        status: bool,
    },
    /// Delete every organisation's consortium tallies of the months before `--before`
    /// (YYYY-MM), once the donors no longer need them.
    DeleteTallies {
        #[arg(long)]
        before: String,
    },
    /// What waits for a second coordinator's approval (people with roles that read restricted
    /// notes, their laptops' codes, revoking a coordinator's laptop), as JSON.
    Approvals,
    /// Approve (or, with --decline, decline) one of them as the administrator.
    Approve {
        id: String,
        #[arg(long)]
        decline: bool,
    },
    /// Erasures still within the 7-day grace period (they can be undone), as JSON.
    Erasures,
    /// Undo an erasure (every document one laptop's request erased): the documents come back
    /// and every laptop in scope fetches them again.
    UndoErasure { batch: String },
    /// Let another organisation read and write a document.
    Grant {
        doc_id: String,
        #[arg(long)]
        org: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    Add { name: String },
}

#[derive(Subcommand)]
enum UserCommand {
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// lawyer, counsellor, psychologist or coordinator.
        #[arg(long)]
        role: String,
    },
}

fn is_postgres(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

fn sqlite(db: &str) -> anyhow::Result<SqliteStorage> {
    SqliteStorage::open(std::path::Path::new(db)).with_context(|| format!("cannot open {db}"))
}

async fn postgres(db: &str) -> anyhow::Result<PostgresStorage> {
    let storage = PostgresStorage::connect(db, 8)
        .await
        .context("cannot connect to PostgreSQL")?;
    if !storage.connection_encrypted().await.unwrap_or(false) {
        tracing::warn!(
            "the connection to PostgreSQL is not encrypted: fine on this machine, never across \
             a network (give ?sslmode=verify-full&sslrootcert=CA.pem)"
        );
    }
    Ok(storage)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

async fn serve<S: Storage>(
    engine: Engine<S>,
    listen: SocketAddr,
    tls: Option<(PathBuf, PathBuf)>,
    insecure_http: bool,
) -> anyhow::Result<()> {
    // Erasures past their grace period are deleted for good within the hour.
    let purger = engine.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            if let Err(e) = purger.purge_due().await {
                tracing::error!("purging erasures past the grace period failed: {e}");
            }
        }
    });
    match tls {
        Some((cert, key)) => {
            let read = |p: &PathBuf| {
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
            };
            let handle = axum_server::Handle::new();
            let h = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                h.graceful_shutdown(Some(punkt_sync_server::http::REQUEST_TIMEOUT));
            });
            tracing::info!("serving https://{listen}");
            punkt_sync_server::http::serve_tls(engine, listen, read(&cert)?, read(&key)?, handle)
                .await
                .context("cannot serve TLS (check the certificate and key)")?;
        }
        None => {
            punkt_sync_server::http::check_plain_http(listen, insecure_http)
                .map_err(anyhow::Error::msg)?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::warn!(
                "serving plain http://{} (development only)",
                listener.local_addr()?
            );
            punkt_sync_server::http::serve_http(engine, listener, shutdown_signal()).await?;
        }
    }
    Ok(())
}

fn print(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            tls_cert,
            tls_key,
            insecure_http,
            erase_limit,
        } => {
            let tls = tls_cert.zip(tls_key);
            if is_postgres(&db) {
                let engine = Engine::new(postgres(&db).await?).with_erase_limit(erase_limit);
                serve(engine, listen, tls, insecure_http).await
            } else {
                let engine = Engine::new(sqlite(&db)?).with_erase_limit(erase_limit);
                serve(engine, listen, tls, insecure_http).await
            }
        }
        Command::Admin { db, command } => {
            if is_postgres(&db) {
                admin(Engine::new(postgres(&db).await?), command).await
            } else {
                admin(Engine::new(sqlite(&db)?), command).await
            }
        }
    }
}

async fn admin<S: Storage>(engine: Engine<S>, command: Admin) -> anyhow::Result<()> {
    let store = engine.store.clone();
    match command {
        Admin::Org(OrgCommand::Add { name }) => {
            // Every laptop receives the names (the directory of members): one it cannot
            // decode would break the list for all.
            let max = punkt_sync::wire::limits::MAX_NAME;
            if name.trim().is_empty() || name.trim().len() > max {
                bail!("an organisation's name must be 1 to {max} bytes");
            }
            store.add_org(name.trim()).await?;
            print(&serde_json::json!({ "organisation": name.trim() }))
        }
        Admin::User(UserCommand::Add { org, name, role }) => {
            store.add_user(&org, name.trim(), &role).await?;
            print(&serde_json::json!({ "user": name.trim(), "organisation": org, "role": role }))
        }
        Admin::Enroll { user, expires } => {
            if expires == 0 || expires > 24 * 30 {
                bail!("--expires must be between 1 and 720 hours");
            }
            let code = engine.make_enrol_code(&user, expires).await?;
            print(&serde_json::json!({ "code": code, "user": user, "expires_hours": expires }))
        }
        Admin::Revoke { device_id } => {
            engine.revoke(&device_id).await?;
            print(&serde_json::json!({ "revoked": device_id }))
        }
        Admin::Devices => print(&store.devices().await?),
        Admin::MigrateBlind { status: true } => print(&engine.migration_status().await?),
        Admin::MigrateBlind { status: false } => print(&engine.migrate_blind().await?),
        Admin::Restored => {
            let g = engine.restored().await?;
            print(&serde_json::json!({ "generation": g }))
        }
        Admin::Audit { limit } => print(&store.audit_log(limit).await?),
        Admin::DeleteTallies { before } => {
            let months = engine.delete_tallies_before(&before).await?;
            print(&serde_json::json!({ "before": before, "organisation_months_deleted": months }))
        }
        Admin::Approvals => print(&engine.approvals(None).await?),
        Admin::Approve { id, decline } => {
            let (a, code) = engine.decide(None, &id, !decline).await?;
            print(&serde_json::json!({
                "approval": id, "action": a.action, "subject": a.subject,
                "approved": !decline, "code": code.map(|c| c.code),
            }))
        }
        Admin::Erasures => print(&engine.held_erasures(None).await?),
        Admin::UndoErasure { batch } => {
            let docs = engine.undo_erasure(None, None, &batch).await?;
            print(&serde_json::json!({ "erasure": batch, "restored": docs }))
        }
        Admin::Grant { doc_id, org } => {
            engine.grant(&doc_id, &org).await?;
            print(&serde_json::json!({ "document": doc_id, "granted_to": org }))
        }
    }
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "punkt-sync-server: error: {}",
                format!("{e:#}").replace('\n', " ")
            );
            std::process::ExitCode::FAILURE
        }
    }
}
