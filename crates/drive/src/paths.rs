//! Resolving paths written in drive files without leaving the drive directory.

use std::path::{Component, Path, PathBuf};

use crate::error::DriveError;

/// Whether symbolic links inside a drive may lead outside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Links {
    /// Our drives: a link must resolve inside the drive directory.
    StayInside,
    /// nuScenes dataroots, whose `samples/` is often a link to another disk.
    Follow,
}

/// The absolute path of `relative` inside `root`, refusing absolute paths, `..` components,
/// symbolic links that lead outside (unless `links` allows it), and missing files.
pub(crate) fn resolve_inside(
    root: &Path,
    file: &Path,
    field: &str,
    relative: &str,
    links: Links,
) -> Result<PathBuf, DriveError> {
    let escapes = || DriveError::PathEscapes {
        file: file.to_owned(),
        field: field.to_owned(),
        path: relative.to_owned(),
    };
    let candidate = Path::new(relative);
    let plain = candidate
        .components()
        .all(|component| matches!(component, Component::Normal(_) | Component::CurDir));
    if relative.is_empty() || !plain {
        return Err(escapes());
    }
    let joined = root.join(candidate);
    if !joined.is_file() {
        return Err(DriveError::MissingFile {
            file: file.to_owned(),
            field: field.to_owned(),
            path: relative.to_owned(),
        });
    }
    let canonical = joined.canonicalize().map_err(DriveError::io(&joined))?;
    if links == Links::Follow {
        return Ok(canonical);
    }
    let canonical_root = root.canonicalize().map_err(DriveError::io(root))?;
    if !canonical.starts_with(&canonical_root) {
        return Err(escapes());
    }
    Ok(canonical)
}

/// Whether a name can be one path component written by us (camera names, extensions).
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "_-.".contains(character))
}
