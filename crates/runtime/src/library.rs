//! Finding and loading the ONNX Runtime shared library.
//!
//! Order: `ORT_DYLIB_PATH`; then a per-user cache that this crate fills by itself on first use
//! from the `onnxruntime` wheel (or `onnxruntime-gpu` for CUDA/TensorRT builds) fetched with
//! `python3 -m pip download`. Loading happens once per process.

use crate::error::{Result, RuntimeError};
use crate::wheel;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The ONNX Runtime version this build is made for (`ort` 2.0.0-rc.15 ↔ ONNX Runtime 1.31).
pub const ONNX_RUNTIME_VERSION: &str = "1.31.1";

/// Which wheel the cache is filled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryFlavor {
    /// `onnxruntime`: CPU execution provider only.
    Cpu,
    /// `onnxruntime-gpu`: also the CUDA and TensorRT providers.
    Gpu,
}

impl LibraryFlavor {
    /// The flavour this build needs: GPU when compiled with the `cuda` or `tensorrt` feature.
    pub fn for_this_build() -> Self {
        if cfg!(any(feature = "cuda", feature = "tensorrt")) {
            Self::Gpu
        } else {
            Self::Cpu
        }
    }

    /// The PyPI package that carries this flavour.
    pub fn package(self) -> &'static str {
        match self {
            Self::Cpu => "onnxruntime",
            Self::Gpu => "onnxruntime-gpu",
        }
    }
}

/// Where the library was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibrarySource {
    /// The `ORT_DYLIB_PATH` environment variable.
    Environment,
    /// The per-user cache, already filled.
    Cache,
    /// The per-user cache, filled just now from the wheel.
    Downloaded,
}

impl std::fmt::Display for LibrarySource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Self::Environment => "ORT_DYLIB_PATH",
            Self::Cache => "cache",
            Self::Downloaded => "cache (fetched now)",
        })
    }
}

/// The loaded ONNX Runtime library.
#[derive(Debug, Clone)]
pub struct OnnxRuntimeLibrary {
    /// Absolute path of the shared library.
    pub path: PathBuf,
    /// Version reported by the library's build information.
    pub version: String,
    /// How it was found.
    pub source: LibrarySource,
    /// The library's own build description.
    pub build_info: String,
}

static LOADED: OnceLock<std::result::Result<OnnxRuntimeLibrary, String>> = OnceLock::new();
static ENVIRONMENT: OnceLock<ort::environment::Environment> = OnceLock::new();

/// Loads ONNX Runtime once for this process (fetching it into the cache on first use) and
/// returns what was loaded.
pub fn load() -> Result<&'static OnnxRuntimeLibrary> {
    let loaded = LOADED.get_or_init(|| locate_and_load().map_err(|error| error.to_string()));
    loaded
        .as_ref()
        .map_err(|message| RuntimeError::LibraryLoad {
            path: PathBuf::from("libonnxruntime"),
            message: message.clone(),
        })
}

/// The process-wide ONNX Runtime environment sessions are built in.
pub(crate) fn environment() -> Result<&'static ort::environment::Environment> {
    load()?;
    ENVIRONMENT.get().ok_or_else(|| RuntimeError::LibraryLoad {
        path: PathBuf::from("libonnxruntime"),
        message: "the ONNX Runtime environment was not created".to_string(),
    })
}

fn locate_and_load() -> Result<OnnxRuntimeLibrary> {
    let (path, source) = locate(LibraryFlavor::for_this_build())?;
    let environment = ort::init_from(&path).map_err(|error| RuntimeError::LibraryLoad {
        path: path.clone(),
        message: error.to_string(),
    })?;
    let environment = environment
        .with_name("panoptes")
        .with_telemetry(false)
        .build()
        .map_err(|error| RuntimeError::LibraryLoad {
            path: path.clone(),
            message: error.to_string(),
        })?;
    let _ = ENVIRONMENT.set(environment);
    let build_info = ort::info().to_string();
    let version = version_from_build_info(&build_info)
        .or_else(|| version_from_file_name(&path))
        .unwrap_or_else(|| "unknown".to_string());
    tracing::info!(path = %path.display(), %version, %source, "loaded ONNX Runtime");
    Ok(OnnxRuntimeLibrary {
        path,
        version,
        source,
        build_info,
    })
}

/// Finds the library file without loading it, fetching it into the cache when needed.
pub fn locate(flavor: LibraryFlavor) -> Result<(PathBuf, LibrarySource)> {
    let mut tried = Vec::new();
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH").filter(|value| !value.is_empty()) {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok((path, LibrarySource::Environment));
        }
        tried.push(format!("ORT_DYLIB_PATH={} (no such file)", path.display()));
    } else {
        tried.push("ORT_DYLIB_PATH (not set)".to_string());
    }
    let directory = cache_directory(flavor);
    let cached = directory.join(library_file_name());
    if cached.is_file() {
        return Ok((cached, LibrarySource::Cache));
    }
    match wheel::fill_cache(flavor, &directory) {
        Ok(()) if cached.is_file() => Ok((cached, LibrarySource::Downloaded)),
        Ok(()) => {
            tried.push(format!(
                "the {} wheel (no {} inside)",
                flavor.package(),
                library_file_name()
            ));
            Err(not_found(flavor, tried))
        }
        Err(error) => {
            tried.push(format!("cache {} ({error})", directory.display()));
            Err(not_found(flavor, tried))
        }
    }
}

fn not_found(flavor: LibraryFlavor, tried: Vec<String>) -> RuntimeError {
    RuntimeError::LibraryNotFound {
        version: ONNX_RUNTIME_VERSION,
        package: flavor.package(),
        tried: tried.join("; "),
    }
}

/// The file name of the versioned library inside the wheel and the cache.
pub fn library_file_name() -> String {
    if cfg!(target_os = "macos") {
        format!("libonnxruntime.{ONNX_RUNTIME_VERSION}.dylib")
    } else if cfg!(target_os = "windows") {
        "onnxruntime.dll".to_string()
    } else {
        format!("libonnxruntime.so.{ONNX_RUNTIME_VERSION}")
    }
}

/// `PANOPTES_CACHE_DIR`, else `$XDG_CACHE_HOME/panoptes`, else `$HOME/.cache/panoptes`, else a
/// `panoptes` folder under the temporary directory; one sub-folder per version and flavour.
pub fn cache_directory(flavor: LibraryFlavor) -> PathBuf {
    let root = std::env::var_os("PANOPTES_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|dir| Path::new(&dir).join("panoptes")))
        .or_else(|| std::env::var_os("HOME").map(|dir| Path::new(&dir).join(".cache/panoptes")))
        .unwrap_or_else(|| std::env::temp_dir().join("panoptes"));
    let flavor_name = match flavor {
        LibraryFlavor::Cpu => "cpu",
        LibraryFlavor::Gpu => "gpu",
    };
    root.join(format!("onnxruntime-{ONNX_RUNTIME_VERSION}-{flavor_name}"))
}

/// Reads `1.31.1` out of `... git-branch=rel-1.31.1, ...`.
fn version_from_build_info(info: &str) -> Option<String> {
    let start = info.find("rel-")? + "rel-".len();
    let version: String = info[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (!version.is_empty()).then_some(version)
}

/// Reads `1.31.1` out of `libonnxruntime.so.1.31.1`.
fn version_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let start = name.find(".so.")? + ".so.".len();
    Some(name[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_read_from_build_info_and_file_name() {
        let info = "ORT Build Info: git-branch=rel-1.31.1, git-commit-id=abc, build type=Release";
        assert_eq!(version_from_build_info(info).as_deref(), Some("1.31.1"));
        assert_eq!(version_from_build_info("no branch"), None);
        let path = Path::new("/x/libonnxruntime.so.1.31.1");
        assert_eq!(version_from_file_name(path).as_deref(), Some("1.31.1"));
    }

    #[test]
    fn cache_directory_separates_flavours() {
        assert_ne!(
            cache_directory(LibraryFlavor::Cpu),
            cache_directory(LibraryFlavor::Gpu)
        );
        assert!(cache_directory(LibraryFlavor::Cpu)
            .to_string_lossy()
            .contains(ONNX_RUNTIME_VERSION));
    }
}
