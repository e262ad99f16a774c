//! The command line: `musaid [OPTIONS] <COMMAND>`.
//!
//! Options that override the configuration file (`--config`, `--listen`, `--store`,
//! `--log-level`) are accepted before or after the command.

pub mod admin;
pub mod classify;
pub mod error;
pub mod learn;
pub mod stats;

pub use classify::{CalendarReport, ClassifyReport, classify_bytes, format_report};

use crate::config::{self, Config, ConfigErrors, Overrides};
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "musaid",
    version,
    about = "A virtual email assistant that runs inside the mail server (milter)"
)]
pub struct Cli {
    /// Configuration file [default: /etc/musaid/musaid.toml]
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Milter socket, overriding [milter] listen: inet:HOST:PORT or unix:PATH
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Store URL, overriding [store] url: sqlite:PATH, redis://HOST:PORT/DB,
    /// redis+sentinel://HOST:PORT/MASTER or redis+cluster://HOST:PORT,HOST:PORT
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    /// Log level, overriding [log] level: error, warn, info, debug, trace
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the milter
    Serve,
    /// Validate a configuration file and print every problem with file, line, column and key
    CheckConfig {
        /// File to check [default: --config, or /etc/musaid/musaid.toml]
        file: Option<PathBuf>,
    },
    /// Print a shell completion script (bash: save as
    /// /usr/share/bash-completion/completions/musaid)
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Show what musaid would do with messages, without touching the store or sending anything
    Classify {
        /// One JSON object per message (with --summary, one object of counts)
        #[arg(long)]
        json: bool,
        /// Envelope sender (MAIL FROM) to assume
        #[arg(long, value_name = "ADDR")]
        from: Option<String>,
        /// Envelope recipient (RCPT TO) to assume; repeatable
        #[arg(long, value_name = "ADDR")]
        rcpt: Vec<String>,
        /// Counts per category, direction, reason and action instead of a line per message
        #[arg(long)]
        summary: bool,
        /// Messages: files (RFC 5322), directories (every message under them, Maildir cur/
        /// and new/ included) and mbox files
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Reach the configured store and describe it: backend, version, mode, latency, keys
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
    /// What musaid did per mailbox lately (mail received by category, replies, response
    /// times, acknowledgements, escalations), from the store's counters
    Stats {
        /// Only this mailbox (`*` is the whole organisation)
        #[arg(long, value_name = "ADDR")]
        mailbox: Option<String>,
        /// Number of days back from today
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// One JSON object per line (per mailbox; with --raw, per counter)
        #[arg(long)]
        json: bool,
        /// The counters themselves (day, mailbox, category, metric, count), not the summary
        #[arg(long)]
        raw: bool,
    },
    /// Black holes of a mailbox: mail from these senders, domains or lists is filed to the
    /// black-hole folder for a grace period, then dropped
    Blackhole {
        #[command(subcommand)]
        action: BlackholeAction,
    },
    /// Unsubscribe a mailbox from a list it receives (RFC 8058 one-click, or mailto)
    Unsubscribe {
        /// The mailbox
        mailbox: String,
        /// The list: its List-Id, or the sender's domain (see `musaid lists`)
        list: String,
        /// Say what would be done, do nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// The newsletters and promotions a mailbox receives, as musaid remembers them
    Lists {
        /// The mailbox (a configured [[mailbox]] address)
        mailbox: String,
        /// One JSON object per line
        #[arg(long)]
        json: bool,
    },
    /// Print a Sieve script that files mail by X-Musaid-Folder (and drafts into Drafts);
    /// with --learn, write the Dovecot IMAPSieve scripts that teach musaid from readers' moves
    /// and print the Dovecot settings that run them
    Sieve {
        /// Name this mailbox in the script's comment
        mailbox: Option<String>,
        /// Write the learning scripts and the musaid-learn program instead
        #[arg(long)]
        learn: bool,
        /// Where the learning scripts go (Dovecot's sieve_pipe_bin_dir)
        #[arg(
            long,
            value_name = "DIR",
            default_value = "/etc/dovecot/musaid",
            requires = "learn"
        )]
        dir: PathBuf,
    },
    /// Teach the classifier that messages are of a category (like `sa-learn`): files,
    /// directories, mbox files and Maildirs; `-` reads one message from standard input
    Learn {
        /// The category the messages are of (`spam` is junk; `ham` is "not spam")
        #[arg(long, value_name = "CATEGORY", required_unless_present = "forget")]
        category: Option<String>,
        /// Forget what was learned from these messages
        #[arg(long, conflicts_with = "category")]
        forget: bool,
        /// The mailbox whose readers teach (its own layer, with `[classifier] mailbox_layers`)
        #[arg(long, value_name = "ADDR")]
        mailbox: Option<String>,
        /// One JSON summary line
        #[arg(long)]
        json: bool,
        /// Messages: files, directories (Maildirs too), mbox files, or - for one message on
        /// standard input
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Measure sorting on labelled mail: precision, recall, F1, macro-F1 per language,
    /// the confusion matrix
    Eval {
        /// A labels file (JSON: file name → category, or → {category, language})
        #[arg(long, value_name = "FILE")]
        labels: Option<PathBuf>,
        /// Learn and test on K folds, from nothing (no starter model, no store)
        #[arg(long, value_name = "K", conflicts_with = "split")]
        cross_validate: Option<usize>,
        /// Learn from this fraction of each label (0 to 1), test on the rest
        #[arg(long, value_name = "FRACTION")]
        split: Option<f64>,
        /// Envelope recipient to assume; repeatable
        #[arg(long, value_name = "ADDR")]
        rcpt: Vec<String>,
        /// The report as JSON
        #[arg(long)]
        json: bool,
        /// Folders with one sub-folder per category (when no --labels)
        #[arg(value_name = "DIR", required_unless_present = "labels")]
        paths: Vec<PathBuf>,
    },
    /// Build the starter model file from labelled mail (see scripts/build-starter-model.sh)
    BuildStarter {
        /// Where to write it
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A labels file, as for `eval`; repeatable
        #[arg(long, value_name = "FILE")]
        labels: Vec<PathBuf>,
        /// Envelope recipient to assume; repeatable
        #[arg(long, value_name = "ADDR")]
        rcpt: Vec<String>,
        /// Features seen in fewer messages are left out
        #[arg(long, default_value_t = 2)]
        min_messages: u32,
        /// Folders with one sub-folder per category
        #[arg(value_name = "DIR")]
        paths: Vec<PathBuf>,
    },
    /// The owner's calendar: import busy time, list it, find free slots
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// Send the digests: per mailbox, and the organisation report to [report] administrators
    Report {
        /// day, week (ISO, Monday to Sunday) or month
        #[arg(long, default_value = "week", value_parser = ["day", "week", "month"])]
        period: String,
        /// The period containing this date (YYYY-MM-DD) [default: the last complete one]
        #[arg(long = "for", value_name = "DATE")]
        date: Option<chrono::NaiveDate>,
        /// Only this mailbox's digest (`*`: only the organisation report)
        #[arg(long, value_name = "ADDR", conflicts_with = "all")]
        mailbox: Option<String>,
        /// Every mailbox and the organisation report (the default)
        #[arg(long)]
        all: bool,
        /// Write each digest as an .eml file (in --out, default the current directory) instead
        /// of sending it
        #[arg(long)]
        dry_run: bool,
        /// Write only this rendering (to --out, or standard output); nothing is sent
        #[arg(long, value_parser = ["text", "html", "json"])]
        format: Option<String>,
        /// Directory for written files
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarAction {
    /// Import an .ics file's events as busy time (CANCELLED events are removed)
    Import {
        /// The mailbox whose owner's calendar it is
        mailbox: String,
        /// An iCalendar file (.ics), e.g. exported from the owner's calendar
        file: PathBuf,
    },
    /// List the calendar's busy time
    List {
        /// The mailbox whose owner's calendar it is
        mailbox: String,
        /// From this date [default: today]
        #[arg(long, value_name = "DATE")]
        from: Option<chrono::NaiveDate>,
        /// To this date, included [default: 14 days after --from]
        #[arg(long, value_name = "DATE")]
        to: Option<chrono::NaiveDate>,
    },
    /// Free time inside working hours on one day
    Free {
        /// The mailbox whose owner's calendar it is
        mailbox: String,
        /// The day to look at (YYYY-MM-DD), in the owner's time zone
        #[arg(long, value_name = "DATE")]
        date: chrono::NaiveDate,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlackholeAction {
    /// Add a sender address, a domain or a List-Id
    Add {
        /// The mailbox
        mailbox: String,
        /// A sender address (a@b.example), a domain (b.example) or a List-Id
        entry: String,
    },
    /// Remove one
    Remove {
        /// The mailbox
        mailbox: String,
        /// The address, domain or List-Id as added
        entry: String,
    },
    /// List a mailbox's black holes with the date each was added
    List {
        /// The mailbox
        mailbox: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreAction {
    /// Connect, print what the store is, exit non-zero when it cannot be reached
    Check,
}

impl Cli {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            listen: self.listen.clone(),
            store: self.store.clone(),
            log_level: self.log_level.clone(),
        }
    }

    /// The configuration file to use and whether the user named it.
    pub fn config_path(&self) -> (PathBuf, bool) {
        match &self.config {
            Some(p) => (p.clone(), true),
            None => (PathBuf::from(config::DEFAULT_PATH), false),
        }
    }

    /// Loads the configuration: the named file (must exist), else the default file if it
    /// exists, else built-in defaults.
    pub fn load_config(&self) -> Result<(Option<PathBuf>, Config), ConfigErrors> {
        let (path, named) = self.config_path();
        if named || path.exists() {
            config::load(&path, &self.overrides()).map(|c| (Some(path), c))
        } else {
            config::defaults(&self.overrides()).map(|c| (None, c))
        }
    }
}

/// `musaid completions SHELL`: the completion script for `shell`, from the same definition
/// of the command line that parses it.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    use clap::CommandFactory;
    clap_complete::generate(shell, &mut Cli::command(), "musaid", out);
}

/// `musaid check-config`: prints `configuration OK: FILE` or every error; true if OK.
pub fn check_config(file: &std::path::Path, out: &mut dyn Write, err: &mut dyn Write) -> bool {
    match config::load(file, &Overrides::default()) {
        Ok(c) => {
            let _ = writeln!(
                out,
                "configuration OK: {} ({} mailboxes, {} rules)",
                file.display(),
                c.mailboxes.len(),
                c.rules.len()
            );
            true
        }
        Err(errors) => {
            for e in &errors.0 {
                let _ = writeln!(err, "{}", e.render());
            }
            let n = errors.0.len();
            let noun = if n == 1 { "error" } else { "errors" };
            let _ = writeln!(err, "{}: {n} {noun}", file.display());
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_are_accepted_before_and_after_the_command() {
        let a = Cli::try_parse_from([
            "musaid",
            "--listen",
            "unix:/tmp/a.sock",
            "serve",
            "--store",
            "sqlite:/tmp/a.db",
            "--log-level",
            "debug",
        ])
        .unwrap();
        let o = a.overrides();
        assert_eq!(o.listen.as_deref(), Some("unix:/tmp/a.sock"));
        assert_eq!(o.store.as_deref(), Some("sqlite:/tmp/a.db"));
        assert_eq!(o.log_level.as_deref(), Some("debug"));
        assert!(matches!(a.command, Command::Serve));
    }

    #[test]
    fn every_command_and_argument_has_help() {
        use clap::CommandFactory;
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} <{id}>"));
                }
            }
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                if sub.get_name() != "help" && sub.get_about().is_none() {
                    missing.push(name.clone());
                }
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "musaid", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }

    #[test]
    fn classify_takes_envelope_options() {
        let a = Cli::try_parse_from([
            "musaid", "classify", "--json", "--from", "a@b", "--rcpt", "c@d", "--rcpt", "e@f",
            "x.eml", "y.eml",
        ])
        .unwrap();
        match a.command {
            Command::Classify {
                json,
                summary,
                from,
                rcpt,
                paths,
            } => {
                assert!(json);
                assert!(!summary);
                assert_eq!(from.as_deref(), Some("a@b"));
                assert_eq!(rcpt, vec!["c@d", "e@f"]);
                assert_eq!(paths.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            Cli::try_parse_from(["musaid", "classify"]).is_err(),
            "files are required"
        );
    }

    #[test]
    fn a_named_config_file_must_exist() {
        let a = Cli::try_parse_from(["musaid", "--config", "/nonexistent/musaid.toml", "serve"])
            .unwrap();
        let err = a.load_config().unwrap_err().to_string();
        assert!(
            err.starts_with("/nonexistent/musaid.toml: cannot read"),
            "{err}"
        );
    }

    #[test]
    fn check_config_reports_every_error() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(
            &bad,
            "[milter]\nlisten = \"nowhere\"\n[store]\nurl = \"ftp://x\"\n",
        )
        .unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert!(!check_config(&bad, &mut out, &mut err));
        let err = String::from_utf8(err).unwrap();
        assert!(err.contains("error: milter.listen: "), "{err}");
        assert!(err.contains("bad.toml:2:10\n"), "{err}");
        assert!(
            err.contains("2 | listen = \"nowhere\"\n  |          ^^^^^^^^^\n"),
            "{err}"
        );
        assert!(err.contains("bad.toml:4:7\n"), "{err}");
        assert!(err.ends_with("bad.toml: 2 errors\n"), "{err}");
        let good = dir.path().join("good.toml");
        std::fs::write(&good, "").unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert!(check_config(&good, &mut out, &mut err));
        assert!(
            String::from_utf8(out)
                .unwrap()
                .starts_with(&format!("configuration OK: {}", good.display()))
        );
    }
}
