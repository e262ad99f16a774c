//! The classifier's commands: `musaid learn`, `musaid eval`, `musaid build-starter`.

use super::error::{CommandError, CommandResult, runtime};
use crate::config::Config;
use crate::learning::eval::{self, Method, Truth};
use crate::learning::{edge, mailfiles};
use crate::message::Envelope;
use crate::model::{hashing, starter};
use crate::store::{Learned, Store};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `musaid learn`: the messages under `paths` are of `category` (or forgotten).
pub fn learn(
    config: &Config,
    category: Option<&str>,
    forget: bool,
    mailbox: Option<&str>,
    json: bool,
    paths: &[PathBuf],
) -> CommandResult {
    if !config.classifier.learning {
        return Err(CommandError::Refused(
            "learning is turned off ([classifier] learning = false); nothing was learned".into(),
        ));
    }
    let label = match category {
        Some(c) if !forget => {
            match eval::Truth::parse_label(c).map_err(|error| CommandError::Option {
                option: "--category",
                error,
            })? {
                Truth::Is(c) => edge::Label::Is(c),
                Truth::Ham => edge::Label::Ham,
            }
        }
        _ => edge::Label::Forget,
    };
    let messages = if paths.iter().any(|p| p.as_os_str() == "-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|error| CommandError::Process {
                doing: "cannot read the message from standard input",
                error,
            })?;
        vec![mailfiles::MailFile {
            name: "-".into(),
            bytes,
        }]
    } else {
        mailfiles::read(paths)?
    };
    let rcpt: Vec<String> = mailbox.map(|m| vec![m.to_string()]).unwrap_or_default();
    let layer = edge::layer_for(config, mailbox);
    let runtime = runtime()?;
    let store = runtime.block_on(async { Store::open(&config.store) });
    let store_failed = |doing: &'static str| {
        let store = store.describe();
        move |error| CommandError::Store {
            store,
            doing,
            error,
        }
    };
    let key = runtime
        .block_on(store.model_key(edge::random_key()))
        .map_err(store_failed(" cannot be reached; nothing was learned"))?;
    let started = std::time::Instant::now();
    // Reading the messages is the work: shared out over the machine's cores, in order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = messages.len().div_ceil(threads).max(1);
    let lessons: Vec<edge::Draft> = std::thread::scope(|s| {
        let parts: Vec<_> = messages
            .chunks(chunk)
            .map(|part| {
                s.spawn(|| {
                    part.iter()
                        .map(|m| {
                            let envelope = Envelope::for_file(&m.bytes, None, &rcpt);
                            edge::lesson(config, key, &envelope, &m.bytes, &label, &layer)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().expect("a lesson thread panicked"))
            .collect()
    });
    let outcomes = runtime
        .block_on(edge::learn(&store, config, lessons))
        .map_err(store_failed(
            " failed; the lessons before the failure were kept",
        ))?;
    let elapsed = started.elapsed().as_secs_f64();
    let count = |f: fn(&Learned) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let summary = serde_json::json!({
        "layer": layer,
        "messages": outcomes.len(),
        "learned": count(|o| matches!(o, Learned::New)),
        "moved": count(|o| matches!(o, Learned::Moved(_))),
        "unchanged": count(|o| matches!(o, Learned::Unchanged)),
        "forgotten": count(|o| matches!(o, Learned::Forgotten(_))),
        "unknown": count(|o| matches!(o, Learned::Unknown)),
        "seconds": (elapsed * 1000.0).round() / 1000.0,
    });
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{summary}")?;
    } else {
        writeln!(
            out,
            "{} message(s) for layer {layer}: {} learned, {} moved from another category, {} already known, {} forgotten, {} not known ({:.2} s)",
            summary["messages"],
            summary["learned"],
            summary["moved"],
            summary["unchanged"],
            summary["forgotten"],
            summary["unknown"],
            elapsed
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `musaid eval`.
pub fn eval(
    config: &Config,
    labels: Option<&Path>,
    cross_validate: Option<usize>,
    split: Option<f64>,
    rcpt: &[String],
    json: bool,
    paths: &[PathBuf],
) -> CommandResult {
    let samples = eval::load(labels, paths)?;
    if samples.is_empty() {
        return Err(CommandError::Refused("no labelled messages found".into()));
    }
    let method = match (cross_validate, split) {
        (Some(k), _) if !(2..=samples.len()).contains(&k) => {
            return Err(CommandError::Refused(format!(
                "--cross-validate {k}: expected 2 to {} folds",
                samples.len()
            )));
        }
        (Some(k), _) => Method::CrossValidate(k),
        (None, Some(f)) if !(f > 0.0 && f < 1.0) => {
            return Err(CommandError::Refused(format!(
                "--split {f}: expected a fraction between 0 and 1"
            )));
        }
        (None, Some(f)) => Method::Split(f),
        (None, None) => Method::AsIs,
    };
    let model = match method {
        Method::AsIs => edge::for_command(config),
        _ => None,
    };
    let report = eval::evaluate(config, rcpt, &samples, method, model.as_ref());
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string(&report).expect("an evaluation serialises")
        )?;
    } else {
        write!(out, "{}", eval::render(&report))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `musaid build-starter`: the starter model file from labelled mail.
pub fn build_starter(
    config: &Config,
    out: &Path,
    labels: &[PathBuf],
    rcpt: &[String],
    min_messages: u32,
    paths: &[PathBuf],
) -> CommandResult {
    let mut samples = Vec::new();
    for l in labels {
        samples.extend(eval::load(Some(l), &[])?);
    }
    if !paths.is_empty() {
        samples.extend(eval::load(None, paths)?);
    }
    if samples.is_empty() {
        return Err(CommandError::Refused("no labelled messages given".into()));
    }
    let mut lessons = Vec::with_capacity(samples.len());
    for s in &samples {
        let envelope = Envelope::for_file(&s.bytes, None, rcpt);
        let mut sink = hashing::Named::default();
        let read = edge::read(config, &envelope, &s.bytes, &mut sink);
        let category = match &s.truth {
            Truth::Is(c) => Some(c),
            Truth::Ham => None,
        };
        lessons.push((edge::class_for(category, &read), sink.finish()));
    }
    let layer = starter::TextLayer::learn(&lessons, min_messages);
    let comment = format!(
        "musaid starter model, format 2 (weights): {} messages, {} features (seen in at least {min_messages} messages).\nBuilt by scripts/build-starter-model.sh; do not edit by hand.",
        samples.len(),
        layer.tokens.len()
    );
    std::fs::write(out, layer.render(&comment)).map_err(|error| CommandError::File {
        doing: "write",
        path: out.to_path_buf(),
        error,
    })?;
    println!(
        "{}: {} messages, {} features",
        out.display(),
        samples.len(),
        layer.tokens.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `musaid sieve --learn`: writes the learning scripts and `musaid-learn` into `dir`, prints
/// the Dovecot settings.
pub fn sieve_learn(config: &Config, dir: &Path, config_path: Option<&Path>) -> CommandResult {
    use std::os::unix::fs::PermissionsExt;
    if config.folders.is_empty() {
        return Err(CommandError::Refused(
            "[folders] names no category folder: there is nothing to learn from".into(),
        ));
    }
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let binary = std::env::current_exe().map_err(|error| CommandError::Process {
        doing: "cannot tell where this musaid binary is",
        error,
    })?;
    let config_path = config_path.map(absolute);
    let learning =
        crate::learning::imapsieve::render(config, &absolute(dir), &binary, config_path.as_deref());
    let file_error = |doing, path: &Path| {
        let path = path.to_path_buf();
        move |error| CommandError::File { doing, path, error }
    };
    std::fs::create_dir_all(dir).map_err(file_error("create", dir))?;
    for f in &learning.files {
        let path = dir.join(&f.name);
        std::fs::write(&path, &f.content).map_err(file_error("write", &path))?;
        let mode = if f.executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .map_err(file_error("set the mode of", &path))?;
        eprintln!("wrote {}", path.display());
    }
    eprintln!("compile the scripts with: sievec {}", dir.display());
    print!("{}", learning.settings);
    Ok(ExitCode::SUCCESS)
}
