//! Log analysis throughput in MB/s (MB = 1e6 bytes), on one thread, over a
//! large access log built from the real fixtures (the same bytes
//! `scripts/bench-iocextract` gives Python, written to
//! `target/logs-bench-access.log`).
//!
//! `cargo bench --bench logs` (FEDISEC_BENCH_MB, default 200;
//! FEDISEC_BENCH_RUNS, default 5).

use fedisec::logs::analyze::Analyzer;
use fedisec::logs::signature::Signature;
use std::hint::black_box;
use std::time::Instant;

const FIXTURES: [&str; 2] = ["otus_nginx_access-4560-644067.log", "elastic_examples_apache_logs_combined.log"];

fn env_or(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(s) => s.parse().unwrap_or_else(|e| panic!("{name}={s:?} is not a whole number: {e}")),
        Err(_) => default,
    }
}

/// The fixtures, each ending with a newline, repeated until at least `mb` MB.
fn build(mb: usize) -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logs");
    let mut block = Vec::new();
    for name in FIXTURES {
        let path = format!("{dir}/{name}");
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read fixture {path}: {e}"));
        block.extend_from_slice(&bytes);
        if !block.ends_with(b"\n") {
            block.push(b'\n');
        }
    }
    let want = mb * 1_000_000;
    let mut buf = Vec::with_capacity(want + block.len());
    while buf.len() < want {
        buf.extend_from_slice(&block);
    }
    buf
}

fn main() {
    let mb = env_or("FEDISEC_BENCH_MB", 200);
    let runs = env_or("FEDISEC_BENCH_RUNS", 5).max(1);
    let buf = build(mb);
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/target/logs-bench-access.log");
    std::fs::write(out, &buf).unwrap_or_else(|e| panic!("cannot write {out}: {e}"));
    let size = buf.len() as f64 / 1e6;
    println!("logs: {size:.1} MB access log ({out}), 1 warm-up + {runs} timed runs, one thread");

    let tally = black_box(Analyzer::run(black_box(&buf)));
    let mut secs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let t = black_box(Analyzer::run(black_box(&buf)));
        secs.push(start.elapsed().as_secs_f64());
        drop(t);
    }
    secs.sort_by(f64::total_cmp);
    let best = secs[0];
    let median = secs[secs.len() / 2];
    println!(
        "Analyzer::run: best {:.1} MB/s ({best:.3} s), median {:.1} MB/s ({median:.3} s)",
        size / best,
        size / median
    );
    println!("lines/s: best {:.0}, median {:.0}", tally.lines as f64 / best, tally.lines as f64 / median);
    let wordpress = tally.signatures.get(&Signature::WordPress).copied().unwrap_or(0);
    println!("sanity: {} lines, {wordpress} WordPress signature hits", tally.lines);
}
