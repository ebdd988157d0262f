//! `panoptes._panoptes`: the Python module of the `panoptes` package (python/).
//!
//! Drives ([`drive`]), the embedding engine ([`perception`]: push frame sets or NumPy images,
//! read results as Python objects with masks and depth maps as NumPy arrays that own the
//! engine's memory), and the `replay` and `eval` commands as functions ([`commands`],
//! [`evaluation`]). Every error is a `panoptes.PanoptesError` carrying Panoptes' own message;
//! long work releases the GIL.

mod commands;
mod convert;
mod drive;
mod evaluation;
mod models;
mod perception;
mod results;

use pyo3::prelude::*;

pyo3::create_exception!(
    _panoptes,
    PanoptesError,
    pyo3::exceptions::PyException,
    "A Panoptes error: the message names the file, the field and the fix."
);

#[pymodule]
fn _panoptes(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    module.add("PanoptesError", py.get_type::<PanoptesError>())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add("ONNX_RUNTIME_VERSION", panoptes::ONNX_RUNTIME_VERSION)?;
    module.add_class::<drive::Rig>()?;
    module.add_class::<drive::Drive>()?;
    module.add_class::<drive::FrameSet>()?;
    module.add_function(wrap_pyfunction!(drive::open_drive, module)?)?;
    module.add_function(wrap_pyfunction!(drive::drive_scenes, module)?)?;
    module.add_class::<perception::Perception>()?;
    module.add_class::<results::FrameResult>()?;
    module.add_class::<results::Detection>()?;
    module.add_class::<results::EgoObject>()?;
    module.add_class::<evaluation::Evaluator>()?;
    module.add_class::<evaluation::Evaluation>()?;
    module.add_function(wrap_pyfunction!(evaluation::merge_evaluations, module)?)?;
    module.add_function(wrap_pyfunction!(commands::replay, module)?)?;
    Ok(())
}
