//! The UI's TypeScript types, generated from the Rust types the commands take and give
//! (ts-rs), and the check that `ui/src/ipc` is in step with this crate:
//! - `ui/src/ipc/bindings.ts` equals what the types generate now;
//! - `ui/src/ipc/commands.ts` calls exactly the commands [`crate::COMMAND_NAMES`] registers.
//!
//! `PUNKT_UPDATE_BINDINGS=1 cargo test -p punkt-desktop bindings` rewrites the file.

use std::path::PathBuf;

use ts_rs::TS;

fn ui_ipc() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc")
}

macro_rules! declarations {
    ($($t:ty),* $(,)?) => {
        vec![$(<$t as TS>::decl()),*]
    };
}

fn generate() -> String {
    use punkt_core::*;
    let decls = declarations!(
        crate::error::UiError,
        crate::settings::Settings,
        crate::commands::AppInfo,
        crate::commands::Intake,
        crate::commands::ConsortiumKey,
        views::TallyReceipt,
        views::ConsortiumCount,
        views::ServiceCount,
        views::Contribution,
        views::AuditEntry,
        views::Team,
        views::TeamUser,
        views::TeamDevice,
        views::EnrolCode,
        views::HeldErasure,
        views::PendingApproval,
        punkt_core::keys::KeysWaiting,
        punkt_core::keys::WaitingLaptop,
        punkt_core::org_keys::TrustedOrgKey,
        punkt_core::org_keys::OrgKeyRefused,
        audit::FileAudit,
        audit::AuditLine,
        import::ImportReport,
        import::RejectedRow,
        retention::RetentionRule,
        retention::RetentionAction,
        retention::RetentionReport,
        retention::RetentionItem,
        retention::AnonymisedFile,
        crate::commands::AttachmentData,
        crate::commands::SavedFile,
        home::Home,
        home::BoardPage,
        duplicates::DuplicatePair,
        duplicates::MergeSummary,
        erase::ErasurePlan,
        erase::ErasureReport,
        sections::SectionView,
        sections::SectionNoteView,
        sections::SectionRefView,
        sections::SectionNoteInput,
        referrals::ReferralView,
        referrals::ReferralEventView,
        referrals::ReferralRefView,
        referrals::ReferralInput,
        referrals::ShareInput,
        home::PassphraseStrength,
        BoardEntry,
        RecordedDeadline,
        punkt_model::deadlines::DueDate,
        punkt_model::deadlines::SkippedDay,
        punkt_model::deadlines::DeadlineRule,
        punkt_model::deadlines::RuleNames,
        punkt_model::deadlines::Unit,
        punkt_model::deadlines::Shift,
        punkt_model::deadlines::LatestDue,
        punkt_model::deadlines::RuleBookVersion,
        views::ClientSummary,
        vocabulary::Vocabulary,
        search::SearchHit,
        history::HistoryEntry,
        attachments::AttachmentView,
        conflicts::FieldConflict,
        dto::ClientView,
        dto::PersonView,
        dto::IdentifierView,
        dto::LegalStatusView,
        dto::ConsentView,
        dto::MatterView,
        dto::ConsultationView,
        dto::DeadlineView,
        dto::ClientInput,
        dto::OriginalNamesInput,
        dto::ContactInput,
        dto::IdentifierInput,
        dto::LegalStatusInput,
        dto::ConsentInput,
        dto::MatterInput,
        dto::PlaceInput,
        dto::ConsultationInput,
        dto::DeadlineInput,
        report::Report,
        report::ReportRow,
        report::Count,
        report::ReportOptions,
        report::Disclosure,
        report::ActivityCount,
        report::ActivityRowCount,
        organisation::ProjectInput,
        organisation::ControllerInput,
        organisation::ProjectView,
        organisation::OrgSettingsView,
        activities::ActivityInput,
        activities::ActivityView,
        processing::ProcessingInput,
        visit::VisitInput,
        visit::VisitRecorded,
        processing::ProcessingView,
        sync::SyncStatus,
        sync::Enrolment,
        sync::SyncSummary,
        sync::SyncProgress,
        views::KeyRotation,
        sync::RefusedDocument,
        sync::ErasedNotice,
        sync::ImportSummary,
    );
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs (ts-rs). Do not edit:\n\
         // run `PUNKT_UPDATE_BINDINGS=1 cargo test -p punkt-desktop bindings`.\n\
         // Counts are JSON numbers on the wire (never above 2^53), so 64-bit integers are `number`.\n\
         import type { JsonValue } from './json';\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d.replace("bigint", "number"));
        out.push_str("\n\n");
    }
    out.trim_end().to_string() + "\n"
}

/// The command names `commands.ts` passes to `command(...)`.
fn called_commands(ts: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = ts;
    while let Some(i) = rest.find("command") {
        rest = &rest[i + "command".len()..];
        let mut s = rest;
        if s.starts_with('<') {
            let mut depth = 0;
            let mut end = 0;
            for (j, c) in s.char_indices() {
                match c {
                    '<' => depth += 1,
                    '>' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            s = &s[end..];
        }
        if let Some(after) = s.strip_prefix("(\"") {
            if let Some(q) = after.find('"') {
                names.push(after[..q].to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

#[test]
fn bindings_are_up_to_date() {
    let path = ui_ipc().join("bindings.ts");
    let now = generate();
    if std::env::var("PUNKT_UPDATE_BINDINGS").as_deref() == Ok("1") {
        std::fs::write(&path, &now).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == now,
        "ui/src/ipc/bindings.ts is not what the Rust types generate: run \
         `PUNKT_UPDATE_BINDINGS=1 cargo test -p punkt-desktop bindings` and commit it"
    );
}

#[test]
fn the_ui_calls_exactly_the_registered_commands() {
    let ts = std::fs::read_to_string(ui_ipc().join("commands.ts")).unwrap();
    let called = called_commands(&ts);
    let mut registered: Vec<String> = crate::COMMAND_NAMES.iter().map(|s| s.to_string()).collect();
    registered.sort();
    assert_eq!(
        called, registered,
        "ui/src/ipc/commands.ts and COMMAND_NAMES differ"
    );
}

#[test]
fn command_names_are_read_through_generics() {
    let ts = r#"const a = () => command<Foo<Bar>[]>("search", { query });
                const b = () => command("lock");"#;
    assert_eq!(called_commands(ts), vec!["lock", "search"]);
}
