//! `musaid eval`: how well musaid sorts labelled mail.
//!
//! Labelled mail comes as a labels file (JSON: `{"file.eml": {"category": "urgent",
//! "language": "ar"}, …}` or `{"file.eml": "urgent"}`, files found beside it or in its
//! `messages/` folder) or as folders named by category (`urgent/`, `junk/`, …; `spam/` is junk,
//! `ham/` is "not spam", any category but junk and promotional).
//!
//! Without cross-validation every message is classified as `musaid classify` would, with the
//! installation's model. With `--cross-validate K` the messages are dealt into K folds
//! (stratified by label, in an order fixed by their names); each fold is classified by a model
//! learned from the other folds only, from nothing (no starter model, no store), so the
//! figures say how musaid does on mail it has never seen. `--split F` learns from the first
//! fraction F of each label and tests on the rest.
//!
//! The report: precision, recall and F1 per category, macro-F1 over the labelled categories,
//! per language too, the confusion matrix, and for spam and ham how much was filed away
//! (junk or promotional). Ham filed in a category that keeps mail is not counted against
//! that category's precision: "not spam" is right anywhere in the inbox.

use super::edge::{self, Read};
use super::{ReadError, mailfiles};
use crate::classify::Category;
use crate::config::Config;
use crate::message::Envelope;
use crate::model::Model;
use crate::model::hashing::Hashed;
use crate::model::linear::{self, CLASSES, Example};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a message is labelled.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Truth {
    Is(Category),
    /// Not spam: any category that does not file it away.
    Ham,
}

impl Truth {
    pub fn name(&self) -> &str {
        match self {
            Truth::Is(c) => c.name(),
            Truth::Ham => "ham",
        }
    }

    pub fn parse_label(name: &str) -> Result<Truth, crate::invalid::Invalid> {
        match name {
            "ham" => Ok(Truth::Ham),
            "spam" => Ok(Truth::Is(Category::Junk)),
            other => Category::builtin(other).map(Truth::Is).ok_or_else(|| {
                crate::invalid::Invalid::value(
                    other,
                    "not a category (expected one of the built-in categories, ham or spam)",
                )
            }),
        }
    }
}

/// One labelled message.
#[derive(Debug, Clone)]
pub struct Sample {
    pub name: String,
    pub bytes: Vec<u8>,
    pub truth: Truth,
    /// From the labels file, else "ar" or "en" by the text.
    pub language: Option<String>,
}

/// Reads labelled mail (see the module docs).
pub fn load(labels: Option<&Path>, paths: &[PathBuf]) -> Result<Vec<Sample>, ReadError> {
    match labels {
        Some(file) => load_labels_file(file),
        None => {
            let mut out = Vec::new();
            for root in paths {
                let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
                    .map_err(|error| ReadError::Io {
                        path: root.clone(),
                        error,
                    })?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_dir())
                    .collect();
                dirs.sort();
                if dirs.is_empty() {
                    return Err(ReadError::Layout {
                        path: root.clone(),
                        problem: "no category folders (expected e.g. urgent/, junk/, ham/)".into(),
                    });
                }
                for dir in dirs {
                    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    let truth = Truth::parse_label(name).map_err(|error| ReadError::Label {
                        path: dir.clone(),
                        error,
                    })?;
                    for m in mailfiles::read(std::slice::from_ref(&dir))? {
                        out.push(Sample {
                            name: m.name,
                            bytes: m.bytes,
                            truth: truth.clone(),
                            language: None,
                        });
                    }
                }
            }
            Ok(out)
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Label {
    Name(String),
    Full {
        category: String,
        language: Option<String>,
    },
}

fn load_labels_file(file: &Path) -> Result<Vec<Sample>, ReadError> {
    let text = std::fs::read_to_string(file).map_err(|error| ReadError::Io {
        path: file.to_path_buf(),
        error,
    })?;
    let labels: BTreeMap<String, Label> =
        serde_json::from_str(&text).map_err(|error| ReadError::Labels {
            path: file.to_path_buf(),
            error,
        })?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for (name, label) in labels {
        let (category, language) = match label {
            Label::Name(c) => (c, None),
            Label::Full { category, language } => (category, language),
        };
        let truth = Truth::parse_label(&category).map_err(|error| ReadError::Label {
            path: dir.join(&name),
            error,
        })?;
        let path = [dir.join(&name), dir.join("messages").join(&name)]
            .into_iter()
            .find(|p| p.is_file())
            .ok_or_else(|| ReadError::Layout {
                path: file.to_path_buf(),
                problem: format!("{name}: no such message beside it or in messages/"),
            })?;
        let bytes = std::fs::read(&path).map_err(|error| ReadError::Io {
            path: path.clone(),
            error,
        })?;
        out.push(Sample {
            name,
            bytes,
            truth,
            language,
        });
    }
    Ok(out)
}

/// How the messages are tested.
#[derive(Debug, Clone, Copy)]
pub enum Method {
    /// With the model given.
    AsIs,
    /// K folds, each learned from the others.
    CrossValidate(usize),
    /// Learn from this fraction of each label, test on the rest.
    Split(f64),
}

/// Figures for one category.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryFigures {
    pub category: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Spam and ham filed away (junk or promotional).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FiledAway {
    pub spam: usize,
    pub spam_filed: usize,
    pub ham: usize,
    pub ham_filed: usize,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub messages: usize,
    pub method: String,
    pub categories: Vec<CategoryFigures>,
    pub macro_f1: f64,
    pub macro_f1_by_language: BTreeMap<String, f64>,
    /// truth → predicted → count.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    pub filed_away: FiledAway,
    /// Every message sorted differently from its label: name, label, musaid's category, its
    /// reasons and the model's probabilities.
    pub misses: Vec<Miss>,
}

/// A message sorted differently from its label.
#[derive(Debug, Clone, Serialize)]
pub struct Miss {
    pub file: String,
    pub label: String,
    pub category: String,
    pub reasons: Vec<String>,
    /// The model's probability per category (those it speaks for, to three decimals), when it
    /// was asked: how sure it was, and how close the label came.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub scores: BTreeMap<String, f64>,
}

/// The model's probabilities by category name, rounded to three decimals; the categories it
/// does not speak for (probability 0) left out.
fn scores_by_name(scores: Option<&linear::Scores>) -> BTreeMap<String, f64> {
    let Some(scores) = scores else {
        return BTreeMap::new();
    };
    CLASSES
        .iter()
        .zip(scores.probabilities)
        .filter(|(_, p)| *p > 0.0)
        .map(|(c, p)| (c.name().to_string(), (p * 1000.0).round() / 1000.0))
        .collect()
}

/// A sample as read once: its features and what the table says.
struct Prepared {
    features: Vec<u64>,
    read: Read,
}

/// Evaluates `samples` (see the module docs). `model` is used for [`Method::AsIs`].
pub fn evaluate(
    config: &Config,
    rcpt: &[String],
    samples: &[Sample],
    method: Method,
    model: Option<&Model>,
) -> Report {
    let key = model.map_or([0x5a; 16], |m| m.key);
    let envelopes: Vec<Envelope> = samples
        .iter()
        .map(|s| Envelope::for_file(&s.bytes, None, rcpt))
        .collect();
    let prepared: Vec<Prepared> = samples
        .iter()
        .zip(&envelopes)
        .map(|(s, env)| {
            let mut sink = Hashed::new(key);
            let read = edge::read(config, env, &s.bytes, &mut sink);
            Prepared {
                features: sink.finish(),
                read,
            }
        })
        .collect();
    let folds: Vec<usize> = assign_folds(samples, method);
    let fold_count = match method {
        Method::AsIs => 1,
        Method::CrossValidate(k) => k,
        Method::Split(_) => 2,
    };
    let mut predicted: Vec<Option<Category>> = vec![None; samples.len()];
    let mut reasons: Vec<Vec<String>> = vec![Vec::new(); samples.len()];
    let mut scores: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); samples.len()];
    for fold in 0..fold_count {
        // Split: fold 1 is the test part; fold 0 only trains.
        if matches!(method, Method::Split(_)) && fold == 0 {
            continue;
        }
        let fold_model = match method {
            Method::AsIs => None,
            _ => {
                let examples: Vec<Example<'_>> = prepared
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| folds[*i] != fold)
                    .map(|(i, p)| {
                        let category = match &samples[i].truth {
                            Truth::Is(c) => Some(c),
                            Truth::Ham => None,
                        };
                        Example {
                            class: Some(edge::class_for(category, &p.read)),
                            features: &p.features,
                        }
                    })
                    .collect();
                Some(Model {
                    key,
                    base: linear::fit(&examples),
                    ..Default::default()
                })
            }
        };
        let using = match method {
            Method::AsIs => model,
            _ => fold_model.as_ref(),
        };
        for (i, s) in samples.iter().enumerate() {
            if folds[i] != fold {
                continue;
            }
            let d = crate::pipeline::decide(
                config,
                &envelopes[i],
                crate::pipeline::RawMessage::of_bytes(config, &s.bytes),
                chrono::Utc::now(),
                &crate::cleanup::blackhole::Memory::default(),
                using,
            );
            if let Some(v) = d.verdict {
                reasons[i] = v.reasons;
                scores[i] = scores_by_name(v.scores.as_ref());
                predicted[i] = Some(v.category);
            }
        }
    }
    let method_name = match method {
        Method::AsIs => "as-is".to_string(),
        Method::CrossValidate(k) => format!("{k}-fold cross-validation"),
        Method::Split(f) => format!("split: learned from {:.0}% of each label", f * 100.0),
    };
    let tested: Vec<(usize, Category)> = predicted
        .into_iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (i, p)))
        .collect();
    let language = |i: usize| {
        samples[i]
            .language
            .clone()
            .unwrap_or_else(|| if prepared[i].read.arabic { "ar" } else { "en" }.to_string())
    };
    let mut report = figures(
        tested.iter().map(|(i, p)| (&samples[*i].truth, p)),
        method_name,
    );
    report.misses = tested
        .iter()
        .filter(|(i, p)| match &samples[*i].truth {
            Truth::Is(c) => c != p,
            Truth::Ham => is_filed_away(p),
        })
        .map(|(i, p)| Miss {
            file: samples[*i].name.clone(),
            label: samples[*i].truth.name().to_string(),
            category: p.name().to_string(),
            reasons: reasons[*i].clone(),
            scores: scores[*i].clone(),
        })
        .collect();
    let mut languages: Vec<String> = tested.iter().map(|(i, _)| language(*i)).collect();
    languages.sort();
    languages.dedup();
    for l in languages {
        let part = figures(
            tested
                .iter()
                .filter(|(i, _)| language(*i) == l)
                .map(|(i, p)| (&samples[*i].truth, p)),
            String::new(),
        );
        report.macro_f1_by_language.insert(l, part.macro_f1);
    }
    report
}

/// The fold of every sample: stratified by label, in the order of a hash of the name.
fn assign_folds(samples: &[Sample], method: Method) -> Vec<usize> {
    let mut folds = vec![0; samples.len()];
    let mut by_truth: BTreeMap<&Truth, Vec<usize>> = BTreeMap::new();
    for (i, s) in samples.iter().enumerate() {
        by_truth.entry(&s.truth).or_default().push(i);
    }
    for (_, mut idx) in by_truth {
        idx.sort_by_key(|&i| {
            use std::hash::Hasher;
            let mut h = siphasher::sip::SipHasher13::new();
            h.write(samples[i].name.as_bytes());
            h.finish()
        });
        let n = idx.len();
        for (rank, i) in idx.into_iter().enumerate() {
            folds[i] = match method {
                Method::AsIs => 0,
                Method::CrossValidate(k) => rank % k.max(1),
                Method::Split(f) => usize::from(rank as f64 >= f * n as f64),
            };
        }
    }
    folds
}

fn is_filed_away(c: &Category) -> bool {
    matches!(c, Category::Junk | Category::Promotional)
}

/// Precision, recall, F1 and the confusion matrix of (truth, predicted) pairs.
fn figures<'a>(pairs: impl Iterator<Item = (&'a Truth, &'a Category)>, method: String) -> Report {
    let pairs: Vec<(&Truth, &Category)> = pairs.collect();
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut filed = FiledAway::default();
    for (t, p) in &pairs {
        *confusion
            .entry(t.name().to_string())
            .or_default()
            .entry(p.name().to_string())
            .or_default() += 1;
        match t {
            Truth::Ham => {
                filed.ham += 1;
                filed.ham_filed += usize::from(is_filed_away(p));
            }
            Truth::Is(Category::Junk) => {
                filed.spam += 1;
                filed.spam_filed += usize::from(is_filed_away(p));
            }
            Truth::Is(_) => {}
        }
    }
    let labelled: Vec<&Category> = CLASSES
        .iter()
        .filter(|c| pairs.iter().any(|(t, _)| **t == Truth::Is((*c).clone())))
        .collect();
    let mut categories = Vec::new();
    for c in labelled {
        let tp = pairs
            .iter()
            .filter(|(t, p)| **t == Truth::Is(c.clone()) && *p == c)
            .count();
        // Ham ("not spam") is right in any category that keeps it: it counts against the
        // precision of junk and promotional only.
        let predicted = pairs
            .iter()
            .filter(|(t, p)| *p == c && (**t != Truth::Ham || is_filed_away(c)))
            .count();
        let support = pairs
            .iter()
            .filter(|(t, _)| **t == Truth::Is(c.clone()))
            .count();
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        categories.push(CategoryFigures {
            category: c.name().to_string(),
            precision,
            recall,
            f1,
            support,
        });
    }
    let macro_f1 = if categories.is_empty() {
        0.0
    } else {
        categories.iter().map(|c| c.f1).sum::<f64>() / categories.len() as f64
    };
    Report {
        messages: pairs.len(),
        method,
        categories,
        macro_f1,
        macro_f1_by_language: BTreeMap::new(),
        confusion,
        filed_away: filed,
        misses: Vec::new(),
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The report as text.
pub fn render(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} messages, {}", r.messages, r.method);
    let _ = writeln!(
        out,
        "{:<14}{:>10}{:>8}{:>8}{:>9}",
        "category", "precision", "recall", "F1", "messages"
    );
    for c in &r.categories {
        let _ = writeln!(
            out,
            "{:<14}{:>10.2}{:>8.2}{:>8.2}{:>9}",
            c.category, c.precision, c.recall, c.f1, c.support
        );
    }
    let _ = writeln!(out, "macro-F1 {:.3}", r.macro_f1);
    for (l, f) in &r.macro_f1_by_language {
        let _ = writeln!(out, "macro-F1 {l} {f:.3}");
    }
    let f = &r.filed_away;
    if f.spam > 0 {
        let _ = writeln!(
            out,
            "spam filed away: {} of {} ({:.1}%)",
            f.spam_filed,
            f.spam,
            100.0 * ratio(f.spam_filed, f.spam)
        );
    }
    if f.ham > 0 {
        let _ = writeln!(
            out,
            "ham filed away: {} of {} ({:.2}%)",
            f.ham_filed,
            f.ham,
            100.0 * ratio(f.ham_filed, f.ham)
        );
    }
    let _ = writeln!(out, "confusion (rows: label, columns: musaid):");
    let mut columns: Vec<&String> = r.confusion.values().flat_map(|m| m.keys()).collect();
    columns.sort();
    columns.dedup();
    let _ = write!(out, "{:<14}", "");
    for c in &columns {
        let _ = write!(out, "{:>8}", &c[..c.len().min(7)]);
    }
    let _ = writeln!(out);
    for (t, row) in &r.confusion {
        let _ = write!(out, "{t:<14}");
        for c in &columns {
            let _ = write!(out, "{:>8}", row.get(*c).copied().unwrap_or(0));
        }
        let _ = writeln!(out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_and_confusion() {
        let u = Truth::Is(Category::Urgent);
        let i = Truth::Is(Category::Important);
        let (cu, ci) = (Category::Urgent, Category::Important);
        let pairs = vec![(&u, &cu), (&u, &ci), (&i, &ci), (&i, &ci)];
        let r = figures(pairs.into_iter(), "t".into());
        assert_eq!(r.categories[0].category, "urgent");
        assert!((r.categories[0].precision - 1.0).abs() < 1e-9);
        assert!((r.categories[0].recall - 0.5).abs() < 1e-9);
        assert!((r.categories[1].precision - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(r.confusion["urgent"]["important"], 1);
        let text = render(&r);
        assert!(text.contains("macro-F1 0.733"), "{text}");
    }

    #[test]
    fn ham_kept_in_the_inbox_is_right_and_ham_filed_as_junk_is_wrong() {
        let (d, j, h) = (
            Truth::Is(Category::Deferrable),
            Truth::Is(Category::Junk),
            Truth::Ham,
        );
        let (cd, cj) = (Category::Deferrable, Category::Junk);
        let pairs = vec![(&d, &cd), (&h, &cd), (&h, &cd), (&j, &cj), (&h, &cj)];
        let r = figures(pairs.into_iter(), "t".into());
        let of = |name: &str| r.categories.iter().find(|c| c.category == name).unwrap();
        assert!((of("deferrable").precision - 1.0).abs() < 1e-9);
        assert!((of("junk").precision - 0.5).abs() < 1e-9);
    }

    #[test]
    fn folds_are_stratified_and_fixed() {
        let sample = |n: &str, t: Truth| Sample {
            name: n.into(),
            bytes: vec![],
            truth: t,
            language: None,
        };
        let s: Vec<Sample> = (0..10)
            .map(|i| sample(&format!("u{i}"), Truth::Is(Category::Urgent)))
            .chain((0..10).map(|i| sample(&format!("h{i}"), Truth::Ham)))
            .collect();
        let f = assign_folds(&s, Method::CrossValidate(5));
        for k in 0..5 {
            assert_eq!(f[..10].iter().filter(|&&x| x == k).count(), 2);
            assert_eq!(f[10..].iter().filter(|&&x| x == k).count(), 2);
        }
        assert_eq!(f, assign_folds(&s, Method::CrossValidate(5)));
        let split = assign_folds(&s, Method::Split(0.7));
        assert_eq!(split[..10].iter().filter(|&&x| x == 0).count(), 7);
    }

    #[test]
    fn a_miss_carries_the_models_probabilities() {
        let config = crate::config::from_str("", "t.toml", &Default::default()).unwrap();
        let mail = |i: usize, subject: &str, body: &str| {
            format!(
                "From: person{i}@partner.example\r\nTo: ceo@example.com\r\nSubject: {subject}\r\nMessage-ID: <m{i}@partner.example>\r\n\r\n{body}\r\n"
            )
            .into_bytes()
        };
        let mut samples: Vec<Sample> = (0..12)
            .map(|i| Sample {
                name: format!("s{i:02}"),
                bytes: mail(
                    i,
                    "printer broken",
                    "The printer shows an error and is broken again.",
                ),
                truth: Truth::Is(Category::Support),
                language: None,
            })
            .chain((0..12).map(|i| Sample {
                name: format!("d{i:02}"),
                bytes: mail(
                    100 + i,
                    "lunch photos",
                    "Here are the photos from the team lunch.",
                ),
                truth: Truth::Is(Category::Deferrable),
                language: None,
            }))
            .collect();
        // Labelled deferrable, written like the support requests.
        samples.push(Sample {
            name: "odd".into(),
            bytes: mail(
                999,
                "printer broken",
                "The printer shows an error and is broken again.",
            ),
            truth: Truth::Is(Category::Deferrable),
            language: None,
        });
        let rcpt = ["ceo@example.com".to_string()];
        let r = evaluate(&config, &rcpt, &samples, Method::CrossValidate(3), None);
        let miss = r.misses.iter().find(|m| m.file == "odd").expect("a miss");
        assert_eq!(miss.category, "support");
        assert!(
            miss.scores["support"] > miss.scores["deferrable"],
            "{miss:?}"
        );
        let json = serde_json::to_value(miss).unwrap();
        assert!(json["scores"]["support"].as_f64().unwrap() > 0.5, "{json}");
        // Without a model nothing is scored, and the field is left out.
        let r = evaluate(&config, &rcpt, &samples, Method::AsIs, None);
        assert!(r.misses.iter().any(|m| m.file == "odd"), "{:?}", r.misses);
        for m in &r.misses {
            assert!(m.scores.is_empty());
            assert!(serde_json::to_value(m).unwrap().get("scores").is_none());
        }
    }
}
