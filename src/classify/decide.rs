//! One decision from two views: the weight table's (what every installation knows) and the
//! learned model's (what this organisation's readers taught).
//!
//! Who sent the message decides who decides:
//!
//! | evidence | decided by |
//! |---|---|
//! | an upstream spam verdict | the weight table (junk) |
//! | a delivery, read or abuse report | the weight table (notification) |
//! | an iTIP REQUEST, CANCEL, COUNTER, ADD or DECLINECOUNTER calendar part | meeting, whatever else the message carries (Google Calendar marks invitations `Auto-Submitted`, and lists deliver them with their own `-bounces@` sender) |
//! | a robot: Auto-Submitted, auto-replies, the null sender, a mailer-daemon From, an auto-reply subject, a no-reply sender without list headers | the weight table |
//! | list or bulk headers (List-*, Precedence: bulk/list, a bulk-mail service), or a bulk sender's bounce address | table and model together, among newsletter, promotional and junk |
//! | a person | table and model together, among the people's categories, promotional and junk |
//!
//! "Together" is a sum: each category's table points plus [`MODEL_POINTS`] times what the
//! model's probability for it says beyond a guess (`(p − 1/k)·k/(k−1)` for `k` categories to
//! choose among, at least 0): a model that spreads its probability evenly adds nothing, a
//! certain one adds the full points. Junk counts only beyond [`JUNK_BAR`] (`(p − ½)·2`): filing
//! a person's mail away unseen takes a model that is more sure than not; for list and bulk mail
//! beyond [`JUNK_BAR_BULK`], and a promotion beyond [`PROMOTION_BAR_BULK`]. Without a model
//! (learning off, nothing learned yet) the table alone decides, exactly as it always has.

use super::Category;
use super::score::{self, Tally};
use super::signals::{Hit, Signal, has};
use crate::model::linear::{self, Scores};

/// What a model probability of 1 is worth in weight-table points. A strong signal is worth
/// 20 to 80 points; at 150 a confident model outweighs any word list, and an unsure one
/// (probabilities spread over several categories) leaves the table's view standing.
/// Chosen by cross-validation on the labelled mail: 100 to 1000 are within 0.01 of macro-F1
/// of each other; below 100 the word lists' mistakes come back.
pub const MODEL_POINTS: f64 = 150.0;

/// Known features at which the model's say is half what it would be with many: a message of
/// a few known words is the table's more than the model's. (The learner already weighs a
/// message's features by `1/√n`, so this only damps the shortest: 20 cost 0.016 of
/// macro-F1, 0 to 5 are alike.)
pub const EVIDENCE_HALF: f64 = 5.0;

/// The probability beyond which the model's view of junk counts for a person's mail (other
/// categories count beyond a guess, `1/k`). Mail filed as junk is mail its reader may never
/// see, mail left in the inbox is a nuisance: on the SpamAssassin 2002 split, 0.5 instead of
/// a guess cost 1.6% of the spam caught (95.6% → 94.0%) and took a third of the ham filed
/// away (1.60% → 1.09%), and a short request ("URGENT: budget approval. Could you please
/// approve this today?") was junk before.
pub const JUNK_BAR: f64 = 0.5;

/// The same for list and bulk mail: mail of a list the reader subscribed to is the list's to
/// filter. On the 2003 half of the SpamAssassin corpus (never learned from), 0.8 instead of
/// 0.5 took the ham filed away from 9 to 2 of 1,400 (list posts whose list had carried spam
/// in 2002) and the spam caught from 88.0% to 85.7%.
pub const JUNK_BAR_BULK: f64 = 0.8;

/// The probability beyond which the model's view of a promotion counts for list and bulk
/// mail. The starter model's newsletters are 2002's list discussions, so an editorial
/// newsletter ("This week in Gulf business: the week's markets, deals and people") reads as a
/// promotion to it at 0.8 among newsletter, promotional and junk; at 0.6 the list's own
/// evidence keeps it a newsletter (the replayed week's twelve issues), and cross-validation
/// and the spam figures do not move.
pub const PROMOTION_BAR_BULK: f64 = 0.6;

/// iTIP methods that ask the recipient to act on a meeting.
const MEETING_METHODS: &[&str] = &["REQUEST", "CANCEL", "COUNTER", "ADD", "DECLINECOUNTER"];

/// Who the evidence says sent the message (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    Upstream,
    Report,
    Calendar,
    Robot,
    Bulk,
    Person,
}

impl Sender {
    /// The probability beyond which the model's view of `category` counts, among `k`
    /// categories: a guess (`1/k`), or the bars of filing mail away ([`JUNK_BAR`],
    /// [`JUNK_BAR_BULK`], [`PROMOTION_BAR_BULK`]).
    fn bar(self, category: &Category, k: f64) -> f64 {
        match (category, self) {
            (Category::Junk, Sender::Bulk) => JUNK_BAR_BULK,
            (Category::Junk, _) => JUNK_BAR,
            (Category::Promotional, Sender::Bulk) => PROMOTION_BAR_BULK,
            _ => 1.0 / k,
        }
    }

    /// The categories the model may choose among; empty when the model is not asked.
    fn model_choices(self) -> &'static [Category] {
        match self {
            Sender::Bulk => &[Category::Newsletter, Category::Promotional, Category::Junk],
            // Newsletters and notifications are machines' mail: a message without list,
            // bulk or robot evidence is a person's, whatever its words resemble.
            Sender::Person => &[
                Category::Urgent,
                Category::Important,
                Category::Support,
                Category::Meeting,
                Category::Deferrable,
                Category::Promotional,
                Category::Junk,
            ],
            _ => &[],
        }
    }
}

/// Reads who sent the message from the signals, the calendar methods and whether the From
/// address itself is a system's (mailer-daemon, postmaster: a bounce address in the envelope
/// or Return-Path alone, like `owner-…@` or `…-bounces@`, is how bulk senders collect
/// bounces, not a robot writing). A no-reply sender is a robot unless it sends list or bulk
/// mail (then it is a newsletter's or a promotion's sender).
pub fn sender(hits: &[Hit], calendar_methods: &[String], robot_from: bool) -> Sender {
    let any = |signals: &[Signal]| signals.iter().any(|s| has(hits, *s));
    if any(&[Signal::SpamFlag]) {
        return Sender::Upstream;
    }
    if any(&[Signal::Dsn, Signal::Mdn, Signal::Arf, Signal::Report]) {
        return Sender::Report;
    }
    if calendar_methods
        .iter()
        .any(|m| MEETING_METHODS.contains(&m.as_str()))
    {
        return Sender::Calendar;
    }
    let bulk = super::signals::is_bulk(hits);
    let robot = (robot_from && any(&[Signal::MailerDaemon]))
        || (!bulk && any(&[Signal::NoreplySender]))
        || any(&[
            Signal::AutoReplied,
            Signal::AutoSubmitted,
            Signal::NullSender,
            Signal::AdminRecipient,
            Signal::BounceSubject,
            Signal::AutoReplySubject,
            Signal::PrecedenceJunk,
        ]);
    // A bounce address in the envelope or Return-Path alone (owner-…@, …-bounces@) is how
    // bulk senders collect bounces.
    let bounce_address = any(&[Signal::MailerDaemon]) && !robot_from;
    if robot {
        Sender::Robot
    } else if bulk || bounce_address {
        Sender::Bulk
    } else {
        Sender::Person
    }
}

/// The decision: category, the signal names that decided, and the model's part (category
/// and probability) when it took part.
#[derive(Debug, Clone)]
pub struct Decision {
    pub category: Category,
    pub reasons: Vec<String>,
    pub model: Option<(Category, f64)>,
}

/// Decides from the hits, the calendar methods, whether From is a robot's address and the
/// model's scores (see the module docs).
pub fn decide(
    hits: &[Hit],
    calendar_methods: &[String],
    robot_from: bool,
    model: Option<&Scores>,
) -> Decision {
    let names = |signals: Vec<Signal>| -> Vec<String> {
        let mut v: Vec<String> = signals.iter().map(|s| s.name().to_string()).collect();
        if v.is_empty() {
            v.push(Signal::Default.name().to_string());
        }
        v
    };
    let from = sender(hits, calendar_methods, robot_from);
    if from == Sender::Calendar {
        return Decision {
            category: Category::Meeting,
            reasons: vec![Signal::CalendarPart.name().to_string()],
            model: None,
        };
    }
    let mut totals = score::tally(hits);
    let choices = from.model_choices();
    let view = model.and_then(|m| m.best_of(choices));
    let Some(scores) = model.filter(|_| view.is_some()) else {
        let (category, deciding) = score::winner(totals);
        return Decision {
            category,
            reasons: names(deciding),
            model: None,
        };
    };
    let allowed = |c: &Category| choices.contains(c);
    // The model's probabilities among the categories it may choose from.
    let among: f64 = choices
        .iter()
        .filter_map(|c| linear::class_of(c).map(|i| scores.probabilities[i]))
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let probability =
        |c: &Category| linear::class_of(c).map_or(0.0, |i| scores.probabilities[i] / among);
    let k = choices.len() as f64;
    let evidence = scores.known as f64 / (scores.known as f64 + EVIDENCE_HALF);
    for (category, points, _) in &mut totals {
        if allowed(category) {
            let bar = from.bar(category, k);
            let beyond = ((probability(category) - bar) / (1.0 - bar)).max(0.0);
            *points += (MODEL_POINTS * evidence * beyond).round() as u32;
        }
    }
    // Only the allowed categories compete when the model took part.
    let table_only: Vec<Tally> = totals.into_iter().filter(|(c, _, _)| allowed(c)).collect();
    let (category, deciding) = score::winner(table_only);
    let p = probability(&category);
    let mut reasons = Vec::new();
    if p >= 0.5 {
        reasons.push(format!("model:{} {p:.2}", category.name()));
    }
    reasons.extend(deciding.iter().map(|s| s.name().to_string()));
    if reasons.is_empty() {
        reasons.push(Signal::Default.name().to_string());
    }
    Decision {
        category: category.clone(),
        reasons,
        model: Some((category, p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::linear::CLASSES;

    fn hits(signals: &[Signal]) -> Vec<Hit> {
        signals.iter().map(|s| Hit::new(*s)).collect()
    }

    fn scores(category: Category, p: f64) -> Scores {
        // The rest spread evenly over the other categories.
        let mut probabilities = [(1.0 - p) / (CLASSES.len() - 1) as f64; CLASSES.len()];
        let i = CLASSES.iter().position(|c| *c == category).unwrap();
        probabilities[i] = p;
        Scores {
            probabilities,
            known: 200,
        }
    }

    #[test]
    fn a_calendar_request_decides_meeting_even_from_a_list_robot() {
        let h = hits(&[
            Signal::AutoSubmitted,
            Signal::MailerDaemon,
            Signal::ListId,
            Signal::CalendarPart,
        ]);
        let d = decide(
            &h,
            &["REQUEST".into()],
            true,
            Some(&scores(Category::Newsletter, 0.9)),
        );
        assert_eq!(d.category, Category::Meeting);
        // A reply to an invitation is not a meeting request: the table decides.
        let d = decide(&h, &["REPLY".into()], true, None);
        assert_eq!(d.category, Category::Notification);
    }

    #[test]
    fn reports_and_robots_are_never_the_models_to_decide() {
        let dsn = hits(&[Signal::Dsn, Signal::NullSender]);
        let d = decide(&dsn, &[], true, Some(&scores(Category::Urgent, 0.99)));
        assert_eq!(d.category, Category::Notification);
        assert!(d.model.is_none());
        let robot = hits(&[Signal::AutoSubmitted, Signal::NoreplySender]);
        assert_eq!(
            decide(&robot, &[], true, Some(&scores(Category::Urgent, 0.99))).category,
            Category::Notification
        );
        // A bulk sender's bounce address (owner-…@) with a person's From: bulk mail.
        let owner = hits(&[Signal::MailerDaemon]);
        assert_eq!(
            decide(&owner, &[], false, None).category,
            Category::Notification
        );
        assert_eq!(
            decide(&owner, &[], false, Some(&scores(Category::Junk, 0.95))).category,
            Category::Junk
        );
        assert_eq!(
            decide(&owner, &[], true, Some(&scores(Category::Junk, 0.95))).category,
            Category::Notification
        );
    }

    #[test]
    fn the_model_tells_promotions_from_newsletters_among_bulk_mail() {
        let bulk = hits(&[Signal::ListUnsubscribe, Signal::EspHeader]);
        assert_eq!(
            decide(&bulk, &[], false, None).category,
            Category::Newsletter
        );
        let d = decide(&bulk, &[], false, Some(&scores(Category::Promotional, 0.9)));
        assert_eq!(d.category, Category::Promotional);
        assert_eq!(d.reasons[0], "model:promotional 0.97");
        // Bulk mail is never made urgent by the model.
        let d = decide(&bulk, &[], false, Some(&scores(Category::Urgent, 0.9)));
        assert_eq!(d.category, Category::Newsletter);
        // A promotion takes a model surer than 0.6 among them (0.63 here).
        let d = decide(&bulk, &[], false, Some(&scores(Category::Promotional, 0.3)));
        assert_eq!(d.category, Category::Newsletter, "{:?}", d.reasons);
        // Junk takes a sure model: 0.8 among the bulk categories is not enough, 0.97 is.
        let d = decide(&bulk, &[], false, Some(&scores(Category::Junk, 0.5)));
        assert_eq!(d.category, Category::Newsletter, "{:?}", d.reasons);
        let d = decide(&bulk, &[], false, Some(&scores(Category::Junk, 0.9)));
        assert_eq!(d.category, Category::Junk);
        assert_eq!(d.reasons[0], "model:junk 0.97");
    }

    #[test]
    fn for_people_a_confident_model_outweighs_word_lists_and_an_unsure_one_does_not() {
        let urgent_words = vec![Hit {
            signal: Signal::UrgentWords,
            strength: 3,
            evidence: vec!["urgent".into()],
        }];
        assert_eq!(
            decide(&urgent_words, &[], false, None).category,
            Category::Urgent
        );
        let d = decide(
            &urgent_words,
            &[],
            false,
            Some(&scores(Category::Promotional, 0.95)),
        );
        assert_eq!(d.category, Category::Promotional);
        let d = decide(
            &urgent_words,
            &[],
            false,
            Some(&scores(Category::Promotional, 0.3)),
        );
        assert_eq!(d.category, Category::Urgent);
        // Understated urgency: no word list fires, the model knows. (Its probability is
        // shown among the categories it chose from.)
        let d = decide(&[], &[], false, Some(&scores(Category::Urgent, 0.8)));
        assert_eq!(d.category, Category::Urgent);
        assert_eq!(d.reasons, vec!["model:urgent 0.84"]);
        // A message of one known word: the same view counts for little.
        let mut thin = scores(Category::Promotional, 0.5);
        thin.known = 1;
        assert_eq!(
            decide(&[], &[], false, Some(&thin)).category,
            Category::Deferrable
        );
    }
}
