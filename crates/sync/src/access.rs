//! Who may hold which kind of document: the rule the server enforces on every read, write and
//! listing, and that laptops follow before showing or writing a document.
//!
//! - A client file, its attachments and a referral: every role of the organisations with
//!   access (the owner, and for a referral the receiving organisation).
//! - A restricted section (`section:<name>`): only the roles named here, and only in the owner
//!   organisation. Automerge cannot hide part of a document, so psychological and medical notes
//!   live in documents of their own that other roles' laptops never receive.

/// The roles of the people who use Punkt.
pub const ROLES: &[&str] = &["lawyer", "counsellor", "psychologist", "coordinator"];
/// The role that runs an organisation: its team, its erasures, its consortium tallies.
pub const COORDINATOR: &str = "coordinator";

/// The document kind of a restricted section is this prefix and the section's name.
pub const SECTION_PREFIX: &str = "section:";

/// The kind of a referral document (shared by the two organisations).
pub const REFERRAL_KIND: &str = "referral";

/// The kind of an organisation's settings document (its projects, its record of processing):
/// every role reads it, only a coordinator writes it.
pub const ORG_SETTINGS_KIND: &str = "org_settings";

const ORG_SETTINGS_PREFIX: &str = "org-settings-";

/// The id of organisation `org`'s settings document (one per organisation, so two
/// coordinators who make it offline make the same document).
pub fn org_settings_id(org: &str) -> String {
    format!("{ORG_SETTINGS_PREFIX}{org}")
}

/// Whether `id` is the form of an organisation's settings id (reserved for them).
pub fn is_org_settings_id(id: &str) -> bool {
    id.starts_with(ORG_SETTINGS_PREFIX)
}

/// Each restricted section and the roles that may read and write it.
pub const SECTIONS: &[(&str, &[&str])] = &[
    ("psychological", &["psychologist"]),
    // Medical evidence (of torture, of illness) is also the core of many asylum claims: the
    // lawyer who builds the claim reads it.
    ("medical", &["psychologist", "lawyer"]),
];

/// The section that holds a person's sensitive vulnerability flags (health, torture, sexual
/// orientation): whoever reads medical evidence reads them.
pub const SENSITIVE_FLAGS_SECTION: &str = "medical";

/// The document kind of section `name`.
pub fn section_kind(name: &str) -> String {
    format!("{SECTION_PREFIX}{name}")
}

/// The roles that may read a document of `kind`; `None` when any role of an organisation with
/// access may. An unknown section is readable by nobody.
pub fn readers(kind: &str) -> Option<&'static [&'static str]> {
    let name = kind.strip_prefix(SECTION_PREFIX)?;
    Some(
        SECTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| *r)
            .unwrap_or(&[]),
    )
}

/// True when `role` may read documents of `kind` (given its organisation has access).
pub fn role_may_read(kind: &str, role: &str) -> bool {
    readers(kind).is_none_or(|r| r.contains(&role))
}

/// True when `role` may write documents of `kind` (given its organisation has access): what it
/// may read, except an organisation's settings, which only a coordinator changes.
pub fn role_may_write(kind: &str, role: &str) -> bool {
    role_may_read(kind, role) && (kind != ORG_SETTINGS_KIND || role == COORDINATOR)
}

/// Whether `role` reads any restricted section. Giving someone such a role, or a laptop to
/// someone who has one, opens notes a coordinator may not read: a second coordinator (or the
/// server's administrator) must agree.
pub fn reads_restricted(role: &str) -> bool {
    SECTIONS.iter().any(|(_, readers)| readers.contains(&role))
}

/// True for restricted sections: never shared beyond the owner organisation.
pub fn is_section(kind: &str) -> bool {
    kind.starts_with(SECTION_PREFIX)
}

/// The scope key that wraps the keys of documents of `kind` (protocol 6, `docs/e2e.md`): a
/// restricted section's own, everything else the organisation's.
pub fn key_scope(kind: &str) -> &str {
    if is_section(kind) {
        kind
    } else {
        ORG_SCOPE
    }
}

/// The scope every role of an organisation holds.
pub const ORG_SCOPE: &str = "org";

/// The scopes whose keys a laptop of `role` may hold: the organisation's, and the restricted
/// sections the role reads.
pub fn scopes_for_role(role: &str) -> Vec<String> {
    std::iter::once(ORG_SCOPE.to_string())
        .chain(
            SECTIONS
                .iter()
                .filter(|(_, readers)| readers.contains(&role))
                .map(|(name, _)| section_kind(name)),
        )
        .collect()
}

/// Whether `role` may hold the key of `scope`.
pub fn role_may_hold(scope: &str, role: &str) -> bool {
    scope == ORG_SCOPE || (is_section(scope) && role_may_read(scope, role))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_read_only_by_their_roles() {
        let psych = section_kind("psychological");
        assert!(role_may_read(&psych, "psychologist"));
        for r in ["counsellor", "lawyer", "coordinator"] {
            assert!(!role_may_read(&psych, r), "{r}");
        }
        assert!(role_may_read(&section_kind("medical"), "lawyer"));
        assert!(!role_may_read(&section_kind("medical"), "counsellor"));
        assert!(!role_may_read("section:unknown", "psychologist"));
        assert!(role_may_read("client_file", "counsellor"));
        assert!(role_may_read(REFERRAL_KIND, "coordinator"));
        assert!(role_may_read(ORG_SETTINGS_KIND, "lawyer"));
        assert!(!role_may_write(ORG_SETTINGS_KIND, "lawyer"));
        assert!(role_may_write(ORG_SETTINGS_KIND, COORDINATOR));
        assert!(role_may_write(REFERRAL_KIND, "counsellor"));
        assert!(!role_may_write("section:psychological", "lawyer"));
    }
}
