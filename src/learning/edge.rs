//! The model's edge: lessons to the store, the model back from it.
//!
//! The store holds the organisation's layer (`*`) and each mailbox's own, as keyed feature
//! hashes, plus the installation's hashing key (set once by whichever host or command asks
//! first, so every host of one store hashes alike). A milter host reads the whole model at
//! start and again whenever a layer's version has moved ([`refresh`]); `musaid learn` and the
//! IMAPSieve scripts write lessons ([`learn`]).

use crate::classify::{Category, Input, features, signals};
use crate::config::Config;
use crate::message::{Envelope, ParsedMessage};
use crate::model::hashing::{Hashed, Sink};
use crate::model::linear::{self, CLASSES, Layer};
use crate::model::{Model, ORG_LAYER, starter};
use crate::store::{Learned, Lesson, Store, StoreError};
use siphasher::sip::SipHasher13;
use std::hash::Hasher;
use std::sync::Arc;

/// A new random hashing key (offered to the store, which keeps the first one it was given).
pub fn random_key() -> [u8; 16] {
    use ring::rand::SecureRandom;
    let mut key = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut key)
        .expect("the system's random source works");
    key
}

/// The starter layer hashed under `key`, or an empty layer when the configuration leaves it
/// out.
pub fn starter_layer(config: &Config, key: [u8; 16]) -> Arc<Layer> {
    if !config.classifier.starter {
        return Arc::new(Layer::default());
    }
    Arc::new(
        starter::parse(starter::SHIPPED, key).expect("the shipped starter model is well-formed"),
    )
}

/// The starter model alone, under `key` (what sorts before the store has answered).
pub fn starter_only(config: &Config, key: [u8; 16]) -> Model {
    let starter = starter_layer(config, key);
    Model {
        key,
        base: (*starter).clone(),
        starter,
        ..Default::default()
    }
}

/// Reads the whole model: the key, the starter layer, every layer the store has.
pub async fn load(store: &Store, config: &Config) -> Result<Model, StoreError> {
    let key = store.model_key(random_key()).await?;
    let versions = store.model_versions().await?;
    assemble(store, config, key, versions, None).await
}

/// The model from the store's layers at `versions`, under `key`. The starter layer of
/// `previous` is kept when it was hashed under the same key (it is the same shipped file):
/// a refresh reads the store, not the starter model again.
async fn assemble(
    store: &Store,
    config: &Config,
    key: [u8; 16],
    versions: Vec<(String, u64)>,
    previous: Option<&Model>,
) -> Result<Model, StoreError> {
    let starter = match previous {
        Some(p) if p.key == key && config.classifier.starter && !p.starter.is_empty() => {
            p.starter.clone()
        }
        _ => starter_layer(config, key),
    };
    let mut model = Model {
        key,
        base: (*starter).clone(),
        starter,
        version: fingerprint(&versions),
        ..Default::default()
    };
    for (layer, _) in versions {
        let counts = store.model_load(layer.clone()).await?;
        if layer == ORG_LAYER {
            model.base.absorb(&counts);
        } else {
            model.mailboxes.insert(layer, counts);
        }
    }
    Ok(model)
}

/// The model a starting milter host serves with: the store's, or, while the store cannot be
/// reached, the starter model alone under a provisional key (replaced by [`refresh`] as soon
/// as the store answers).
pub async fn initial(store: &Store, config: &Config) -> Model {
    if !config.classifier.model {
        return Model::default();
    }
    match crate::store::within(config.store.timeout, load(store, config)).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "learned model not read; sorting with the starter model until the store answers");
            starter_only(config, [0; 16])
        }
    }
}

/// A new snapshot when the store's layers changed since `current` was read, else None.
pub async fn refresh(
    store: &Store,
    config: &Config,
    current: &Model,
) -> Result<Option<Model>, StoreError> {
    let versions = store.model_versions().await?;
    if fingerprint(&versions) == current.version && current.key != [0; 16] {
        return Ok(None);
    }
    // Asked again (one read): a store set up anew has a new key.
    let key = store.model_key(random_key()).await?;
    assemble(store, config, key, versions, Some(current))
        .await
        .map(Some)
}

/// One number for the layers' versions: changes whenever any layer changes.
fn fingerprint(versions: &[(String, u64)]) -> u64 {
    let mut h = SipHasher13::new();
    for (layer, v) in versions {
        h.write(layer.as_bytes());
        h.write_u64(*v);
    }
    h.finish().max(1)
}

/// The model for a one-shot command (`musaid classify`, `musaid eval`): the store's, when
/// the store is there (an SQLite file that does not exist yet is not created), else the
/// starter model alone, with a note on standard error. None when the model is off.
pub fn for_command(config: &Config) -> Option<Model> {
    if !config.classifier.model {
        return None;
    }
    let starter_only = |why: String| {
        eprintln!("musaid: {why}; using the starter model only");
        Some(starter_only(config, [0; 16]))
    };
    if let crate::config::StoreUrl::Sqlite(path) = &config.store.url {
        use std::os::unix::fs::MetadataExt;
        match std::fs::metadata(path) {
            Err(_) => return starter_only(format!("no store at {}", path.display())),
            // Opening the database may create its -wal and -shm files, owned by whoever
            // opens it: root running `musaid classify` must not leave files the milter's own
            // user cannot write.
            // SAFETY: geteuid has no preconditions.
            Ok(m) if m.uid() != unsafe { libc::geteuid() } => {
                return starter_only(format!(
                    "{} belongs to another user (uid {}); run as that user to use what it learned",
                    path.display(),
                    m.uid()
                ));
            }
            Ok(_) => {}
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let store = Store::open(&config.store);
        match crate::store::within(
            config.store.timeout.max(std::time::Duration::from_secs(2)),
            load(&store, config),
        )
        .await
        {
            Ok(m) => Some(m),
            Err(e) => starter_only(format!("the store's model could not be read ({e})")),
        }
    })
}

/// A message read for learning or evaluation: what the weight table alone says of it, and
/// its digest (the identity under which it is learned).
#[derive(Debug, Clone)]
pub struct Read {
    pub table: Category,
    pub digest: u64,
    pub arabic: bool,
}

/// Reads one message into `sink`'s features, with the envelope given.
pub fn read(config: &Config, envelope: &Envelope, bytes: &[u8], sink: &mut impl Sink) -> Read {
    let message = ParsedMessage::parse(bytes, bytes.len(), false);
    let input = Input::new(config, envelope, &message, chrono::Utc::now());
    let hits = signals::detect(&input);
    features::extract(&input, &hits, sink);
    let table =
        crate::classify::decide::decide(&hits, &message.calendar_methods, input.robot_from(), None)
            .category;
    let mut h = SipHasher13::new_with_key(b"musaid-lesson-id");
    match &message.message_id {
        Some(id) => h.write(id.trim().to_ascii_lowercase().as_bytes()),
        None => h.write(bytes),
    }
    Read {
        table,
        digest: h.finish(),
        arabic: crate::text::looks_arabic(&format!("{} {}", message.subject, message.text)),
    }
}

/// The class a message is learned as when it is labelled `category`, or when it is plain
/// "not spam" (`None`): then what the weight table says of it, unless that files it away
/// (a reader who leaves it in the inbox says it is not junk or a promotion).
pub fn class_for(category: Option<&Category>, read: &Read) -> usize {
    let chosen = match category {
        Some(c) => c.clone(),
        None if matches!(read.table, Category::Junk | Category::Promotional) => {
            Category::Deferrable
        }
        None => read.table.clone(),
    };
    linear::class_of(&chosen).unwrap_or(linear::class_of(&Category::Deferrable).expect("built in"))
}

/// The layer a lesson for `mailbox` goes to.
pub fn layer_for(config: &Config, mailbox: Option<&str>) -> String {
    match mailbox {
        Some(m) if config.classifier.mailbox_layers => m.to_ascii_lowercase(),
        _ => ORG_LAYER.to_string(),
    }
}

/// What a lesson says of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// It is of this category.
    Is(Category),
    /// It is not spam (see [`class_for`]).
    Ham,
    /// Forget it.
    Forget,
}

/// A lesson before it is learned: a message (by digest) of `layer` is of class `class`, or
/// forgotten (`None`), and its distinct features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub layer: String,
    pub message: u64,
    pub class: Option<u8>,
    pub features: Vec<u64>,
}

/// One lesson: `bytes` is as `label` says, in `layer`.
pub fn lesson(
    config: &Config,
    key: [u8; 16],
    envelope: &Envelope,
    bytes: &[u8],
    label: &Label,
    layer: &str,
) -> Draft {
    let mut sink = Hashed::new(key);
    let read = read(config, envelope, bytes, &mut sink);
    let class = match label {
        Label::Is(c) => Some(class_for(Some(c), &read) as u8),
        Label::Ham => Some(class_for(None, &read) as u8),
        Label::Forget => None,
    };
    Draft {
        layer: layer.to_string(),
        message: read.digest,
        class,
        features: sink.finish(),
    }
}

/// Lessons trained together: each is learned against the model as the ones before it left
/// it, and a batch is one store transaction.
const BATCH: usize = 500;

/// Learns `drafts`: reads the layers they need, trains each batch of one layer's lessons against what
/// that layer's mail is scored with (the starter model and the organisation's lessons, plus
/// the mailbox's own for a mailbox layer), hands the store each lesson with its weight
/// change (each lesson atomic; the store adds a change only when the lesson is news), then
/// prunes the layers touched to `[classifier] max_features`.
pub async fn learn(
    store: &Store,
    config: &Config,
    drafts: Vec<Draft>,
) -> Result<Vec<Learned>, StoreError> {
    let mut layers: Vec<String> = drafts.iter().map(|l| l.layer.clone()).collect();
    layers.sort();
    layers.dedup();
    // What the lessons are trained against: the organisation's layer and the ones they go to.
    let key = store.model_key(random_key()).await?;
    let versions = store
        .model_versions()
        .await?
        .into_iter()
        .filter(|(l, _)| l == ORG_LAYER || layers.contains(l))
        .collect();
    let mut model = assemble(store, config, key, versions, None).await?;
    let mut out = Vec::with_capacity(drafts.len());
    let mut start = 0;
    while start < drafts.len() {
        let layer = &drafts[start].layer;
        let len = drafts[start..]
            .iter()
            .take(BATCH)
            .take_while(|d| &d.layer == layer)
            .count();
        let batch = &drafts[start..start + len];
        start += len;
        out.extend(learn_batch(store, &mut model, batch).await?);
    }
    for layer in layers {
        store
            .model_prune(layer, config.classifier.max_features)
            .await?;
    }
    Ok(out)
}

/// Trains and stores one batch of lessons of one layer, and adds what the store took to
/// `model`, so the next batch learns against it.
async fn learn_batch(
    store: &Store,
    model: &mut Model,
    batch: &[Draft],
) -> Result<Vec<Learned>, StoreError> {
    let Some(layer) = batch.first().map(|d| d.layer.clone()) else {
        return Ok(Vec::new());
    };
    let examples: Vec<linear::Example<'_>> = batch
        .iter()
        .map(|d| linear::Example {
            class: d.class.map(usize::from),
            features: &d.features,
        })
        .collect();
    let changes = match model.mailboxes.get(&layer) {
        Some(own) if layer != ORG_LAYER => linear::train(&[&model.base, own], &examples),
        _ => linear::train(&[&model.base], &examples),
    };
    let lessons: Vec<Lesson> = batch
        .iter()
        .zip(&changes)
        .map(|(d, change)| Lesson {
            layer: d.layer.clone(),
            message: d.message,
            class: d.class,
            weights: change.tokens.iter().map(|(f, w)| (*f, *w)).collect(),
        })
        .collect();
    let learned = store.model_learn(lessons).await?;
    let target = if layer == ORG_LAYER {
        &mut model.base
    } else {
        model.mailboxes.entry(layer).or_default()
    };
    for ((d, change), outcome) in batch.iter().zip(&changes).zip(&learned) {
        let old = match outcome {
            Learned::Unknown | Learned::Unchanged => continue,
            Learned::New => None,
            Learned::Moved(o) | Learned::Forgotten(o) => Some(*o),
        };
        target.absorb(change);
        if let Some(o) = old {
            target.count(usize::from(o), false);
        }
        if let Some(c) = d.class {
            target.count(usize::from(c), true);
        }
    }
    Ok(learned)
}

/// The name of a class index, for messages.
pub fn class_name(class: u8) -> &'static str {
    CLASSES
        .get(usize::from(class))
        .map_or("unknown", |c| c.name())
}
