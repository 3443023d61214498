//! Message snapshots: the rendered diagnostics of a build that must fail, compared with a
//! file under `tests/snapshots/` (`APPARAT_UPDATE_SNAPSHOTS=1` writes it).
#![allow(dead_code)]

use std::path::Path;

/// The rendered diagnostics of the failed build of `dir`, with the folder's path taken out.
pub fn build_error(name: &str, dir: &Path) -> String {
    let Err(e) = apparat::build(dir, &Default::default()) else {
        panic!("`{name}` built");
    };
    e.render(false).replace(&dir.display().to_string(), "DIR")
}

/// Compare `got` with `tests/snapshots/FOLDER/NAME.txt`.
pub fn check(folder: &str, name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(folder)
        .join(format!("{name}.txt"));
    if std::env::var_os("APPARAT_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with APPARAT_UPDATE_SNAPSHOTS=1\n{got}",
            path.display()
        )
    });
    assert_eq!(got, want, "snapshot {name}");
}
