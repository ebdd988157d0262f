//! Errors of reading and writing drives.

use std::path::PathBuf;

use panoptes_rig::RigError;

/// What can go wrong when opening, synchronizing or writing a drive. Every variant about a
/// file's content names the file and the field.
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    /// The directory is neither a Panoptes drive nor a nuScenes dataroot.
    #[error("{path}: not a drive: expected `rig.json` and `index.json` (Panoptes drive) or a `v1.0-*/` table directory (nuScenes dataroot)")]
    NotADrive {
        /// The directory given.
        path: PathBuf,
    },
    /// A file could not be read, written or created.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A JSON file does not parse or does not have the expected shape.
    #[error("{file}: field `{field}`: {message}")]
    Json {
        /// The file.
        file: PathBuf,
        /// Path of the offending field (`.` when unknown).
        field: String,
        /// The parser's message with line and column.
        message: String,
    },
    /// The camera rig is invalid (the error names file, camera and field).
    #[error(transparent)]
    Rig(#[from] RigError),
    /// A field holds a value that cannot be right.
    #[error("{file}: field `{field}`: {problem}; {fix}")]
    InvalidField {
        /// The file.
        file: PathBuf,
        /// The field.
        field: String,
        /// What is wrong, with the value found.
        problem: String,
        /// How to fix it.
        fix: String,
    },
    /// A path in the index points outside the drive directory, or is absolute.
    #[error("{file}: field `{field}`: path `{path}` leaves the drive directory; paths must be relative and stay inside the drive")]
    PathEscapes {
        /// The file holding the path.
        file: PathBuf,
        /// The field.
        field: String,
        /// The path as written.
        path: String,
    },
    /// A path in the index names a file that does not exist.
    #[error("{file}: field `{field}`: `{path}` does not exist; copy the file into the drive or remove the entry")]
    MissingFile {
        /// The file holding the path.
        file: PathBuf,
        /// The field.
        field: String,
        /// The path as written.
        path: String,
    },
    /// One camera's timestamps go backwards (or repeat).
    #[error("{file}: field `{field}`: camera `{camera}` timestamp {timestamp_us} µs is not after its previous frame at {previous_us} µs; list each camera's frames in increasing time")]
    TimestampsBackwards {
        /// The file.
        file: PathBuf,
        /// The field.
        field: String,
        /// The camera.
        camera: String,
        /// The earlier frame's timestamp.
        previous_us: u64,
        /// The offending timestamp.
        timestamp_us: u64,
    },
    /// A frame names a camera that the rig does not have.
    #[error("{file}: field `{field}`: camera `{camera}` is not in the rig (cameras: {known}); add it to rig.json or fix the name")]
    UnknownCamera {
        /// The file.
        file: PathBuf,
        /// The field.
        field: String,
        /// The unknown name.
        camera: String,
        /// The rig's cameras, comma separated.
        known: String,
    },
    /// The writer's target directory already holds a drive or other files.
    #[error("{path}: directory is not empty; choose a new directory for the drive")]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// A setting is out of range.
    #[error("setting `{setting}`: {problem}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong.
        problem: String,
    },
}

impl DriveError {
    /// The field named by this error, when there is one.
    pub fn field(&self) -> Option<String> {
        match self {
            Self::Json { field, .. }
            | Self::InvalidField { field, .. }
            | Self::PathEscapes { field, .. }
            | Self::MissingFile { field, .. }
            | Self::TimestampsBackwards { field, .. }
            | Self::UnknownCamera { field, .. } => Some(field.clone()),
            Self::Rig(error) => error.field(),
            Self::InvalidSetting { setting, .. } => Some((*setting).to_owned()),
            Self::NotADrive { .. } | Self::Io { .. } | Self::NotEmpty { .. } => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// Parses a JSON file's text, naming the field on failure.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    file: &std::path::Path,
    text: &str,
) -> Result<T, DriveError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|error| DriveError::Json {
        file: file.to_owned(),
        field: error.path().to_string(),
        message: error.into_inner().to_string(),
    })
}

/// Reads and parses a JSON file.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    file: &std::path::Path,
) -> Result<T, DriveError> {
    let text = std::fs::read_to_string(file).map_err(DriveError::io(file))?;
    parse_json(file, &text)
}
