//! The error type of this crate: configuration problems, each naming the file and field.

use std::path::PathBuf;

/// What can go wrong when configuring fusion. Per-frame problems never fail: an observation
/// that cannot be placed is left out and counted in [`crate::FusionOutput::unplaced`].
#[derive(Debug, thiserror::Error)]
pub enum FusionError {
    /// A setting holds a value that cannot work.
    #[error("fusion setting `{field}`: {problem}; fix: {fix}")]
    Setting {
        /// The setting, as written in the fusion TOML (for example `bev.cell_m`).
        field: String,
        /// What is wrong, with the value found.
        problem: String,
        /// How to fix it.
        fix: String,
    },
    /// The fusion TOML does not parse or has the wrong shape.
    #[error("fusion setting `{field}`: {message}")]
    Toml {
        /// Path of the offending field inside the document (`.` when unknown).
        field: String,
        /// The parser's message.
        message: String,
    },
    /// A fusion TOML file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Any of the above, found in a file.
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: PathBuf,
        /// What was wrong in it.
        source: Box<FusionError>,
    },
    /// A BEV image could not be encoded.
    #[error("bird's-eye view PNG: {0}")]
    Png(#[from] png::EncodingError),
}

impl FusionError {
    pub(crate) fn setting(
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::Setting {
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// The setting named by this error, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Setting { field, .. } | Self::Toml { field, .. } => Some(field),
            Self::InFile { source, .. } => source.field(),
            Self::Io { .. } | Self::Png(_) => None,
        }
    }
}
