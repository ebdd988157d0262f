//! What a graph's inputs and outputs really are, independent of `ort` types.

use serde::Serialize;
use std::fmt;

/// One dimension of a tensor: a fixed size, or a symbolic (dynamic) one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Dimension {
    /// A size fixed in the graph.
    Fixed(usize),
    /// A dynamic size, with its symbol (empty when the graph gives none).
    Symbolic(String),
}

impl Dimension {
    /// The fixed size, if any.
    pub fn fixed(&self) -> Option<usize> {
        match self {
            Self::Fixed(size) => Some(*size),
            Self::Symbolic(_) => None,
        }
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(size) => write!(formatter, "{size}"),
            Self::Symbolic(symbol) if symbol.is_empty() => formatter.write_str("?"),
            Self::Symbolic(symbol) => formatter.write_str(symbol),
        }
    }
}

/// A graph input or output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TensorDescription {
    /// Tensor name in the graph.
    pub name: String,
    /// Element type, e.g. `f32`, `i64`, `f16`.
    pub element_type: String,
    /// Shape with symbolic dimensions kept.
    pub dimensions: Vec<Dimension>,
}

impl TensorDescription {
    /// The shape as `[1,3,416,416]` or `[N,2,360,640]`.
    pub fn shape_text(&self) -> String {
        let parts: Vec<String> = self.dimensions.iter().map(ToString::to_string).collect();
        format!("[{}]", parts.join(","))
    }

    /// The fixed size of dimension `axis`, if the tensor has it and it is fixed.
    pub fn fixed(&self, axis: usize) -> Option<usize> {
        self.dimensions.get(axis).and_then(Dimension::fixed)
    }
}

/// All inputs and outputs of one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelDescription {
    /// Graph inputs in order.
    pub inputs: Vec<TensorDescription>,
    /// Graph outputs in order.
    pub outputs: Vec<TensorDescription>,
}

impl ModelDescription {
    /// The input with this name.
    pub fn input(&self, name: &str) -> Option<&TensorDescription> {
        self.inputs.iter().find(|tensor| tensor.name == name)
    }

    /// The output with this name.
    pub fn output(&self, name: &str) -> Option<&TensorDescription> {
        self.outputs.iter().find(|tensor| tensor.name == name)
    }

    /// Output names, for error messages.
    pub fn output_names(&self) -> String {
        names(&self.outputs)
    }

    /// Input names, for error messages.
    pub fn input_names(&self) -> String {
        names(&self.inputs)
    }
}

fn names(tensors: &[TensorDescription]) -> String {
    tensors
        .iter()
        .map(|tensor| format!("`{}` {}", tensor.name, tensor.shape_text()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a description from an `ort` session.
pub(crate) fn describe(session: &ort::session::Session) -> ModelDescription {
    let convert = |outlets: &[ort::value::Outlet]| -> Vec<TensorDescription> {
        outlets.iter().map(describe_outlet).collect()
    };
    ModelDescription {
        inputs: convert(session.inputs()),
        outputs: convert(session.outputs()),
    }
}

fn describe_outlet(outlet: &ort::value::Outlet) -> TensorDescription {
    match outlet.dtype() {
        ort::value::ValueType::Tensor {
            ty,
            shape,
            dimension_symbols,
        } => TensorDescription {
            name: outlet.name().to_string(),
            element_type: ty.to_string(),
            dimensions: shape
                .iter()
                .enumerate()
                .map(|(axis, &size)| match usize::try_from(size) {
                    Ok(size) => Dimension::Fixed(size),
                    Err(_) => Dimension::Symbolic(
                        dimension_symbols.get(axis).cloned().unwrap_or_default(),
                    ),
                })
                .collect(),
        },
        other => TensorDescription {
            name: outlet.name().to_string(),
            element_type: other.to_string(),
            dimensions: Vec::new(),
        },
    }
}
