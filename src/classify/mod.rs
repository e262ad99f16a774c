//! Classification: pure functions from one message to a [`Verdict`].
//!
//! Built-in *signals* (see [`signals`]) each look at one aspect of the message and add named
//! [`Hit`]s. A weight table ([`score`]) turns hits into a score per category; the learned
//! model ([`crate::model`]), when there is one, adds its view for mail from people and bulk
//! senders; [`decide`] picks exactly one category (ties go to the more urgent category). Then the
//! administrator's [`rules`] run in order and may override the category, the priority and add
//! routing actions. The verdict records which signals and rules decided, for
//! `X-Musaid-Reason`, the log and `musaid classify`.
//!
//! Nothing here does I/O or reads the clock: the caller passes `now`.

pub mod automated;
pub mod decide;
pub mod features;
pub mod rules;
pub mod score;
pub mod signals;

pub use crate::config::category::{self, Category};
pub use crate::config::lexicon;
pub use crate::config::rule::Direction;

use crate::config::{Config, Mailbox};
use crate::hours::Schedule;
use crate::message::{Envelope, ParsedMessage};
use crate::text::{Found, Tokens};
use chrono::{DateTime, Utc};
use rules::{Mode, RuleActions};
use serde::Serialize;
use signals::Hit;

impl Direction {
    /// Outbound when the client authenticated (`{auth_authen}`), the MTA service that
    /// received it is a submission service (`{daemon_name}`, `ORIGINATING` by default), or
    /// the client is in `trusted_networks` and the sender in a local domain.
    pub fn of(envelope: &Envelope, config: &Config) -> Direction {
        let submission = envelope.daemon_name.as_deref().is_some_and(|d| {
            config
                .submission_daemon_names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(d))
        });
        // A trusted client network counts only with a sender in a local domain: a relay in
        // that network also passes mail from outside.
        let trusted = envelope
            .client_addr
            .is_some_and(|ip| config.trusted_networks.iter().any(|n| n.contains(ip)))
            && config
                .local_domains
                .contains(&crate::message::domain_of(&envelope.sender));
        let authenticated = envelope
            .auth_authen
            .as_deref()
            .is_some_and(|a| !a.is_empty());
        if authenticated || submission || trusted {
            Direction::Outbound
        } else {
            Direction::Inbound
        }
    }
}

/// Everything classification reads about one message.
pub struct Input<'a> {
    pub config: &'a Config,
    pub envelope: &'a Envelope,
    pub message: &'a ParsedMessage,
    pub subject_tokens: Tokens,
    /// What the sender wrote this time ([`crate::message::quote::new_part`]), once for every
    /// reader of it.
    pub new_text: std::borrow::Cow<'a, str>,
    /// `new_text` tokenised.
    pub body_tokens: Tokens,
    /// Built-in word lists found in the subject and in the body (one scan each).
    pub subject_words: Found,
    pub body_words: Found,
    pub direction: Direction,
    /// The configured mailbox the message is for (first recipient that is one).
    pub mailbox: Option<&'a Mailbox>,
    pub now: DateTime<Utc>,
    /// What has been learned; None when learning is off or nothing is known.
    pub model: Option<&'a crate::model::Model>,
}

impl<'a> Input<'a> {
    /// Prepares the input: tokenises the subject and the new part of the body
    /// ([`crate::message::quote`]: quoted history says nothing about this message) once.
    pub fn new(
        config: &'a Config,
        envelope: &'a Envelope,
        message: &'a ParsedMessage,
        now: DateTime<Utc>,
    ) -> Self {
        let direction = Direction::of(envelope, config);
        let subject_tokens = Tokens::new(&message.subject);
        let new_text = crate::message::quote::new_part(&message.text, &message.subject);
        let body_tokens = Tokens::new(&new_text);
        let mut input = Input {
            config,
            envelope,
            message,
            subject_words: subject_tokens.find(&config.lexicon.lists),
            body_words: body_tokens.find(&config.lexicon.lists),
            subject_tokens,
            new_text,
            body_tokens,
            direction,
            mailbox: None,
            now,
            model: None,
        };
        input.mailbox = input.recipients().iter().find_map(|r| config.mailbox(r));
        input
    }

    /// The same input, scored by `model` too.
    pub fn with_model(mut self, model: Option<&'a crate::model::Model>) -> Self {
        self.model = model.filter(|m| !m.is_empty());
        self
    }

    /// The sender: envelope MAIL FROM, or the From header when there is no envelope
    /// (`musaid classify` on a file without `--from`).
    pub fn sender(&self) -> String {
        if !self.envelope.sender.is_empty() || self.has_envelope() {
            return self.envelope.sender.clone();
        }
        self.message
            .from
            .as_ref()
            .map(|f| f.address.clone())
            .unwrap_or_default()
    }

    /// True when the From address is a system's (mailer-daemon, postmaster…).
    pub fn robot_from(&self) -> bool {
        self.message
            .from
            .as_ref()
            .is_some_and(|f| crate::robots::is_system(&f.address))
    }

    /// Envelope recipients, or To and Cc when there is no envelope.
    pub fn recipients(&self) -> Vec<String> {
        if !self.envelope.recipients.is_empty() {
            return self.envelope.recipients.clone();
        }
        self.message
            .to
            .iter()
            .chain(&self.message.cc)
            .cloned()
            .collect()
    }

    /// True when the message came through SMTP (the milter saw a MAIL FROM).
    fn has_envelope(&self) -> bool {
        !self.envelope.recipients.is_empty()
    }

    /// Entries of a built-in list found in the subject.
    pub fn subject_words(&self, list: lexicon::Lex) -> Vec<&str> {
        self.config.lexicon.words(list, &self.subject_words)
    }

    /// Entries of a built-in list found in the body.
    pub fn body_words(&self, list: lexicon::Lex) -> Vec<&str> {
        self.config.lexicon.words(list, &self.body_words)
    }

    /// The schedule of the mailbox, or the default schedule.
    pub fn schedule(&self) -> &Schedule {
        self.mailbox
            .map(|m| &m.schedule)
            .unwrap_or(&self.config.default_schedule)
    }
}

/// A rule that matched.
#[derive(Debug, Clone, Serialize)]
pub struct RuleHit {
    pub rule: String,
    pub mode: Mode,
    pub actions: Vec<String>,
}

/// The decision for one message.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub direction: Direction,
    pub category: Category,
    pub priority: u8,
    /// Signal names and rule names that decided, most important first.
    pub reasons: Vec<String>,
    /// Every signal that fired, with its evidence.
    pub hits: Vec<Hit>,
    /// Rules that matched, enforced or audited.
    pub rules: Vec<RuleHit>,
    /// The merged actions of the enforced rules.
    pub actions: RuleActions,
    /// Folder hint (rule, or the category's folder).
    pub folder: Option<String>,
    /// Address of the mailbox the message is for.
    pub mailbox: Option<String>,
    /// The model's probability per category, when it was asked.
    pub scores: Option<crate::model::linear::Scores>,
    /// Why nobody waits for a reply to this message, if it is machine mail
    /// ([`automated::evidence`], decided once for tracking, escalation and acknowledgements).
    pub automated: Option<automated::Automated>,
}

/// Classifies one message.
pub fn classify(input: &Input<'_>) -> Verdict {
    let hits = signals::detect(input);
    let scores = input.model.and_then(|m| {
        let features = features::hashed(input, &hits, m.key);
        m.score(input.mailbox.map(|mb| mb.address.as_str()), &features)
    });
    let decided = decide::decide(
        &hits,
        &input.message.calendar_methods,
        input.robot_from(),
        scores.as_ref(),
    );
    let (signal_category, reasons) = (decided.category, decided.reasons);

    let mut category = signal_category.clone();
    let mut priority: Option<u8> = None;
    let mut actions = RuleActions::default();
    let mut rule_hits = Vec::new();
    let mut rule_reasons = Vec::new();
    for rule in &input.config.rules {
        if !rule.when.matches(input, &signal_category) {
            continue;
        }
        rule_hits.push(RuleHit {
            rule: rule.name.clone(),
            mode: rule.mode,
            actions: rule.then.describe(),
        });
        if rule.mode == Mode::Audit {
            continue;
        }
        rule_reasons.push(format!("rule:{}", rule.name));
        merge(&mut actions, &rule.then);
        if let Some(c) = &rule.then.category {
            category = c.clone();
        }
        if let Some(p) = rule.then.priority {
            priority = Some(p);
        }
        if rule.then.ends_evaluation() {
            break;
        }
    }
    // A rule's reason comes first: it overrides what the signals said.
    rule_reasons.extend(reasons);
    let priority = priority.unwrap_or_else(|| input.config.priority_of(&category));
    let folder = actions
        .folder
        .clone()
        .or_else(|| input.config.folders.get(&category).cloned());
    let automated = automated::evidence(input, &hits);
    Verdict {
        direction: input.direction,
        category,
        priority,
        reasons: rule_reasons,
        hits,
        rules: rule_hits,
        actions,
        folder,
        mailbox: input.mailbox.map(|m| m.address.clone()),
        scores,
        automated,
    }
}

/// Adds the actions of a later matching rule to the accumulated ones.
fn merge(into: &mut RuleActions, from: &RuleActions) {
    let set = |slot: &mut Option<String>, v: &Option<String>| {
        if v.is_some() {
            slot.clone_from(v);
        }
    };
    into.add_headers.extend(from.add_headers.iter().cloned());
    if let Some(p) = &from.subject_prefix {
        let prefix = into.subject_prefix.take().unwrap_or_default();
        into.subject_prefix = Some(format!("{prefix}{p}"));
    }
    set(&mut into.folder, &from.folder);
    into.add_recipients
        .extend(from.add_recipients.iter().cloned());
    into.bcc.extend(from.bcc.iter().cloned());
    set(&mut into.redirect, &from.redirect);
    set(&mut into.quarantine, &from.quarantine);
    set(&mut into.autoreply, &from.autoreply);
    set(&mut into.draft, &from.draft);
    if from.escalate.is_some() {
        into.escalate.clone_from(&from.escalate);
    }
    if from.reject.is_some() {
        into.reject.clone_from(&from.reject);
    }
    into.discard |= from.discard;
    into.stop |= from.stop;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, from_str};

    #[test]
    fn direction_from_auth_daemon_name_or_trusted_network() {
        let config = from_str(
            "[direction]\ntrusted_networks = [\"192.0.2.0/24\"]\n[[mailbox]]\naddress = \"ceo@example.com\"\n",
            "t.toml",
            &Overrides::default(),
        )
        .unwrap();
        let env = |sender: &str, ip: &str, auth: Option<&str>, daemon: Option<&str>| Envelope {
            sender: sender.into(),
            client_addr: Some(ip.parse().unwrap()),
            auth_authen: auth.map(str::to_string),
            daemon_name: daemon.map(str::to_string),
            ..Default::default()
        };
        assert_eq!(
            Direction::of(
                &env("a@partner.example", "203.0.113.5", None, None),
                &config
            ),
            Direction::Inbound
        );
        assert_eq!(
            Direction::of(
                &env("a@partner.example", "203.0.113.5", Some("a"), None),
                &config
            ),
            Direction::Outbound
        );
        assert_eq!(
            Direction::of(
                &env(
                    "a@partner.example",
                    "203.0.113.5",
                    None,
                    Some("ORIGINATING")
                ),
                &config
            ),
            Direction::Outbound
        );
        assert_eq!(
            Direction::of(&env("ceo@example.com", "192.0.2.9", None, None), &config),
            Direction::Outbound
        );
        // A trusted relay passing mail from outside: still inbound.
        assert_eq!(
            Direction::of(&env("a@partner.example", "192.0.2.9", None, None), &config),
            Direction::Inbound
        );
        assert_eq!(
            Direction::of(&env("ceo@example.com", "203.0.113.5", None, None), &config),
            Direction::Inbound
        );
    }
}
