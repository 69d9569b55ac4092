//! The built binary itself (which `cargo test` therefore builds, with the workspace's features:
//! the end-to-end tests in ui/tests/e2e drive that same binary in a real window).

#[test]
fn the_binary_answers_its_version_without_a_window() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_punkt-desktop"))
        .arg("--version")
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("punkt-desktop {}", env!("CARGO_PKG_VERSION"))
    );
}
