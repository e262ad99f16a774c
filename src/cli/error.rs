//! Why an administrator's command could not do what it was asked: one type for every command,
//! each variant naming what is at fault (the option, the mailbox, the file, the store), so
//! `main.rs` prints one line and exits with failure.

use crate::invalid::Invalid;
use crate::learning::ReadError;
use crate::store::StoreError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The command line asks for something the command cannot do, said as a sentence.
    #[error("{0}")]
    Refused(String),
    /// An option's value that does not parse.
    #[error("{option}: {error}")]
    Option {
        option: &'static str,
        error: Invalid,
    },
    /// A mailbox address that the configuration does not declare.
    #[error("{address} is not a configured [[mailbox]] (configured: {})", configured_list(.configured))]
    UnknownMailbox {
        address: String,
        configured: Vec<String>,
    },
    /// The store failed; `doing` says what was asked of it and what became of the work.
    #[error("the store {store}{doing}: {error}")]
    Store {
        store: String,
        doing: &'static str,
        error: StoreError,
    },
    /// A file or directory that cannot be read, written or created.
    #[error("cannot {doing} {}: {error}", path.display())]
    File {
        doing: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    /// A file that is read but is not what the command expects.
    #[error("{}: {problem}", path.display())]
    Content { path: PathBuf, problem: String },
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Standard input or output, or the process itself (its runtime, its own path).
    #[error("{doing}: {error}")]
    Process {
        doing: &'static str,
        error: std::io::Error,
    },
}

impl From<std::io::Error> for CommandError {
    /// Writing the command's report to standard output.
    fn from(error: std::io::Error) -> Self {
        CommandError::Process {
            doing: "cannot write the report",
            error,
        }
    }
}

fn configured_list(configured: &[String]) -> String {
    if configured.is_empty() {
        "none".into()
    } else {
        configured.join(", ")
    }
}

/// What every command returns.
pub type CommandResult = Result<std::process::ExitCode, CommandError>;

/// A runtime for a command's store work, on this thread.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CommandError::Process {
            doing: "cannot start the async runtime",
            error,
        })
}
