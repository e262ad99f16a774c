//! The weight table: how much each signal says for each category, and the pick.
//!
//! Decisions as data: to change how musaid sorts mail, change [`WEIGHTS`] (and the tests
//! that pin the behaviour), not the detectors. A hit contributes `weight × strength`; the
//! category with the highest total wins, ties going to the category listed first in
//! [`Category::BUILTIN`] (the more urgent one). `Default` gives deferrable a floor, so direct
//! mail with nothing special about it is `deferrable`.

use super::Category;
use super::signals::{Hit, Signal};

/// (signal, category, weight per unit of strength).
pub const WEIGHTS: &[(Signal, Category, u32)] = &[
    (Signal::SpamFlag, Category::Junk, 200),
    (Signal::PrecedenceJunk, Category::Junk, 30),
    // machines
    (Signal::Dsn, Category::Notification, 80),
    (Signal::Mdn, Category::Notification, 80),
    (Signal::Arf, Category::Notification, 80),
    (Signal::Report, Category::Notification, 50),
    (Signal::AutoReplied, Category::Notification, 60),
    (Signal::AutoSubmitted, Category::Notification, 45),
    (Signal::MailerDaemon, Category::Notification, 70),
    (Signal::NullSender, Category::Notification, 30),
    (Signal::AdminRecipient, Category::Notification, 50),
    (Signal::BounceSubject, Category::Notification, 30),
    (Signal::AutoReplySubject, Category::Notification, 20),
    (Signal::NoreplySender, Category::Notification, 22),
    // lists and bulk mail
    (Signal::ListId, Category::Newsletter, 30),
    (Signal::ListUnsubscribe, Category::Newsletter, 20),
    (Signal::ListHeaders, Category::Newsletter, 20),
    (Signal::PrecedenceList, Category::Newsletter, 25),
    (Signal::PrecedenceBulk, Category::Newsletter, 25),
    (Signal::EspHeader, Category::Newsletter, 10),
    (Signal::EspHeader, Category::Promotional, 15),
    (Signal::UnsubscribeLink, Category::Promotional, 10),
    (Signal::UnsubscribeLink, Category::Newsletter, 6),
    (Signal::PromoWords, Category::Promotional, 13),
    (Signal::SpamWords, Category::Junk, 20),
    // calendar
    (Signal::CalendarPart, Category::Meeting, 70),
    (Signal::SchedulingWords, Category::Meeting, 8),
    // urgency
    (Signal::UrgentWords, Category::Urgent, 18),
    (Signal::HighImportance, Category::Urgent, 10),
    (Signal::VipDeadline, Category::Urgent, 60),
    (Signal::DeadlineWords, Category::Important, 4),
    (Signal::DueToday, Category::Urgent, 20),
    // support
    (Signal::SupportWords, Category::Support, 9),
    // people
    (Signal::VipSender, Category::Important, 25),
    (Signal::DirectTo, Category::Important, 6),
    (Signal::RequestWords, Category::Important, 5),
    (Signal::Question, Category::Important, 5),
    (Signal::ReplyThread, Category::Important, 4),
    (Signal::Default, Category::Deferrable, 15),
    (Signal::CcOnly, Category::Deferrable, 8),
    (Signal::ManyRecipients, Category::Deferrable, 8),
];

/// A category, its total, and what each signal contributed.
pub type Tally = (Category, u32, Vec<(Signal, u32)>);

/// Picks the category and the signals that decided it (largest contribution first).
pub fn pick(hits: &[Hit]) -> (Category, Vec<Signal>) {
    winner(tally(hits))
}

/// The points of every built-in category, in [`Category::BUILTIN`] order.
pub fn tally(hits: &[Hit]) -> Vec<Tally> {
    let mut totals: Vec<Tally> = Category::BUILTIN
        .into_iter()
        .map(|c| (c, 0, Vec::new()))
        .collect();
    let default = Hit::new(Signal::Default);
    for hit in hits.iter().chain(std::iter::once(&default)) {
        for (signal, category, weight) in WEIGHTS {
            if *signal == hit.signal {
                let slot = totals
                    .iter_mut()
                    .find(|(c, _, _)| c == category)
                    .expect("weights name built-in categories");
                let points = weight * u32::from(hit.strength);
                slot.1 += points;
                slot.2.push((*signal, points));
            }
        }
    }
    totals
}

/// The category with the most points (ties to the first) and the signals that gave them.
pub fn winner(totals: Vec<Tally>) -> (Category, Vec<Signal>) {
    // max_by_key returns the last maximum; iterate in reverse so ties go to the first.
    let (category, _, mut deciding) = totals
        .into_iter()
        .rev()
        .max_by_key(|(_, total, _)| *total)
        .expect("categories are never empty");
    deciding.sort_by_key(|(_, points)| std::cmp::Reverse(*points));
    let signals = deciding
        .into_iter()
        .map(|(s, _)| s)
        .filter(|s| *s != Signal::Default)
        .collect();
    (category, signals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(signals: &[Signal]) -> Vec<Hit> {
        signals.iter().map(|s| Hit::new(*s)).collect()
    }

    #[test]
    fn nothing_special_is_deferrable() {
        assert_eq!(pick(&[]).0, Category::Deferrable);
    }

    #[test]
    fn spam_flag_beats_everything() {
        let (c, why) = pick(&hits(&[
            Signal::SpamFlag,
            Signal::CalendarPart,
            Signal::ListId,
            Signal::Dsn,
        ]));
        assert_eq!(c, Category::Junk);
        assert_eq!(why, vec![Signal::SpamFlag]);
    }

    #[test]
    fn bounces_beat_lists_and_calendars() {
        assert_eq!(
            pick(&hits(&[
                Signal::Dsn,
                Signal::ListId,
                Signal::ListUnsubscribe
            ]))
            .0,
            Category::Notification
        );
    }

    #[test]
    fn list_post_is_newsletter_and_explained() {
        let (c, why) = pick(&hits(&[
            Signal::ListId,
            Signal::ListUnsubscribe,
            Signal::PrecedenceList,
        ]));
        assert_eq!(c, Category::Newsletter);
        assert_eq!(
            why,
            vec![
                Signal::ListId,
                Signal::PrecedenceList,
                Signal::ListUnsubscribe
            ]
        );
    }

    #[test]
    fn direct_request_is_important() {
        assert_eq!(
            pick(&hits(&[
                Signal::DirectTo,
                Signal::RequestWords,
                Signal::Question
            ]))
            .0,
            Category::Important
        );
        assert_eq!(pick(&hits(&[Signal::DirectTo])).0, Category::Deferrable);
    }

    #[test]
    fn ties_go_to_the_more_urgent_category() {
        let h = |signal, strength| Hit {
            signal,
            strength,
            evidence: vec![],
        };
        // urgent: 18; important: 6 + 4 + 4 x 2 = 18; deferrable: 15.
        let tie = vec![
            h(Signal::UrgentWords, 1),
            h(Signal::DirectTo, 1),
            h(Signal::ReplyThread, 1),
            h(Signal::DeadlineWords, 2),
        ];
        assert_eq!(pick(&tie).0, Category::Urgent);
    }
}
