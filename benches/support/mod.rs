//! What the generated-repository benchmarks share.

use git2::{Oid, Repository};

/// The generated plan (the plan and Rego benchmarks).
#[allow(dead_code)]
pub mod plan;

/// Packs every object reachable from `head`, as a clone or CI checkout has them (libgit2 reads
/// packs first).
#[allow(dead_code)]
pub fn pack(repo: &Repository, head: Oid) {
    let mut walk = repo.revwalk().expect("walk");
    walk.push(head).expect("push");
    let mut pb = repo.packbuilder().expect("packbuilder");
    pb.insert_walk(&mut walk).expect("insert walk");
    let pack_dir = repo.path().join("objects/pack");
    let mut indexer = git2::Indexer::new(None, &pack_dir, 0o644, true).expect("indexer");
    pb.foreach(|chunk| std::io::Write::write_all(&mut indexer, chunk).is_ok())
        .expect("pack");
    indexer.commit().expect("index pack");
}
