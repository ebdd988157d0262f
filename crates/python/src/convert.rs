//! Errors and JSON across the language boundary.

use crate::PanoptesError;
use pyo3::prelude::*;
use serde::Serialize;

/// A Panoptes error as `PanoptesError`, with its causes when the message does not already
/// hold them.
pub fn error(error: &(dyn std::error::Error + 'static)) -> PyErr {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    PanoptesError::new_err(message)
}

/// A `PanoptesError` with this message.
pub fn message(text: impl Into<String>) -> PyErr {
    PanoptesError::new_err(text.into())
}

/// A value as the Python object its JSON reads as (dicts, lists, numbers, strings, None).
pub fn to_python<'py>(py: Python<'py>, value: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|error| message(error.to_string()))?;
    json_to_python(py, &text)
}

/// JSON text as Python objects.
pub fn json_to_python<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

/// Calls a Python `progress(done, total)` callback from a thread without the GIL. A failing
/// callback is ignored: it must not lose the long work it reports on.
pub fn report_progress(callback: Option<&Py<PyAny>>, done: usize, total: usize) {
    if let Some(callback) = callback {
        Python::attach(|py| {
            let _ = callback.call1(py, (done, total));
        });
    }
}
