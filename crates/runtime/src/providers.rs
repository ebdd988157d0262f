//! The execution providers compiled into the loaded ONNX Runtime library.

use crate::error::Result;
use crate::library;
use std::ffi::{c_char, c_int, CStr};

/// Names of the execution providers the loaded library was built with, as ONNX Runtime reports
/// them (e.g. `CPUExecutionProvider`, `CUDAExecutionProvider`).
pub fn available_providers() -> Result<Vec<String>> {
    library::load()?;
    Ok(query())
}

// `ort` keeps its own provider query private; this is the same two-call C API sequence.
#[allow(unsafe_code)]
fn query() -> Vec<String> {
    let api = ort::api();
    let mut names: *mut *mut c_char = std::ptr::null_mut();
    let mut count: c_int = 0;
    // SAFETY: the library is loaded (`library::load` succeeded) and both out-pointers are valid.
    let status = unsafe { (api.GetAvailableProviders)(&mut names, &mut count) };
    if !status.0.is_null() {
        // SAFETY: a non-null status is owned by us and must be released once.
        unsafe { (api.ReleaseStatus)(status.0) };
        return Vec::new();
    }
    if names.is_null() {
        return Vec::new();
    }
    let length = usize::try_from(count).unwrap_or(0);
    let providers = (0..length)
        .filter_map(|index| {
            // SAFETY: ONNX Runtime returned `count` valid NUL-terminated strings.
            let name = unsafe { *names.add(index) };
            (!name.is_null()).then(|| {
                unsafe { CStr::from_ptr(name) }
                    .to_string_lossy()
                    .into_owned()
            })
        })
        .collect();
    // SAFETY: releasing exactly what GetAvailableProviders allocated.
    let status = unsafe { (api.ReleaseAvailableProviders)(names, count) };
    if !status.0.is_null() {
        // SAFETY: as above.
        unsafe { (api.ReleaseStatus)(status.0) };
    }
    providers
}
