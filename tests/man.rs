//! The committed man pages under man/ must be what the command line generates now.
//! `UPDATE_MAN=1 cargo test man` rewrites them.

use imcache::man::pages;

use crate::harness::Imcache;

#[test]
fn committed_man_pages_match_the_command_line() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let update = std::env::var_os("UPDATE_MAN").is_some();
    let fresh = pages();
    let mut stale = Vec::new();
    if update {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    for (name, text) in &fresh {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let mut committed: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    committed.sort();
    let mut expected: Vec<String> = fresh.iter().map(|(name, _)| name.clone()).collect();
    expected.sort();
    assert!(
        stale.is_empty() && committed == expected,
        "man pages are out of date: {stale:?} (committed {committed:?}, expected {expected:?}); \
         run `UPDATE_MAN=1 cargo test man`"
    );
}

#[test]
fn the_man_command_prints_the_pages() {
    let run = Imcache::new().args(["man", "verify"]).run().success();
    let (_, verify) = pages()
        .into_iter()
        .find(|(name, _)| name == "imcache-verify.1")
        .unwrap();
    assert_eq!(run.stdout, verify);
    assert!(run.stdout.contains("health\\-url"), "{}", run.stdout);
    assert!(run.stdout.contains("Exit codes"), "{}", run.stdout);
    Imcache::new()
        .args(["man", "frobnicate"])
        .run()
        .code(2)
        .stderr_has("no command 'frobnicate'");
}
