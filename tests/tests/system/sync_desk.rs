//! What the desktop app shows after a sync: attachments carried to another laptop, the history
//! naming who changed what on which laptop, and files with unsettled concurrent values listed on
//! the home screen until someone settles them.

use punkt_system_tests::{assert_converged, two_laptops};

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

#[test]
fn an_attachment_and_its_author_reach_the_other_laptop() {
    let (_dir, server, mut a, mut b) = two_laptops();
    a.punkt.set_author("Anna Nowak").unwrap();
    let id = a.add(r#"{"given_names":"Olena","family_name":"Bondar","birth_date":"1980","citizenships":["UA"]}"#);
    let scan = a.punkt.add_attachment(&id, "decyzja.pdf", PDF).unwrap();
    a.sync(&server);

    // The client file may arrive before or with the attachment: either way, after this sync
    // both are here and the bytes are the same.
    let got = b.sync(&server);
    assert_eq!(got.new_documents, 2, "the file and its attachment: {got:?}");
    let content = b.punkt.attachment(&id, &scan.id).unwrap();
    assert_eq!(content.bytes, PDF);
    assert_eq!(content.view.mime, "application/pdf");

    let history = b.punkt.client_history(&id).unwrap();
    assert!(history
        .iter()
        .all(|h| h.author.as_deref() == Some("Anna Nowak") && !h.this_device));
    assert!(history[0].sections.contains(&"attachments".to_string()));
}

#[test]
fn concurrent_values_list_the_file_on_home_until_settled() {
    let (_dir, server, mut a, mut b) = two_laptops();
    let id =
        a.add(r#"{"given_names":"Taras","family_name":"Shevchenko","birth_date":"1990-03-09"}"#);
    a.sync(&server);
    b.sync(&server);
    a.update(&id, r#"{"family_name":"Szewczenko"}"#);
    b.update(&id, r#"{"family_name":"Ševčenko"}"#);
    a.sync(&server);
    b.sync(&server);
    a.sync(&server);
    assert_converged(&[&a, &b]);
    for d in [&a, &b] {
        let home = d.punkt.home(10).unwrap();
        assert_eq!(
            home.conflicted
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            vec![id.as_str()]
        );
    }
    let chosen = serde_json::json!("Szewczenko");
    b.punkt
        .resolve_conflict(&id, "person.family_name", &chosen)
        .unwrap();
    assert!(b.punkt.home(10).unwrap().conflicted.is_empty());
    b.sync(&server);
    a.sync(&server);
    assert!(
        a.punkt.home(10).unwrap().conflicted.is_empty(),
        "settled on the other laptop too"
    );
    assert_eq!(
        a.punkt.client_view(&id).unwrap().person.family_name,
        "Szewczenko"
    );
}
