//! The progress bar of `calibrate` over a large log file: on a terminal
//! only (stderr, so stdout stays the report), for files of at least
//! [`MIN_BYTES`], moved by the bytes read from disk (a gzip file's
//! compressed bytes, so the bar and its total agree). Anywhere else (a
//! pipe, a CI log, a test) nothing is drawn and nothing is printed.

use std::io::{self, IsTerminal, Read};

/// Files smaller than this read too fast for a bar to help.
pub const MIN_BYTES: u64 = 8 * 1024 * 1024;

/// A bar for one file.
#[derive(Clone)]
pub struct Bar(indicatif::ProgressBar);

impl Bar {
    /// The bar for a file of `size` bytes, when one is drawn at all.
    pub fn for_file(path: &str, size: u64) -> Option<Bar> {
        if !shown(size, io::stderr().is_terminal()) {
            return None;
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(size),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(path.rsplit('/').next().unwrap_or(path).to_string());
        Some(Bar(bar))
    }

    /// Clears the bar: the report that follows stands alone.
    pub fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// Whether a file of `size` bytes gets a bar: on a terminal, when large.
pub fn shown(size: u64, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal && size >= MIN_BYTES
}

/// A reader that moves its bar by the bytes it reads.
pub struct Counted<R> {
    pub inner: R,
    pub bar: Option<Bar>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(b) = &self.bar {
            b.0.inc(n as u64);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_only_for_large_files_on_a_terminal() {
        assert!(shown(MIN_BYTES, true));
        assert!(!shown(MIN_BYTES - 1, true));
        assert!(!shown(u64::MAX, false));
    }
}
