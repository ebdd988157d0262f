//! What shape each head expects of its outputs, checked at load time (dynamic dimensions
//! unknown) and again on every frame set (all dimensions known).

use crate::config::{DetectionConfig, DetectionFormat, HeadConfig};
use crate::error::{HeadsError, Result};
use crate::transform::InputSize;

/// One expected dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dim {
    /// The batch dimension: any size.
    Batch,
    /// Any size (e.g. the rows of our own format).
    Any,
    /// Any size but zero (the resolution of a dense head).
    Positive,
    /// Exactly this size.
    Exact(usize),
}

/// Checks a model output's shape against a head's configuration. `shape` holds `None` for
/// dynamic dimensions, which match anything here and are checked again on every frame set.
pub fn check_output_shape(
    config: &HeadConfig,
    input: InputSize,
    output: &str,
    shape: &[Option<usize>],
) -> Result<()> {
    let Some(index) = config.outputs().iter().position(|name| name == output) else {
        return Err(HeadsError::Config {
            head: config.name().to_owned(),
            field: "outputs",
            problem: format!("does not list `{output}`"),
            fix: format!("add `{output}` to `outputs` or check another output"),
        });
    };
    let alternatives = expected_shapes(config, input, index);
    let fits = |expected: &Vec<Dim>| {
        expected.len() == shape.len()
            && expected
                .iter()
                .zip(shape)
                .all(|(dim, got)| match (dim, got) {
                    (Dim::Exact(size), Some(got)) => size == got,
                    (Dim::Positive, Some(got)) => *got > 0,
                    _ => true,
                })
    };
    if alternatives.iter().any(fits) {
        return Ok(());
    }
    Err(HeadsError::OutputShape {
        head: config.name().to_owned(),
        output: output.to_owned(),
        expected: alternatives
            .iter()
            .map(|dims| format_dims(dims))
            .collect::<Vec<_>>()
            .join(" or "),
        got: format_shape(shape),
        fix: shape_fix(config),
    })
}

/// The same check for a shape that is fully known (a real output tensor).
pub(crate) fn check_known_shape(
    config: &HeadConfig,
    input: InputSize,
    output: &str,
    shape: &[usize],
) -> Result<()> {
    let shape: Vec<Option<usize>> = shape.iter().copied().map(Some).collect();
    check_output_shape(config, input, output, &shape)
}

/// Grid cells of one stride: convolutions with padding round up.
pub(crate) fn grid_size(input: InputSize, stride: usize) -> (usize, usize) {
    (input.width.div_ceil(stride), input.height.div_ceil(stride))
}

/// Rows of all strides together (cells × anchors per cell).
pub(crate) fn grid_rows(input: InputSize, strides: &[usize], per_cell: usize) -> usize {
    strides
        .iter()
        .map(|&stride| {
            let (width, height) = grid_size(input, stride);
            width * height * per_cell
        })
        .sum()
}

pub(crate) fn anchor_count(config: &DetectionConfig) -> usize {
    config
        .anchors
        .as_ref()
        .and_then(|groups| groups.first())
        .map_or(1, Vec::len)
}

/// Values per detection row (columns of the row-major layouts, channels of yolov8).
pub(crate) fn row_width(config: &DetectionConfig) -> usize {
    let classes = config.classes.len();
    let keypoints = 3 * config.keypoints;
    match config.format {
        DetectionFormat::Yolox | DetectionFormat::Yolov5 | DetectionFormat::Yolov5Raw => {
            5 + classes
        }
        DetectionFormat::Yolov8 => 4 + classes + keypoints + config.mask_coefficients,
        DetectionFormat::Panoptes => 5 + classes + keypoints,
    }
}

fn expected_shapes(config: &HeadConfig, input: InputSize, index: usize) -> Vec<Vec<Dim>> {
    use Dim::{Any, Batch, Exact, Positive};
    match config {
        HeadConfig::InstanceSegmentation(detection) if index == 1 => {
            vec![vec![
                Batch,
                Exact(detection.mask_coefficients),
                Positive,
                Positive,
            ]]
        }
        HeadConfig::Detection(detection) | HeadConfig::InstanceSegmentation(detection) => {
            let width = Exact(row_width(detection));
            let anchors = anchor_count(detection);
            match detection.format {
                DetectionFormat::Yolox => {
                    vec![vec![
                        Batch,
                        Exact(grid_rows(input, &detection.strides, 1)),
                        width,
                    ]]
                }
                DetectionFormat::Yolov5Raw if detection.outputs.len() > 1 => {
                    let stride = detection.strides.get(index).copied().unwrap_or(1);
                    let (columns, rows) = grid_size(input, stride);
                    vec![
                        vec![Batch, Exact(anchors), Exact(rows), Exact(columns), width],
                        vec![Batch, Exact(anchors * rows * columns), width],
                    ]
                }
                DetectionFormat::Yolov5Raw => {
                    vec![vec![
                        Batch,
                        Exact(grid_rows(input, &detection.strides, anchors)),
                        width,
                    ]]
                }
                DetectionFormat::Yolov8 => {
                    vec![vec![
                        Batch,
                        width,
                        Exact(grid_rows(input, &detection.strides, 1)),
                    ]]
                }
                DetectionFormat::Panoptes | DetectionFormat::Yolov5 => {
                    vec![vec![Batch, Any, width]]
                }
            }
        }
        HeadConfig::Segmentation(segmentation) => {
            vec![vec![
                Batch,
                Exact(segmentation.classes.len()),
                Positive,
                Positive,
            ]]
        }
        HeadConfig::Depth(_) => vec![
            vec![Batch, Exact(1), Positive, Positive],
            vec![Batch, Positive, Positive],
        ],
        HeadConfig::Keypoints(keypoints) => {
            vec![vec![Batch, Exact(keypoints.keypoints), Positive, Positive]]
        }
    }
}

fn shape_fix(config: &HeadConfig) -> String {
    match config {
        HeadConfig::Detection(_) => {
            "check `format`, `classes` (one per class column), `strides`, `anchors`, `keypoints` and the [input] size"
                .into()
        }
        HeadConfig::Segmentation(_) => "list one label in `classes` per output channel".into(),
        HeadConfig::Depth(_) => "point `outputs` at a one-channel depth output".into(),
        HeadConfig::Keypoints(_) => "set `keypoints` to the number of heatmap channels".into(),
        HeadConfig::InstanceSegmentation(_) => {
            "check `classes` (one per class channel), `mask_coefficients` (the prototypes' channels), `strides` and the [input] size"
                .into()
        }
    }
}

fn format_dims(dims: &[Dim]) -> String {
    let parts: Vec<String> = dims
        .iter()
        .map(|dim| match dim {
            Dim::Batch => "N".to_owned(),
            Dim::Any => "?".to_owned(),
            Dim::Positive => ">0".to_owned(),
            Dim::Exact(size) => size.to_string(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn format_shape(shape: &[Option<usize>]) -> String {
    let parts: Vec<String> = shape
        .iter()
        .map(|dim| dim.map_or_else(|| "?".to_owned(), |size| size.to_string()))
        .collect();
    format!("[{}]", parts.join(", "))
}
