//! `ier-gate check --chart FILE.svg|FILE.png`: the trajectory as an SVG
//! document, or that document rasterised.

use ier_gate::cli::{self, Terminal};
use ier_gate::exit::ExitStatus;

use crate::util::examples;

#[test]
fn chart_is_svg_that_parses_as_xml() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("acme.svg");
    let out = cli::run(
        [
            "ier-gate",
            "check",
            "-C",
            &examples("acme"),
            "--chart",
            &path.to_string_lossy(),
        ],
        Terminal::default(),
    );
    assert_eq!(out.code, ExitStatus::Pass, "{}", out.stderr);
    let text = std::fs::read_to_string(&path).expect("the chart is written");
    let doc = roxmltree::Document::parse(&text).expect("the chart is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .collect();
    for want in [
        "In-month IER by month",
        "launch floor 8:1",
        "warning line 5:1",
        "actual in-month IER (baseline)",
        // The baseline's first month, then the horizon's last.
        "2026-06",
        "2027-08",
    ] {
        assert!(texts.iter().any(|t| t == want), "no `{want}` in {texts:?}");
    }
    // The IER lines: the 3 baseline months joined to the first projected
    // one, and a polyline through the 12 projected months.
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter_map(|n| n.attribute("points"))
        .map(|p| p.split_whitespace().count())
        .collect::<Vec<_>>();
    assert!(lines.contains(&12), "{lines:?}");
    assert!(lines.contains(&4), "{lines:?}");
}

/// A 120-month horizon: the history is drawn and about twelve month labels
/// are, not 123.
#[test]
fn a_ten_year_chart_thins_its_month_labels() {
    let tmp = acme_with_horizon(120);
    let path = tmp.path().join("long.svg");
    let out = cli::run(
        [
            "ier-gate",
            "check",
            "-C",
            &tmp.path().to_string_lossy(),
            "--chart",
            &path.to_string_lossy(),
        ],
        Terminal::default(),
    );
    assert_eq!(out.code, ExitStatus::Pass, "{}", out.stderr);
    let svg = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let months: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .filter(|t| t.len() == 7 && t.as_bytes()[4] == b'-')
        .collect();
    assert!(months.contains(&"2026-06"), "history first: {months:?}");
    assert!(months.contains(&"2036-08"), "the horizon's end: {months:?}");
    assert!((10..=14).contains(&months.len()), "{months:?}");
}

/// A chart is SVG or PNG: any other extension is refused before anything runs.
#[test]
fn a_chart_that_is_neither_svg_nor_png_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["acme.pdf", "acme.jpg", "acme"] {
        let path = tmp.path().join(name);
        let out = cli::run(
            [
                "ier-gate",
                "check",
                "-C",
                &examples("acme"),
                "--chart",
                &path.to_string_lossy(),
            ],
            Terminal::default(),
        );
        assert_eq!(out.code, ExitStatus::Invalid, "{name}");
        assert!(
            out.stderr.contains("must end in .svg or .png"),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty() && !path.exists(), "{name}");
    }
}

#[test]
fn a_failing_gate_still_draws_its_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("fail.svg");
    let out = cli::run(
        [
            "ier-gate",
            "check",
            "-C",
            &examples("launch-fail"),
            "--chart",
            &path.to_string_lossy(),
        ],
        Terminal::default(),
    );
    assert_eq!(out.code, ExitStatus::Fail);
    assert!(roxmltree::Document::parse(&std::fs::read_to_string(&path).unwrap()).is_ok());
}

#[test]
fn an_unwritable_chart_is_an_environment_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("no-such-dir/acme.svg");
    let out = cli::run(
        [
            "ier-gate",
            "check",
            "-C",
            &examples("acme"),
            "--chart",
            &path.to_string_lossy(),
        ],
        Terminal::default(),
    );
    assert_eq!(out.code, ExitStatus::Environment);
    assert!(
        out.stderr.contains("cannot write the chart"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("ier-gate"),
        "the report is still printed"
    );
}

/// Acme with its horizon set to `months`, in a temporary copy.
fn acme_with_horizon(months: u32) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    crate::cli::copy_dir(std::path::Path::new(&examples("acme")), tmp.path());
    let policy = tmp.path().join(".ier/policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    assert!(text.contains("horizon_months: 12"));
    std::fs::write(
        &policy,
        text.replace("horizon_months: 12", &format!("horizon_months: {months}")),
    )
    .unwrap();
    tmp
}

/// A decoded PNG: width, height and RGBA pixels.
#[cfg(feature = "png")]
struct Picture {
    width: usize,
    height: usize,
    rgba: Vec<u8>,
}

#[cfg(feature = "png")]
impl Picture {
    /// Decoded with the `png` crate, not with the renderer that wrote it.
    fn decode(bytes: &[u8]) -> Picture {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("PNG data");
        assert_eq!(info.color_type, png::ColorType::Rgba, "{info:?}");
        buf.truncate(info.buffer_size());
        Picture {
            width: info.width as usize,
            height: info.height as usize,
            rgba: buf,
        }
    }

    fn pixel(&self, x: usize, y: usize) -> [u8; 4] {
        let i = (y * self.width + x) * 4;
        [
            self.rgba[i],
            self.rgba[i + 1],
            self.rgba[i + 2],
            self.rgba[i + 3],
        ]
    }

    /// Near-black opaque pixels (label text is black; the lines are
    /// blue, green, red and grey, none of them this dark) in rows `ys`.
    fn dark_in(&self, ys: std::ops::Range<usize>) -> usize {
        ys.flat_map(|y| (0..self.width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let [r, g, b, a] = self.pixel(x, y);
                r < 96 && g < 96 && b < 96 && a == 255
            })
            .count()
    }

    fn colours(&self) -> std::collections::HashSet<[u8; 4]> {
        self.rgba
            .chunks_exact(4)
            .map(|p| [p[0], p[1], p[2], p[3]])
            .collect()
    }
}

/// `--chart FILE.png` for a 12- and a 120-month horizon: a PNG that decodes,
/// at twice the SVG's 800 × 460, opaque white with the lines' colours, and
/// the labels drawn (the font is built in: no system font is needed).
#[cfg(feature = "png")]
#[test]
fn png_charts_decode_with_their_labels_drawn() {
    let mut pictures = Vec::new();
    for months in [12, 120] {
        let dir = acme_with_horizon(months);
        let path = dir.path().join("chart.PNG");
        let out = cli::run(
            [
                "ier-gate",
                "check",
                "-C",
                &dir.path().to_string_lossy(),
                "--chart",
                &path.to_string_lossy(),
            ],
            Terminal::default(),
        );
        assert_eq!(out.code, ExitStatus::Pass, "{}", out.stderr);
        let bytes = std::fs::read(&path).expect("the PNG is written");
        let p = Picture::decode(&bytes);
        assert_eq!((p.width, p.height), (1600, 920), "{months} months");
        assert_eq!(p.pixel(0, 0), [255, 255, 255, 255], "white background");
        let colours = p.colours();
        assert!(
            colours.len() > 10,
            "{months} months: {} colours",
            colours.len()
        );
        // The lines: the projection in blue (#2563eb), the floor in green
        // (#16a34a), the warning line in red (#dc2626), actuals in grey.
        for want in [
            [0x25, 0x63, 0xeb, 255],
            [0x16, 0xa3, 0x4a, 255],
            [0xdc, 0x26, 0x26, 255],
            [0x6b, 0x72, 0x80, 255],
        ] {
            assert!(colours.contains(&want), "{months} months: no {want:?}");
        }
        // Where only text is: the title (SVG y 21..37), the month labels
        // under the axis (y 378..392), the legend's two rows (y 423..454);
        // doubled.
        for (what, rows) in [
            ("title", 40..76),
            ("months", 754..786),
            ("legend, first row", 844..874),
            ("legend, second row", 880..910),
        ] {
            let dark = p.dark_in(rows);
            assert!(dark > 300, "{months} months: {what} has {dark} dark pixels");
        }
        pictures.push(p);
    }
    // The two horizons draw different month labels and lines.
    assert_ne!(pictures[0].rgba, pictures[1].rgba);
}
