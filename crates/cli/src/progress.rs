//! Progress of long commands: a bar with rate and ETA on a terminal, plain lines otherwise.

use std::io::IsTerminal;

/// Shows how far a command has got, on stderr.
#[derive(Debug)]
pub struct ProgressDisplay {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    step: u64,
    prefix: String,
    unit: String,
}

impl ProgressDisplay {
    /// A display for `total` items called `unit` (e.g. "frame sets"); log lines start with
    /// `prefix` (e.g. "panoptes replay") and come every 5% when stderr is not a terminal.
    pub fn new(total: u64, prefix: &str, unit: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(total);
            let template = format!("{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})");
            bar.set_style(
                indicatif::ProgressStyle::with_template(&template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar
        });
        Self {
            bar,
            total,
            step: (total / 20).max(1),
            prefix: prefix.to_string(),
            unit: unit.to_string(),
        }
    }

    /// `done` items are finished.
    #[allow(clippy::print_stderr)]
    pub fn update(&self, done: u64) {
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None if done.is_multiple_of(self.step) || done == self.total => {
                eprintln!("{}: {done}/{} {}", self.prefix, self.total, self.unit);
            }
            None => {}
        }
    }

    /// Removes the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}
