//! What the learned model costs: CPU per message with and without it (the baseline measured
//! in the same run), the memory of a model after 100,000 learned messages, and how fast
//! lessons are taken. Prints one JSON object; `bench/run.sh` runs it.
//!
//!     cargo run --release --example model_bench -- MESSAGE.eml [ITERATIONS] [LEARNED]
//!
//! 1. CPU: the message is classified ITERATIONS times (default 20,000) by the weight table
//!    alone and by table and starter model, alternating in blocks so that both see the same
//!    machine; the difference per message is what the model adds.
//! 2. Memory: LEARNED (default 100,000) lessons are learned into one layer in batches of
//!    500 (as `musaid learn` trains them), each with 150
//!    features drawn from a Zipf-like vocabulary of two million (what business mail looks
//!    like: a few thousand common words, a long tail of names and numbers), pruned to the
//!    default `[classifier] max_features`; the layer's table size is reported, and the
//!    process's peak resident memory.
//! 3. Learning: lessons per second into the in-memory layer (the store's own speed is
//!    measured by `musaid learn` in bench/run.sh).

use musaid::cli::classify_bytes;
use musaid::config::{self, Overrides};
use musaid::message::Envelope;
use musaid::model::linear::{self, CLASSES, Example, Layer};
use std::time::Instant;

fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: initialised by the call above.
    let u = unsafe { usage.assume_init() };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A small deterministic generator (xorshift), so every run learns the same lessons.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Zipf-like: the rank is vocabulary^u for u uniform in [0, 1).
    fn zipf(&mut self, vocabulary: f64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        vocabulary.powf(u) as u64
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let message = std::fs::read(
        args.get(1)
            .expect("usage: model_bench MESSAGE [N] [LEARNED]"),
    )
    .expect("read the message");
    let iterations: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let learned: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let cfg = config::from_str(
        "[[mailbox]]\naddress = \"ceo@example.com\"\n",
        "bench.toml",
        &Overrides::default(),
    )
    .unwrap();
    let env = Envelope::for_file(&message, None, &["ceo@example.com".to_string()]);
    let model = musaid::learning::edge::starter_only(&cfg, [9; 16]);

    // 1. CPU per message, with and without the model, in alternating blocks.
    let block = (iterations / 10).max(1);
    let (mut without, mut with) = (0.0, 0.0);
    for _ in 0..10 {
        let t = cpu_seconds();
        for _ in 0..block {
            std::hint::black_box(classify_bytes(&cfg, &env, None, String::new(), &message));
        }
        without += cpu_seconds() - t;
        let t = cpu_seconds();
        for _ in 0..block {
            std::hint::black_box(classify_bytes(
                &cfg,
                &env,
                Some(&model),
                String::new(),
                &message,
            ));
        }
        with += cpu_seconds() - t;
    }
    let n = (block * 10) as f64;
    let us_without = without / n * 1e6;
    let us_with = with / n * 1e6;

    // 2 and 3. A layer after `learned` lessons.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut layer = Layer::default();
    let max = cfg.classifier.max_features;
    let started = Instant::now();
    let mut done = 0;
    while done < learned {
        // Trained in batches against the layer so far, as `musaid learn` does.
        let batch: Vec<(usize, Vec<u64>)> = (done..learned.min(done + 500))
            .map(|i| {
                let mut features: Vec<u64> = (0..150).map(|_| rng.zipf(2_000_000.0) + 1).collect();
                features.sort_unstable();
                features.dedup();
                (i % CLASSES.len(), features)
            })
            .collect();
        done += batch.len();
        let examples = Example::all_of(&batch);
        for (e, change) in examples.iter().zip(linear::train(&[&layer], &examples)) {
            layer.absorb(&change);
            layer.count(e.class.expect("every lesson has a class"), true);
        }
        // Pruned as the store prunes after each `musaid learn` batch.
        if layer.tokens.len() > max + max / 4 {
            layer.prune(max);
        }
    }
    layer.prune(max);
    let learn_per_s = learned as f64 / started.elapsed().as_secs_f64();

    println!(
        "{}",
        serde_json::json!({
            "message_bytes": message.len(),
            "iterations": n,
            "classify_us_without_model": (us_without * 10.0).round() / 10.0,
            "classify_us_with_model": (us_with * 10.0).round() / 10.0,
            "model_adds_us": ((us_with - us_without) * 10.0).round() / 10.0,
            "ratio_with_to_without": ((us_with / us_without) * 100.0).round() / 100.0,
            "starter_features": model.base.tokens.len(),
            "starter_mb": (model.memory_bytes() as f64 / 1e6 * 10.0).round() / 10.0,
            "learned_messages": learned,
            "learned_features_kept": layer.tokens.len(),
            "learned_layer_mb": (layer.memory_bytes() as f64 / 1e6 * 10.0).round() / 10.0,
            "peak_rss_mb": (peak_rss_mb() * 10.0).round() / 10.0,
            "lessons_per_s_in_memory": learn_per_s.round(),
        })
    );
}
