//! The categories of DESIGN.md's public table, plus any the configuration declares.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// Exactly one per inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Urgent,
    Important,
    Support,
    Meeting,
    Deferrable,
    Notification,
    Newsletter,
    Promotional,
    Junk,
    /// A category declared with `[[category]]` in the configuration.
    Custom(Arc<str>),
}

impl Category {
    /// The built-in categories, in the order that breaks ties between equal scores.
    pub const BUILTIN: [Category; 9] = [
        Category::Urgent,
        Category::Important,
        Category::Support,
        Category::Meeting,
        Category::Deferrable,
        Category::Notification,
        Category::Newsletter,
        Category::Promotional,
        Category::Junk,
    ];

    /// The name used in headers, rules and JSON.
    pub fn name(&self) -> &str {
        match self {
            Category::Urgent => "urgent",
            Category::Important => "important",
            Category::Support => "support",
            Category::Meeting => "meeting",
            Category::Deferrable => "deferrable",
            Category::Notification => "notification",
            Category::Newsletter => "newsletter",
            Category::Promotional => "promotional",
            Category::Junk => "junk",
            Category::Custom(name) => name,
        }
    }

    /// The built-in category with this name.
    pub fn builtin(name: &str) -> Option<Category> {
        Self::BUILTIN.into_iter().find(|c| c.name() == name)
    }

    /// Default priority (1 = most urgent, 5 = least) of a built-in category.
    pub fn default_priority(&self) -> u8 {
        match self {
            Category::Urgent => 1,
            Category::Important | Category::Support | Category::Meeting => 2,
            Category::Deferrable => 3,
            Category::Notification | Category::Newsletter => 4,
            Category::Promotional | Category::Junk => 5,
            Category::Custom(_) => 3,
        }
    }

    /// True for the categories of mail that a person wrote to the mailbox and may answer.
    pub fn is_personal(&self) -> bool {
        matches!(
            self,
            Category::Urgent
                | Category::Important
                | Category::Support
                | Category::Meeting
                | Category::Deferrable
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::BUILTIN {
            assert_eq!(Category::builtin(c.name()), Some(c.clone()));
        }
        assert_eq!(Category::builtin("legal"), None);
        assert_eq!(Category::Custom("legal".into()).name(), "legal");
    }

    #[test]
    fn priorities_follow_the_design_table() {
        let p: Vec<u8> = Category::BUILTIN
            .iter()
            .map(Category::default_priority)
            .collect();
        assert_eq!(p, vec![1, 2, 2, 2, 3, 4, 4, 5, 5]);
    }
}
