//! Regression: editing Automerge text through autosurgeon with Polish, Cyrillic and Arabic
//! letters. autosurgeon 0.14 splices at UTF-8 byte offsets, so the workspace builds automerge
//! with `utf8-indexing`; with the default (code points) the second edit below failed with
//! `InvalidIndex`.

use automerge::AutoCommit;
use autosurgeon::{hydrate, reconcile, Hydrate, Reconcile, Text};

#[derive(Debug, Clone, Reconcile, Hydrate, PartialEq)]
struct Note {
    summary: Text,
}

#[test]
fn non_ascii_text_edits_apply_in_place() {
    let mut doc = AutoCommit::new();
    reconcile(
        &mut doc,
        &Note {
            summary: Text::with_value(""),
        },
    )
    .unwrap();
    for value in [
        "Ochrona czasowa; sprawa o zasiłek.",
        "Ochrona czasowa; sprawa o zasiłek. Żółw — Шевченко, محمد.",
        "Sprawa: Шевченко (محمد) — zasiłek przyznany.",
        "",
        "Ok",
    ] {
        let mut n: Note = hydrate(&doc).unwrap();
        n.summary.update(value);
        reconcile(&mut doc, &n).unwrap();
        let back: Note = hydrate(&doc).unwrap();
        assert_eq!(back.summary.as_str(), value);
    }
}
