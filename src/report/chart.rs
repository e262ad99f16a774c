//! The digest's one chart: messages per day, stacked by category, as a PNG that the HTML
//! digest shows inline (by Content-ID). Drawn with plotters, in the reader's order: days run
//! right to left in an Arabic digest. Each day is labelled with its weekday and date in the
//! digest's language, and the days off of the mailbox's schedule are shaded. The rasteriser
//! does no shaping, so Arabic labels are joined into presentation forms first (ar-reshaper)
//! and written in visual order. The legend is HTML beside the chart. Labels need a TrueType
//! font with Arabic (DejaVu Sans has it), looked for at `[report] chart_font` and in the usual
//! Debian places; without one the chart is drawn without labels.

use super::model::Digest;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::OnceLock;

/// Colour of each category in the chart and in the HTML legend.
pub fn colour(category: &str) -> (u8, u8, u8) {
    match category {
        "urgent" => (0xc6, 0x28, 0x28),
        "important" => (0xef, 0x6c, 0x00),
        "support" => (0x15, 0x65, 0xc0),
        "meeting" => (0x6a, 0x1b, 0x9a),
        "deferrable" => (0x2e, 0x7d, 0x32),
        "notification" => (0x54, 0x6e, 0x7a),
        "newsletter" => (0x00, 0x83, 0x8f),
        "promotional" => (0xad, 0x14, 0x57),
        "junk" => (0x9e, 0x9e, 0x9e),
        other => {
            let h = other
                .bytes()
                .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
            (
                (h & 0x7f) as u8 + 0x40,
                ((h >> 8) & 0x7f) as u8 + 0x40,
                ((h >> 16) & 0x7f) as u8 + 0x40,
            )
        }
    }
}

/// Places a TrueType font is usually found on Debian.
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
];

/// Registers a font for labels once; false if none was found.
fn font_ready(configured: Option<&std::path::Path>) -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        let candidates = configured
            .into_iter()
            .map(|p| p.to_path_buf())
            .chain(FONT_PATHS.iter().map(std::path::PathBuf::from));
        for path in candidates {
            if let Ok(bytes) = std::fs::read(&path) {
                // plotters keeps fonts for the life of the process.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

/// The chart could not be drawn or encoded.
#[derive(Debug, thiserror::Error)]
#[error("the chart could not be drawn: {0}")]
pub struct ChartError(#[source] Box<dyn std::error::Error + Send + Sync>);

impl ChartError {
    fn of(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        ChartError(Box::new(e))
    }
}

/// Light grey behind the days off.
pub const DAY_OFF: (u8, u8, u8) = (0xee, 0xee, 0xee);

/// Where each day of the digest goes and what it says under it: `(slot, label, day off)`,
/// slot 0 at the left. Days run left to right, or right to left for a right-to-left language.
pub fn slots(d: &Digest) -> Vec<(usize, String, bool)> {
    let s = crate::locale::Strings::for_language(d.language);
    let n = d.per_day.len();
    d.per_day
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let slot = if s.rtl { n - 1 - i } else { i };
            let weekday = s.get(&format!(
                "weekday_short_{}",
                chrono::Datelike::weekday(&day.day).number_from_monday()
            ));
            let date = chrono::Datelike::day(&day.day);
            let date = crate::locale::finish(&date.to_string(), d.digits, false);
            let label = if s.rtl {
                // Visual order, left to right: the number, then the joined word reversed.
                let joined = ar_reshaper::reshape_line(&weekday);
                format!("{date} {}", joined.chars().rev().collect::<String>())
            } else {
                format!("{weekday} {date}")
            };
            (slot, label, !day.working_day)
        })
        .collect()
}

/// The chart as PNG bytes.
pub fn png(d: &Digest, font: Option<&std::path::Path>) -> Result<Vec<u8>, ChartError> {
    let (w, h) = (640u32, 280u32);
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    let labels = font_ready(font);
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(ChartError::of)?;
        let days = d.per_day.len().max(1);
        let max = d
            .per_day
            .iter()
            .map(|x| x.categories.values().sum::<u64>())
            .max()
            .unwrap_or(0)
            .max(1);
        let top = max * 11 / 10 + 1;
        let mut builder = ChartBuilder::on(&root);
        builder.margin(12);
        if labels {
            builder.x_label_area_size(28).y_label_area_size(36);
        }
        // One unit per day: day i fills [i, i + 1].
        let mut chart = builder
            .build_cartesian_2d(0f64..days as f64, 0u64..top)
            .map_err(ChartError::of)?;
        if labels {
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_label_formatter(&|y| crate::locale::finish(&y.to_string(), d.digits, false))
                .label_style(("sans-serif", 12))
                .draw()
                .map_err(ChartError::of)?;
        }
        let slots = slots(d);
        let (r, g, b) = DAY_OFF;
        for (slot, _, off) in &slots {
            if *off {
                let x = *slot as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x, 0), (x + 1.0, top)],
                        RGBColor(r, g, b).filled(),
                    )))
                    .map_err(ChartError::of)?;
            }
        }
        let order: Vec<String> = d.received.iter().map(|c| c.category.clone()).collect();
        for (day, (slot, _, _)) in d.per_day.iter().zip(&slots) {
            let x = *slot as f64;
            let mut base = 0u64;
            for cat in &order {
                let n = day.categories.get(cat).copied().unwrap_or(0);
                if n == 0 {
                    continue;
                }
                let (r, g, b) = colour(cat);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x + 0.12, base), (x + 0.88, base + n)],
                        RGBColor(r, g, b).filled(),
                    )))
                    .map_err(ChartError::of)?;
                base += n;
            }
        }
        if labels {
            let style = TextStyle::from(("sans-serif", 11).into_font())
                .pos(Pos::new(HPos::Center, VPos::Top));
            for (slot, label, _) in &slots {
                let (px, py) = chart.backend_coord(&(*slot as f64 + 0.5, 0));
                root.draw(&Text::new(label.clone(), (px, py + 6), style.clone()))
                    .map_err(ChartError::of)?;
            }
        }
        root.present().map_err(ChartError::of)?;
    }
    let image = image::RgbImage::from_raw(w, h, rgb)
        .ok_or_else(|| ChartError::of(std::io::Error::other("chart buffer size")))?;
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageOutputFormat::Png)
        .map_err(ChartError::of)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::DayCounts;
    use chrono::NaiveDate;

    fn digest(language: &'static str) -> Digest {
        let mut d = crate::report::model::tests::sample(language);
        // A week from Sunday 22 to Saturday 28 November 2026, Friday and Saturday off.
        d.per_day = (0..7)
            .map(|i| {
                let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap() + chrono::Days::new(i);
                DayCounts {
                    day,
                    working_day: i < 5,
                    categories: [("urgent".to_string(), i + 1)].into(),
                }
            })
            .collect();
        d
    }

    #[test]
    fn days_run_in_reading_order_with_weekday_labels_and_days_off() {
        let en = slots(&digest("en"));
        assert_eq!(en[0], (0, "Sun 22".to_string(), false));
        assert_eq!(en[5], (5, "Fri 27".to_string(), true));
        assert_eq!(en.len(), 7, "one slot per day, no empty slot");
        let ar = slots(&digest("ar"));
        // Sunday, the first day, is at the right.
        assert_eq!(ar[0].0, 6);
        assert_eq!(ar[6].0, 0);
        assert!(ar[0].1.starts_with("22 "), "{}", ar[0].1);
        // Joined letters (presentation forms), not the bare letters the font cannot join.
        assert!(
            ar[0]
                .1
                .chars()
                .any(|c| ('\u{FE70}'..='\u{FEFF}').contains(&c)),
            "{}",
            ar[0].1
        );
        assert!(ar[5].2 && ar[6].2 && !ar[4].2);
        // The mailbox's digits, as in the rest of the digest.
        let mut d = digest("ar");
        d.digits = crate::locale::Digits::ArabicIndic;
        assert!(slots(&d)[0].1.starts_with("٢٢ "), "{}", slots(&d)[0].1);
    }

    #[test]
    fn days_off_are_shaded_in_the_picture() {
        let png = png(&digest("ar"), None).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        let (r, g, b) = DAY_OFF;
        let shaded = img.pixels().filter(|p| p.0 == [r, g, b]).count();
        assert!(shaded > 1000, "{shaded} shaded pixels");
        // Right to left: Friday and Saturday, the days off, are the two leftmost slots.
        let row = img.height() / 3;
        let first_shaded = (0..img.width()).find(|x| img.get_pixel(*x, row).0 == [r, g, b]);
        assert!(
            first_shaded.is_some_and(|x| x < img.width() / 3),
            "{first_shaded:?}"
        );
    }
}
