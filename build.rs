//! Records the commit the binary is built from, for `changegate --version` (`0.1.0 (abc123def456)`).
//! Outside a git checkout (a crate from the registry) the version stands alone.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CHANGEGATE_BUILD_COMMIT");
    let commit = std::env::var("CHANGEGATE_BUILD_COMMIT").ok().or_else(|| {
        let out = Command::new("git")
            .args(["rev-parse", "--short=12", "HEAD"])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .filter(|c| !c.is_empty())
    });
    // Rebuild when HEAD moves (the branch ref it points at, or a detached HEAD).
    if let Ok(out) = Command::new("git")
        .args(["rev-parse", "--git-dir"])
        .output()
        && out.status.success()
    {
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        println!("cargo:rerun-if-changed={dir}/HEAD");
        if let Ok(head) = std::fs::read_to_string(format!("{dir}/HEAD"))
            && let Some(r) = head.strip_prefix("ref: ")
        {
            println!("cargo:rerun-if-changed={dir}/{}", r.trim());
        }
    }
    let version = match commit {
        Some(c) => format!("{} ({c})", env!("CARGO_PKG_VERSION")),
        None => env!("CARGO_PKG_VERSION").to_string(),
    };
    println!("cargo:rustc-env=CHANGEGATE_LONG_VERSION={version}");
}
