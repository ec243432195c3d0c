//! `check --chart FILE.png`: the SVG chart (`chart::svg`)
//! rasterised by resvg at twice its size (1600 × 920 pixels, sharp on a
//! slide or a high-density screen).
//!
//! The labels are drawn with a font built into the binary (DejaVu Sans cut
//! down to printable ASCII by `scripts/subset-chart-font.sh`, 23 KB;
//! licence in `src/render/font/LICENSE`), never with the machine's fonts:
//! a runner or container with no fonts installed gets the same picture, and
//! the same bytes, as a laptop. Every label the chart draws is text
//! ier-gate writes itself (months, ratios, the legend), so ASCII covers it.

/// DejaVu Sans, printable ASCII and a few signs (`×`, `→`, `−`, `±`).
const FONT: &[u8] = include_bytes!("font/chart-sans.ttf");
/// The family name inside [`FONT`].
const FAMILY: &str = "DejaVu Sans";
/// Pixels per SVG unit.
const SCALE: f32 = 2.0;

/// Any SVG of ours as PNG bytes, its text in the built-in font.
pub fn rasterise(svg: &str) -> Result<Vec<u8>, String> {
    use resvg::{tiny_skia, usvg};
    let err = |e: &dyn std::fmt::Display| format!("cannot draw the chart as PNG: {e}");
    let mut opt = usvg::Options {
        font_family: FAMILY.into(),
        ..usvg::Options::default()
    };
    let db = opt.fontdb_mut();
    db.load_font_data(FONT.to_vec());
    db.set_sans_serif_family(FAMILY);
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| err(&e))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(SCALE)
        .ok_or_else(|| err(&"the chart has no size"))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| err(&"the chart is too large"))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| err(&e))
}

#[cfg(test)]
mod tests {
    /// The built-in font is what the rasteriser finds for `sans-serif`: a
    /// text-only SVG turns dark pixels on. With no font found, usvg drops
    /// the text and the picture stays white.
    #[test]
    fn text_is_drawn_with_the_built_in_font() {
        let svg = r##"<svg width="200" height="40" xmlns="http://www.w3.org/2000/svg"><rect width="200" height="40" fill="#fff"/><text x="4" y="30" font-family="sans-serif" font-size="24" fill="#000">2027-08 8:1</text></svg>"##;
        let bytes = super::rasterise(svg).expect("rasterises");
        let img = resvg::tiny_skia::Pixmap::decode_png(&bytes).expect("decodes");
        assert_eq!((img.width(), img.height()), (400, 80));
        let dark = img
            .pixels()
            .iter()
            .filter(|p| p.red() < 96 && p.green() < 96 && p.blue() < 96)
            .count();
        assert!(dark > 200, "{dark} dark pixels: the text was not drawn");
        let empty = r##"<svg width="200" height="40" xmlns="http://www.w3.org/2000/svg"><rect width="200" height="40" fill="#fff"/></svg>"##;
        let blank =
            resvg::tiny_skia::Pixmap::decode_png(&super::rasterise(empty).unwrap()).unwrap();
        assert!(blank.pixels().iter().all(|p| p.red() == 255));
    }
}
