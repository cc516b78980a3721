//! Feed throughput: parse + normalise + filter + dedupe, in items per second,
//! over the real fixture files (the same bytes `scripts/bench-feedparser`
//! gives Python's feedparser).
//!
//! `cargo bench --bench feeds` (FEDISEC_BENCH_SECONDS, default 5).

use fedisec::feeds::ingest::{Ingest, Policy};
use fedisec::feeds::watch::{Matcher, Watch};
use fedisec::store::Store;
use std::time::{Duration, Instant};

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feeds");
    let mut out = Vec::new();
    for kind in ["atom", "json", "jvn", "rss"] {
        let Ok(entries) = std::fs::read_dir(format!("{dir}/{kind}")) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Ok(bytes) = std::fs::read(e.path())
                && fedisec::feeds::parse(&name, &bytes).is_ok()
            {
                out.push((name, bytes));
            }
        }
    }
    out.sort();
    // The same list for `scripts/bench-feedparser`.
    let list: Vec<String> = out.iter().map(|(n, _)| n.clone()).collect();
    let _ = std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/target/feeds-bench-files.txt"), list.join("\n"));
    out
}

fn main() {
    let seconds: u64 = std::env::var("FEDISEC_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let files = fixtures();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let store = Store::temporary().expect("temporary store");
    let ingest = Ingest::open(&store).expect("ingest");
    let watch = Matcher::new(&Watch::default());
    let policy = Policy { watch: &watch, filter: true, min_cvss: Some(4.0), backfill: 0 };
    // FEDISEC_BENCH_MODE: "all" (default), "parse" (no filter or dedupe), or
    // "feed-rs" (the generic parser alone), to see where time goes.
    let mode = std::env::var("FEDISEC_BENCH_MODE").unwrap_or_else(|_| "all".into());
    let (mut items, mut rounds, mut posts) = (0usize, 0usize, 0usize);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        for (name, b) in &files {
            if mode == "jvn" {
                items += fedisec::feeds::jvn::items(b).map(|i| i.len()).unwrap_or(0);
                continue;
            }
            if mode == "feed-rs" {
                items += feed_rs::parser::parse(b.as_slice()).map(|f| f.entries.len()).unwrap_or(0);
                continue;
            }
            let advisories = fedisec::feeds::parse(name, b).expect("parses");
            if mode == "parse" {
                items += advisories.len();
                continue;
            }
            items += advisories.len();
            let plan = ingest.plan(name, &advisories, true, &policy).expect("plan");
            posts += plan.posts.len();
        }
        rounds += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "[{mode}] {} files, {} KiB, {} items per round; {rounds} rounds in {secs:.1} s: {:.0} items/s, {:.1} MiB/s ({} posts planned)",
        files.len(),
        bytes / 1024,
        items / rounds.max(1),
        items as f64 / secs,
        (bytes * rounds) as f64 / secs / 1024.0 / 1024.0,
        posts / rounds.max(1)
    );
}
