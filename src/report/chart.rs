//! The digest's one chart: messages per day, stacked by category, as a PNG that the HTML
//! digest shows inline (by Content-ID). Drawn with plotters. Labels are only dates and numbers
//! (the legend, in the reader's language and with proper Arabic shaping, is HTML beside it);
//! they need a TrueType font, looked for at `[report] chart_font` and in the usual Debian
//! places; without one the chart is drawn without labels.

use super::model::Digest;
use plotters::prelude::*;
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
        let mut builder = ChartBuilder::on(&root);
        builder.margin(12);
        if labels {
            builder.x_label_area_size(28).y_label_area_size(36);
        }
        let mut chart = builder
            .build_cartesian_2d((0..days as u32).into_segmented(), 0u64..(max * 11 / 10 + 1))
            .map_err(ChartError::of)?;
        if labels {
            let names: Vec<String> = d
                .per_day
                .iter()
                .map(|x| x.day.format("%m-%d").to_string())
                .collect();
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(days)
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => {
                        names.get(*i as usize).cloned().unwrap_or_default()
                    }
                    _ => String::new(),
                })
                .y_label_formatter(&|y| y.to_string())
                .label_style(("sans-serif", 12))
                .draw()
                .map_err(ChartError::of)?;
        }
        let order: Vec<String> = d.received.iter().map(|c| c.category.clone()).collect();
        for (i, day) in d.per_day.iter().enumerate() {
            let mut base = 0u64;
            for cat in &order {
                let n = day.categories.get(cat).copied().unwrap_or(0);
                if n == 0 {
                    continue;
                }
                let (r, g, b) = colour(cat);
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i as u32), base),
                        (SegmentValue::Exact(i as u32 + 1), base + n),
                    ],
                    RGBColor(r, g, b).filled(),
                );
                bar.set_margin(0, 0, 6, 6);
                chart
                    .draw_series(std::iter::once(bar))
                    .map_err(ChartError::of)?;
                base += n;
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
