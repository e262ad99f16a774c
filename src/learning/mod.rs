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
