//! A progress bar on stderr for the commands that read weight files: it shows itself once the work
//! has taken more than [`Progress::DELAY`], so quick files print nothing, and indicatif draws
//! nothing when stderr is not a terminal (a pipe, a file, CI).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::{Duration, Instant};

/// Bytes done of `total`, and what is being read.
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
}

impl Progress {
    /// How long the work runs before the bar shows itself.
    pub const DELAY: Duration = Duration::from_secs(1);

    /// A hidden bar of `total` bytes.
    pub fn new(total: u64) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        // The template is a constant: the fallback only keeps a typo from ever panicking.
        let style = ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} [{wide_bar}] {eta} left · {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Progress { bar, start: Instant::now() }
    }

    /// The total, when it is known only once the work has started.
    pub fn set_total(&self, total: u64) {
        if self.bar.length() != Some(total) {
            self.bar.set_length(total);
        }
    }

    /// `done` bytes so far, reading `what`; shows the bar once [`Progress::DELAY`] has passed.
    pub fn update(&self, done: u64, what: &str) {
        if self.bar.is_hidden() && self.start.elapsed() >= Self::DELAY {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            // Keeps the spinner moving while a large tensor is analysed between two reads.
            self.bar.enable_steady_tick(Duration::from_millis(100));
        }
        self.bar.set_position(done);
        if self.bar.message() != what {
            self.bar.set_message(what.to_string());
        }
    }

    /// Removes the bar (if it was shown) before the output is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
