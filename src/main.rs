//! The `musaid` binary: parse the command line, load the configuration, run.

use clap::Parser;
use musaid::cli::{self, Cli, Command};
use musaid::config::model::LogFormat;
use musaid::milter;
use musaid::runtime::ConfigSource;
use std::io::Write;
use std::process::ExitCode;

/// mimalloc rather than the C library's allocator: musaid makes many small, short-lived
/// allocations per message (parsed headers, words, counters), which glibc's malloc served at
/// about an eighth of the milter's CPU (BENCHMARKS.md, "Against the floor").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's defaults suit a long-running server poorly on a machine with transparent huge
/// pages always on (Debian's default): its regions are backed by 2 MB pages and freed memory
/// is kept for a second, and after a burst of large messages at 100 connections the milter
/// held 110 MB against glibc's 41. Huge pages are turned off for the process and freed memory
/// returned at once: 45 MB, at the same CPU per message. (mimalloc reads its own switch for
/// huge pages before `main`; the prctl is what it would call. The purge delay is mimalloc
/// 3's option 15 in `mi_option_e`, include/mimalloc.h, which the bindings do not name.)
fn tune_allocator() {
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: both are allowed at any time; called before any other thread exists.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    // A command whose output is cut short by a closed pipe (`musaid stats | head -1`) ends
    // quietly, as any Unix tool does, instead of panicking in println!. Commands that send
    // mail keep ignoring SIGPIPE (Rust's default): `serve`, and `report` unless it only
    // renders (`--format`). Killed by a relay closing its socket after accepting a digest,
    // `report` would not record it sent, and the next run would send it again.
    let sends_mail = match &cli.command {
        Command::Serve => true,
        Command::Report { format, .. } => format.is_none(),
        _ => false,
    };
    if !sends_mail {
        // SAFETY: at the start of main, before any thread exists; SIG_DFL is a valid handler.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    // A panic inside the handling of one message is caught and the message delivered; the
    // hook only makes sure it is logged once, through the same log as everything else.
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(%info, "internal error caught; processing continues");
    }));
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("musaid: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Logs to standard error: colour only on a terminal and without `NO_COLOR`, so journald
/// and files get plain text; `[log] format = "json"` writes one JSON object a line.
fn init_logging(level: &str, format: LogFormat) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("MUSAID_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("warn,musaid={level}")));
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Completions { shell } => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            cli::completions(*shell, &mut out);
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckConfig { file } => {
            init_logging("warn", LogFormat::Text);
            let path = file.clone().unwrap_or_else(|| cli.config_path().0);
            let ok = cli::check_config(&path, &mut std::io::stdout(), &mut std::io::stderr());
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Serve => {
            let (path, config) = cli.load_config()?;
            init_logging(&config.log_level, config.log_format);
            if path.is_none() {
                tracing::warn!(
                    "no configuration file at {}; using built-in defaults",
                    musaid::config::DEFAULT_PATH
                );
            }
            let source = ConfigSource {
                path,
                overrides: cli.overrides(),
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(config.milter.worker_threads)
                .enable_all()
                .build()?;
            runtime.block_on(milter::serve(source, config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Classify {
            json,
            summary,
            from,
            rcpt,
            paths,
        } => {
            let (_, config) = cli.load_config()?;
            let model = musaid::learning::edge::for_command(&config);
            let output = match (*summary, *json) {
                (false, false) => cli::classify::Output::Lines,
                (false, true) => cli::classify::Output::Json,
                (true, false) => cli::classify::Output::Summary,
                (true, true) => cli::classify::Output::SummaryJson,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let unreadable = cli::classify::run(
                &config,
                from.as_deref(),
                rcpt,
                model.as_ref(),
                paths,
                output,
                &mut out,
            )?;
            out.flush()?;
            Ok(if unreadable == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Store {
            action: cli::StoreAction::Check,
        } => {
            let (_, config) = cli.load_config()?;
            init_logging("error", config.log_format);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let store = runtime.block_on(async { musaid::store::Store::open(&config.store) });
            let describe = store.describe();
            match runtime.block_on(store.check()) {
                Ok(info) => {
                    println!("store:    {}", info.location);
                    println!("backend:  {} {}", info.backend, info.version);
                    println!("mode:     {}", info.mode);
                    println!("latency:  {:.2} ms", info.latency_ms);
                    println!("keys:     {}", info.keys);
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("musaid: cannot use the store {describe}: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Blackhole { action } => {
            let (_, config) = cli.load_config()?;
            init_logging("error", config.log_format);
            Ok(musaid::cli::admin::blackhole(&config, action)?)
        }
        Command::Unsubscribe {
            mailbox,
            list,
            dry_run,
        } => {
            let (_, config) = cli.load_config()?;
            init_logging("error", config.log_format);
            Ok(musaid::cli::admin::unsubscribe(
                &config, mailbox, list, *dry_run,
            )?)
        }
        Command::Lists { mailbox, json } => {
            let (_, config) = cli.load_config()?;
            init_logging("error", config.log_format);
            Ok(musaid::cli::admin::lists(&config, mailbox, *json)?)
        }
        Command::Learn {
            category,
            forget,
            mailbox,
            json,
            paths,
        } => {
            let (_, config) = cli.load_config()?;
            init_logging("warn", config.log_format);
            Ok(cli::learn::learn(
                &config,
                category.as_deref(),
                *forget,
                mailbox.as_deref(),
                *json,
                paths,
            )?)
        }
        Command::Eval {
            labels,
            cross_validate,
            split,
            rcpt,
            json,
            paths,
        } => {
            let (_, config) = cli.load_config()?;
            init_logging("error", config.log_format);
            Ok(cli::learn::eval(
                &config,
                labels.as_deref(),
                *cross_validate,
                *split,
                rcpt,
                *json,
                paths,
            )?)
        }
        Command::BuildStarter {
            out,
            labels,
            rcpt,
            min_messages,
            paths,
        } => {
            let (_, config) = cli.load_config()?;
            init_logging("error", config.log_format);
            Ok(cli::learn::build_starter(
                &config,
                out,
                labels,
                rcpt,
                *min_messages,
                paths,
            )?)
        }
        Command::Sieve {
            mailbox,
            learn: false,
            ..
        } => {
            let (_, config) = cli.load_config()?;
            Ok(musaid::cli::admin::sieve(&config, mailbox.as_deref())?)
        }
        Command::Sieve { dir, .. } => {
            let (path, config) = cli.load_config()?;
            Ok(cli::learn::sieve_learn(&config, dir, path.as_deref())?)
        }
        Command::Calendar { action } => {
            let (_, config) = cli.load_config()?;
            init_logging("error", config.log_format);
            Ok(musaid::cli::admin::calendar(&config, action)?)
        }
        Command::Report {
            period,
            date,
            mailbox,
            all: _,
            dry_run,
            format,
            out,
        } => {
            let (_, config) = cli.load_config()?;
            let opts = musaid::report::Options {
                kind: musaid::report::period::Kind::parse(period).map_err(anyhow::Error::msg)?,
                date: *date,
                mailbox: mailbox.clone(),
                dry_run: *dry_run,
                format: format
                    .as_deref()
                    .map(musaid::report::Format::parse)
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
                out: out.clone(),
            };
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let done = runtime.block_on(async {
                let store = musaid::store::Store::open(&config.store);
                musaid::report::run(&store, &config, &opts, chrono::Utc::now()).await
            })?;
            let mut failed = false;
            for d in &done {
                use musaid::report::DigestResult;
                let what = match &d.outcome {
                    DigestResult::Sent { to } => format!("sent to {}", to.join(", ")),
                    DigestResult::Written(paths) => format!(
                        "written: {}",
                        paths
                            .iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    DigestResult::Printed => continue,
                    DigestResult::AlreadySent => "already sent: nothing to do".into(),
                    DigestResult::Busy => "being sent by another run: skipped".into(),
                    DigestResult::Empty => "nothing happened in the period: not sent".into(),
                    DigestResult::NoRecipient => {
                        "no recipient ([report] administrators is empty): not sent".into()
                    }
                    DigestResult::Failed(e) => {
                        failed = true;
                        format!("FAILED: {e} (the next run tries again)")
                    }
                };
                let scope = if d.scope == "*" {
                    "organisation"
                } else {
                    &d.scope
                };
                eprintln!("report {} {scope}: {what}", d.period);
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Stats {
            mailbox,
            days,
            json,
            raw,
        } => {
            let (_, config) = cli.load_config()?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let code = cli::stats::run(&config, mailbox.as_deref(), *days, *json, *raw, &mut out)?;
            out.flush()?;
            Ok(code)
        }
    }
}
