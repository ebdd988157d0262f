//! Filling the library cache from the ONNX Runtime wheel on the Python package index.
//!
//! ONNX Runtime's own download host is unreachable from many build machines, but the package
//! index is not: the `onnxruntime` wheel ships `onnxruntime/capi/libonnxruntime.so.<version>`
//! (and the GPU wheel its provider libraries). We ask pip for the wheel, then unzip only the
//! shared libraries into the cache. A file lock keeps concurrent first uses from racing.

use crate::error::{Result, RuntimeError};
use crate::library::{LibraryFlavor, ONNX_RUNTIME_VERSION};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Downloads the wheel for `flavor` and extracts its shared libraries into `directory`.
pub fn fill_cache(flavor: LibraryFlavor, directory: &Path) -> Result<()> {
    let parent = directory.parent().unwrap_or(directory);
    fs::create_dir_all(parent).map_err(|source| cache_error(parent, source))?;
    let lock_path = parent.join(".lock");
    let lock = File::create(&lock_path).map_err(|source| cache_error(&lock_path, source))?;
    lock.lock()
        .map_err(|source| cache_error(&lock_path, source))?;
    if directory.is_dir() {
        // Another process filled it while we waited for the lock.
        return Ok(());
    }
    let staging = parent.join(format!(".staging-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(|source| cache_error(&staging, source))?;
    let outcome = download(flavor, &staging)
        .and_then(|wheel| extract_libraries(&wheel, &staging.join("lib")))
        .and_then(|()| {
            fs::rename(staging.join("lib"), directory)
                .map_err(|source| cache_error(directory, source))
        });
    let _ = fs::remove_dir_all(&staging);
    outcome
}

/// Runs `python3 -m pip download PACKAGE==VERSION --no-deps --only-binary=:all:`, first for this
/// interpreter, then for CPython 3.11 on manylinux (the wheel's libraries do not depend on the
/// Python version, so any wheel will do).
fn download(flavor: LibraryFlavor, staging: &Path) -> Result<PathBuf> {
    let requirement = format!("{}=={ONNX_RUNTIME_VERSION}", flavor.package());
    let platform = format!("manylinux_2_28_{}", std::env::consts::ARCH);
    let attempts: [Vec<&str>; 2] = [
        vec![],
        vec!["--python-version", "3.11", "--platform", platform.as_str()],
    ];
    let mut failures = Vec::new();
    for extra in attempts {
        let output = Command::new(python())
            .args(["-m", "pip", "download", requirement.as_str()])
            .args(["--no-deps", "--only-binary=:all:", "--quiet", "--dest"])
            .arg(staging)
            .args(&extra)
            .output();
        match output {
            Ok(output) if output.status.success() => {
                if let Some(wheel) = find_wheel(staging) {
                    return Ok(wheel);
                }
                failures.push("pip succeeded but left no .whl".to_string());
            }
            Ok(output) => failures.push(last_line(&output.stderr)),
            Err(error) => failures.push(format!("cannot run {}: {error}", python())),
        }
    }
    Err(RuntimeError::Wheel {
        path: staging.to_path_buf(),
        message: format!(
            "pip download {requirement} failed: {}",
            failures.join(" / ")
        ),
    })
}

fn python() -> String {
    std::env::var("PANOPTES_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn find_wheel(directory: &Path) -> Option<PathBuf> {
    fs::read_dir(directory)
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
}

fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("no output")
        .trim()
        .to_string()
}

/// Extracts `onnxruntime/capi/lib*.so*` (and `.dylib`/`.dll`) from the wheel into `target`.
fn extract_libraries(wheel: &Path, target: &Path) -> Result<()> {
    let wheel_error = |message: String| RuntimeError::Wheel {
        path: wheel.to_path_buf(),
        message,
    };
    let file = File::open(wheel).map_err(|source| cache_error(wheel, source))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|error| wheel_error(error.to_string()))?;
    fs::create_dir_all(target).map_err(|source| cache_error(target, source))?;
    let mut extracted = 0;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| wheel_error(error.to_string()))?;
        let Some(name) = entry.enclosed_name() else {
            continue;
        };
        if !is_runtime_library(&name) {
            continue;
        }
        let Some(file_name) = name.file_name() else {
            continue;
        };
        let destination = target.join(file_name);
        let mut output =
            File::create(&destination).map_err(|source| cache_error(&destination, source))?;
        io::copy(&mut entry, &mut output).map_err(|source| cache_error(&destination, source))?;
        extracted += 1;
    }
    if extracted == 0 {
        return Err(wheel_error(
            "no onnxruntime/capi shared libraries inside".to_string(),
        ));
    }
    Ok(())
}

fn is_runtime_library(name: &Path) -> bool {
    let in_capi = name
        .parent()
        .is_some_and(|parent| parent.ends_with("onnxruntime/capi"));
    let file = name.file_name().and_then(|f| f.to_str()).unwrap_or("");
    let unix =
        file.starts_with("libonnxruntime") && (file.contains(".so") || file.ends_with(".dylib"));
    let windows = file.starts_with("onnxruntime") && file.ends_with(".dll");
    in_capi && (unix || windows)
}

fn cache_error(path: &Path, source: io::Error) -> RuntimeError {
    RuntimeError::Cache {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_capi_libraries_are_extracted() {
        assert!(is_runtime_library(Path::new(
            "onnxruntime/capi/libonnxruntime.so.1.31.1"
        )));
        assert!(is_runtime_library(Path::new(
            "onnxruntime/capi/libonnxruntime_providers_cuda.so"
        )));
        assert!(!is_runtime_library(Path::new(
            "onnxruntime/capi/onnxruntime_pybind11_state.cpython-311-x86_64-linux-gnu.so"
        )));
        assert!(!is_runtime_library(Path::new(
            "onnxruntime.libs/libgomp.so.1"
        )));
    }
}
