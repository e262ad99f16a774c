//! Why a value written in the configuration or on the command line cannot be used.
//!
//! Every parser of a configuration value (durations, addresses, socket and store URLs, hours,
//! time zones, report periods) returns this one error type, so the configuration checker can
//! place it under its key path and clap can show it beside the option. It keeps what was
//! written apart from what is wrong with it, so a caller can quote, locate or suggest from
//! the value itself. A leaf: it imports nothing of musaid.

use std::borrow::Cow;
use std::fmt;

/// A value that cannot be used, in the words an administrator reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The value as written (with any password already left out), when the problem concerns
    /// the whole value; `None` when the problem names the part at fault itself.
    pub written: Option<String>,
    /// What is wrong, e.g. "expected inet:HOST:PORT or unix:PATH".
    pub problem: Cow<'static, str>,
}

impl Invalid {
    /// The whole value `written` is wrong: shown quoted before the problem.
    pub fn value(written: impl Into<String>, problem: impl Into<Cow<'static, str>>) -> Self {
        Invalid {
            written: Some(written.into()),
            problem: problem.into(),
        }
    }

    /// A problem that names the part at fault itself.
    pub fn because(problem: impl Into<Cow<'static, str>>) -> Self {
        Invalid {
            written: None,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.written {
            Some(w) => write!(f, "{w:?}: {}", self.problem),
            None => f.write_str(&self.problem),
        }
    }
}

impl std::error::Error for Invalid {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_quoted_before_the_problem() {
        assert_eq!(
            Invalid::value("5x", "unknown unit \"x\"").to_string(),
            "\"5x\": unknown unit \"x\""
        );
        assert_eq!(Invalid::because("missing host").to_string(), "missing host");
    }
}
