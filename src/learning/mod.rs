//! Learning: lessons from the people who read the mail, and how well musaid sorts.
//!
//! - [`edge`]: lessons to the store and the model back from it; several milter hosts on one
//!   Redis share what any of them learned.
//! - [`mailfiles`]: messages from files, directories, mbox files and Maildirs.
//! - [`imapsieve`]: the Dovecot IMAPSieve scripts and settings that turn readers' moves into
//!   lessons (`musaid sieve --learn`).
//! - [`eval`]: precision, recall, F1 and the confusion matrix on labelled mail, with
//!   cross-validation.
//!
//! The learner itself is [`crate::model`]; what it sees of a message is
//! [`crate::classify::features`].

pub mod edge;
pub mod eval;
pub mod imapsieve;
pub mod mailfiles;

use std::path::PathBuf;

/// Mail or labels that cannot be read, naming the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: cannot read: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: not a labels file: {error}", path.display())]
    Labels {
        path: PathBuf,
        error: serde_json::Error,
    },
    /// A label or a folder name that is not a category.
    #[error("{}: {error}", path.display())]
    Label {
        path: PathBuf,
        error: crate::invalid::Invalid,
    },
    /// The files are not laid out as the command expects.
    #[error("{}: {problem}", path.display())]
    Layout { path: PathBuf, problem: String },
}
