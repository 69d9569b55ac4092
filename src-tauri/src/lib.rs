//! Punkt's desktop app: the Tauri 2 shell. Commands are one-line adapters over punkt-core
//! ([`commands`]); the session (locked or not, idle time) is [`desk::Desk`]. Nothing in
//! `crates/` depends on this crate.

pub mod commands;
pub mod desk;
pub mod error;
pub mod settings;

#[cfg(test)]
mod bindings;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use tauri::{Emitter, Manager};

use desk::Desk;

/// Declares the IPC commands once: the handler Tauri dispatches with, and their names (the
/// bindings test checks `ui/src/ipc/commands.ts` calls exactly these).
macro_rules! punkt_commands {
    ($($name:ident),* $(,)?) => {
        pub const COMMAND_NAMES: &[&str] = &[$(stringify!($name)),*];
        fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(commands::$name),*]
        }
    };
}

punkt_commands!(
    app_info,
    save_settings,
    passphrase_strength,
    create_store,
    unlock,
    lock,
    cancel_work,
    touch,
    change_passphrase,
    set_author,
    home,
    deadline_board,
    vocabulary,
    search,
    client,
    client_history,
    likely_same_as,
    compute_deadline,
    intake,
    record_visit,
    update_client,
    add_consultation,
    add_deadline,
    set_deadline_done,
    resolve_conflict,
    add_attachment,
    attachment,
    duplicates,
    merge_clients,
    access_request,
    erasure_plan,
    erase_client,
    role,
    set_local_role,
    section,
    add_section_note,
    referrals,
    refer,
    respond_referral,
    discard_referral,
    organisations,
    team,
    held_erasures,
    approve,
    undo_erasure,
    revoke_device,
    keys_waiting,
    publish_rule_book,
    give_keys,
    make_enrol_code,
    add_team_user,
    consortium_key_id,
    stale_tally_months,
    new_consortium_key,
    set_consortium_key,
    send_consortium_tally,
    consortium_count,
    retention_rule,
    set_retention_rule,
    run_retention,
    file_audit,
    server_audit,
    save_draft,
    draft,
    delete_draft,
    report,
    export_report,
    org_settings,
    put_project,
    put_controller,
    gdpr_document,
    activities,
    activity,
    record_activity,
    update_activity,
    remove_activity,
    sync_status,
    enroll,
    sync_now,
    export_sync_file,
    import_sync_file,
    import_register,
);

/// The store's folder: `PUNKT_DATA`, else the user's data directory.
pub fn data_dir() -> PathBuf {
    std::env::var_os("PUNKT_DATA")
        .map(PathBuf::from)
        .or_else(punkt_core::default_data_dir)
        .unwrap_or_else(|| PathBuf::from("punkt-data"))
}

/// Lock an idle store, checked every few seconds; the UI hears it as an event.
fn watch_idle(app: tauri::AppHandle, desk: Desk) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(5));
        if desk.lock_if_idle(Instant::now(), SystemTime::now()) {
            let _ = app.emit(commands::EVENT_LOCKED, ());
        }
    });
}

pub fn run() {
    let desk = Desk::new(data_dir(), punkt_store::KdfParams::from_env());
    tauri::Builder::default()
        .manage(desk)
        .setup(|app| {
            let desk = app.state::<Desk>().inner().clone();
            watch_idle(app.handle().clone(), desk);
            Ok(())
        })
        .invoke_handler(handler())
        .run(tauri::generate_context!())
        .expect("error while running Punkt");
}
