// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // `--version` answers without opening a window (packaging checks, support calls).
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!("punkt-desktop {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    punkt_desktop::run();
}
