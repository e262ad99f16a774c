//! Built-in word lists, English and Arabic, that language signals match as whole words.
//!
//! Entries are written naturally (with hamza, taa marbuta...); they are normalised when the
//! list is built, so "عاجل" also matches "عَاجِل" and "عــاجل". `[words]` in the configuration
//! adds entries to each list.

use crate::config::raw::RawWords;
use crate::text::{Found, WordLists};

const URGENT: &[&str] = &[
    "urgent",
    "urgently",
    "emergency",
    "asap",
    "immediately",
    "critical",
    "time-sensitive",
    "time sensitive",
    "as soon as possible",
    "right away",
    "top priority",
    "high priority",
    "action required",
    "immediate action",
    "outage",
    "escalation",
    "عاجل",
    "عاجله",
    "طارئ",
    "طارئة",
    "فوري",
    "فورا",
    "فوراً",
    "حالا",
    "ضروري",
    "هام جدا",
    "مهم جدا",
    "بأسرع وقت",
    "في أسرع وقت",
    "على وجه السرعة",
    "أولوية قصوى",
    "بشكل عاجل",
];

const DEADLINE: &[&str] = &[
    "today",
    "tonight",
    "deadline",
    "due",
    "by tomorrow",
    "end of day",
    "eod",
    "cob",
    "close of business",
    "no later than",
    "before friday",
    "by friday",
    "by monday",
    "within the hour",
    "expires",
    "overdue",
    "اليوم",
    "الليلة",
    "غدا",
    "غداً",
    "الموعد النهائي",
    "موعد أقصاه",
    "قبل نهاية اليوم",
    "في موعد أقصاه",
    "آخر موعد",
    "قبل يوم",
    "متأخر",
];

const SUPPORT: &[&str] = &[
    "support",
    "helpdesk",
    "help desk",
    "ticket",
    "issue",
    "bug",
    "error",
    "not working",
    "doesn't work",
    "does not work",
    "can't log in",
    "cannot log in",
    "login",
    "password reset",
    "reset my password",
    "crash",
    "broken",
    "troubleshoot",
    "technical problem",
    "دعم",
    "الدعم الفني",
    "مشكلة",
    "مشكله",
    "عطل",
    "خطأ",
    "لا يعمل",
    "تذكرة",
    "كلمة المرور",
    "تسجيل الدخول",
    "مساعدة فنية",
];

const PROMOTIONAL: &[&str] = &[
    "sale",
    "discount",
    "% off",
    "offer",
    "special offer",
    "limited time",
    "deal",
    "deals",
    "coupon",
    "promo",
    "promotion",
    "free shipping",
    "buy now",
    "shop now",
    "order now",
    "save",
    "exclusive",
    "clearance",
    "black friday",
    "cyber monday",
    "subscribe now",
    "best price",
    "lowest price",
    "win",
    "winner",
    "prize",
    "bonus",
    "webinar",
    "عرض",
    "عروض",
    "خصم",
    "تخفيضات",
    "تخفيض",
    "كوبون",
    "اشتر الآن",
    "تسوق الآن",
    "مجانا",
    "مجاني",
    "شحن مجاني",
    "لفترة محدودة",
    "عرض خاص",
    "الجمعة البيضاء",
];

const SCHEDULING: &[&str] = &[
    "meeting",
    "meet",
    "call",
    "schedule",
    "reschedule",
    "calendar",
    "appointment",
    "availability",
    "available",
    "invite",
    "invitation",
    "agenda",
    "zoom",
    "teams meeting",
    "conference call",
    "time slot",
    "let's meet",
    "catch up",
    "اجتماع",
    "موعد",
    "لقاء",
    "مقابلة",
    "جدول",
    "دعوة",
    "متى يناسبك",
    "مكالمة",
    "الاجتماع",
];

const REQUEST: &[&str] = &[
    "please",
    "could you",
    "can you",
    "would you",
    "let me know",
    "your thoughts",
    "approve",
    "approval",
    "confirm",
    "review",
    "feedback",
    "need",
    "request",
    "kindly",
    "advise",
    "sign",
    "decision",
    "reply",
    "يرجى",
    "الرجاء",
    "نرجو",
    "أرجو",
    "هل يمكن",
    "هل يمكنك",
    "ممكن",
    "الموافقة",
    "اعتماد",
    "مراجعة",
    "تأكيد",
    "أفيدونا",
    "رأيك",
    "نحتاج",
    "طلب",
];

const UNSUBSCRIBE: &[&str] = &[
    "unsubscribe",
    "opt out",
    "opt-out",
    "manage preferences",
    "email preferences",
    "إلغاء الاشتراك",
    "الغاء الاشتراك",
];

const AUTO_REPLY_SUBJECT: &[&str] = &[
    "out of office",
    "out of the office",
    "automatic reply",
    "auto reply",
    "autoreply",
    "auto-reply",
    "away from my desk",
    "on vacation",
    "on leave",
    "abwesenheitsnotiz",
    "réponse automatique",
    "رد تلقائي",
    "خارج المكتب",
];

const BOUNCE_SUBJECT: &[&str] = &[
    "undelivered mail",
    "undeliverable",
    "delivery status notification",
    "delivery failure",
    "delivery failed",
    "mail delivery failed",
    "failure notice",
    "returned mail",
    "returned to sender",
    "delivery has failed",
    "could not be delivered",
    "delivery problem",
    "nondeliverable",
    "non-delivery",
    "non delivery",
    "mail system error",
    "could not send",
    "delayed mail",
    "delivery notification",
    "message not delivered",
    "mail error",
    "delivery warning",
    "mail delivery warning",
    "user unknown",
    "mail delivery system",
    "permanent error",
    "delivery report",
    "undeliverable mail",
    "message undeliverable",
    "nicht zustellbar",
    "unzustellbar",
    "niet afgeleverd",
    "non remis",
    "fallo en la entrega",
    "تعذر التسليم",
    "فشل التسليم",
];

/// The built-in lists, by position in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lex {
    Urgent,
    Deadline,
    Support,
    Promotional,
    Scheduling,
    Request,
    Unsubscribe,
    AutoReplySubject,
    BounceSubject,
}

/// The compiled word lists, indexed together so that a text is scanned once.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub lists: WordLists,
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon::new(&RawWords::default())
    }
}

impl Lexicon {
    /// The built-in lists extended with the configuration's `[words]`.
    pub fn new(extra: &RawWords) -> Self {
        let list = |base: &[&str], more: &[String]| -> Vec<String> {
            base.iter()
                .map(|s| s.to_string())
                .chain(more.iter().cloned())
                .collect()
        };
        // Order follows `Lex`.
        let lists = vec![
            list(URGENT, &extra.urgent),
            list(DEADLINE, &extra.deadline),
            list(SUPPORT, &extra.support),
            list(PROMOTIONAL, &extra.promotional),
            list(SCHEDULING, &extra.scheduling),
            list(REQUEST, &extra.request),
            list(UNSUBSCRIBE, &[]),
            list(AUTO_REPLY_SUBJECT, &[]),
            list(BOUNCE_SUBJECT, &[]),
        ];
        Lexicon {
            lists: WordLists::new(&lists),
        }
    }

    /// The entries of `list` in `found`, as written.
    pub fn words(&self, list: Lex, found: &Found) -> Vec<&str> {
        self.lists.entries_of(list as usize, found)
    }
}
