//! Errors of camera models and rigs.

use std::path::PathBuf;

/// What can go wrong when building, loading or saving a camera rig.
#[derive(Debug, thiserror::Error)]
pub enum RigError {
    /// A camera's field holds a value no camera can have.
    #[error("camera `{camera}`, field `{field}`: {problem}; {fix}")]
    InvalidField {
        /// The camera's name (or `#index` when it has none yet).
        camera: String,
        /// The field, as written in `rig.json` (for example `intrinsics.fx`).
        field: String,
        /// What is wrong, with the value found.
        problem: String,
        /// How to fix it.
        fix: String,
    },
    /// Two cameras share one name.
    #[error("field `cameras[{index}].name`: camera name `{camera}` appears twice; give every camera a unique name")]
    DuplicateName {
        /// The repeated name.
        camera: String,
        /// Position of the second camera with that name.
        index: usize,
    },
    /// A rig needs at least one camera.
    #[error("field `cameras`: the rig has no cameras; list at least one camera")]
    Empty,
    /// The rig document is not valid JSON or does not have the expected shape.
    #[error("field `{field}`: {message}")]
    Json {
        /// Path of the offending field inside the document (`.` when unknown).
        field: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A rig file could not be read or written.
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
        source: Box<RigError>,
    },
}

impl RigError {
    /// The same error, attributed to a file.
    #[must_use]
    pub fn in_file(self, path: impl Into<PathBuf>) -> Self {
        match self {
            Self::Io { .. } | Self::InFile { .. } => self,
            other => Self::InFile {
                path: path.into(),
                source: Box::new(other),
            },
        }
    }

    /// The field named by this error, when there is one.
    pub fn field(&self) -> Option<String> {
        match self {
            Self::InvalidField { field, .. } | Self::Json { field, .. } => Some(field.clone()),
            Self::DuplicateName { index, .. } => Some(format!("cameras[{index}].name")),
            Self::Empty => Some("cameras".to_owned()),
            Self::Io { .. } => None,
            Self::InFile { source, .. } => source.field(),
        }
    }

    pub(crate) fn invalid(
        camera: &str,
        field: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::InvalidField {
            camera: camera.to_owned(),
            field: field.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}
