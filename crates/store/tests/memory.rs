//! SQLCipher's memory security is process-wide and cannot be turned off once on, so this
//! runs in its own test binary (its own process): off by default, on when asked, and stores
//! open and work either way.

use punkt_store::{harden_memory, memory_hardened, KdfParams, Store};

const FAST: KdfParams = KdfParams {
    m_kib: 1024,
    t: 1,
    p: 1,
};

#[test]
fn memory_security_is_off_by_default_and_on_for_the_rest_of_the_process_once_asked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("store");
    let s = Store::create(&d, "a long passphrase 1", "Fundacja A", FAST).unwrap();
    s.set_meta("probe", "before").unwrap();
    drop(s);
    assert!(!memory_hardened().unwrap(), "off by default");

    harden_memory().unwrap();
    assert!(memory_hardened().unwrap());
    let s = Store::open(&d, "a long passphrase 1").unwrap();
    assert_eq!(s.meta_value("probe").unwrap().as_deref(), Some("before"));
    s.set_meta("probe", "after").unwrap();
    drop(s);
    let s = Store::open(&d, "a long passphrase 1").unwrap();
    assert_eq!(s.meta_value("probe").unwrap().as_deref(), Some("after"));
    assert!(memory_hardened().unwrap(), "it stays on");
}
