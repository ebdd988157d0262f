//! Checking a manifest against the graph's real inputs and outputs, at load time.

use crate::description::{ModelDescription, TensorDescription};
use crate::error::{Result, RuntimeError};
use crate::manifest::{HeadKind, HeadSpec, Manifest};

/// How many camera images one session run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchLimit {
    /// The batch dimension is dynamic: one run per frame set.
    Dynamic,
    /// The batch dimension is fixed at this size: the frame set is split into runs of it.
    Fixed(usize),
}

/// Checks every field of `manifest` that refers to the graph; returns the batch limit.
pub fn validate(manifest: &Manifest, model: &ModelDescription) -> Result<BatchLimit> {
    let check = Checker { manifest };
    let input = model.input(&manifest.input.tensor).ok_or_else(|| {
        check.error(
            "input.tensor",
            format!("the graph has no input `{}`", manifest.input.tensor),
            format!(
                "use {} (graph inputs: {})",
                closest(
                    &manifest.input.tensor,
                    model.inputs.iter().map(|t| t.name.as_str())
                ),
                model.input_names()
            ),
        )
    })?;
    check.element_type(input, "input.tensor")?;
    if input.dimensions.len() != 4 {
        return Err(check.error(
            "input.tensor",
            format!(
                "`{}` has rank {} {}, expected NCHW (rank 4)",
                input.name,
                input.dimensions.len(),
                input.shape_text()
            ),
            "point the manifest at the image input of the graph".to_string(),
        ));
    }
    if let Some(channels) = input.fixed(1).filter(|&channels| channels != 3) {
        return Err(check.error(
            "input.tensor",
            format!(
                "`{}` has {channels} channels {}, expected 3 (NCHW colour)",
                input.name,
                input.shape_text()
            ),
            "use an NCHW colour-image input".to_string(),
        ));
    }
    for (axis, key, given) in [
        (2, "height", manifest.input.height),
        (3, "width", manifest.input.width),
    ] {
        if let Some(real) = input.fixed(axis).filter(|&real| real != given) {
            return Err(check.error(
                &format!("input.{key}"),
                format!(
                    "is {given} but the graph input `{}` {} has {key} {real}",
                    input.name,
                    input.shape_text()
                ),
                format!("set `{key} = {real}`"),
            ));
        }
    }
    for head in &manifest.heads {
        for name in &head.outputs {
            let output = model.output(name).ok_or_else(|| {
                check.error(
                    &format!("heads.{}.outputs", head.name),
                    format!("the graph has no output `{name}`"),
                    format!(
                        "use {} (graph outputs: {})",
                        closest(name, model.outputs.iter().map(|t| t.name.as_str())),
                        model.output_names()
                    ),
                )
            })?;
            check.element_type(output, &format!("heads.{}.outputs", head.name))?;
            check.head_output(head, output)?;
        }
    }
    Ok(match input.fixed(0) {
        Some(size) => BatchLimit::Fixed(size),
        None => BatchLimit::Dynamic,
    })
}

struct Checker<'a> {
    manifest: &'a Manifest,
}

impl Checker<'_> {
    fn error(&self, field: &str, problem: String, fix: String) -> RuntimeError {
        RuntimeError::ManifestField {
            path: self.manifest.path.clone(),
            field: field.to_string(),
            problem,
            fix,
        }
    }

    fn element_type(&self, tensor: &TensorDescription, field: &str) -> Result<()> {
        if tensor.element_type == "f32" {
            return Ok(());
        }
        Err(self.error(
            field,
            format!(
                "`{}` has element type {}, Panoptes reads f32 tensors",
                tensor.name, tensor.element_type
            ),
            "export the model with float32 inputs and outputs".to_string(),
        ))
    }

    fn head_output(&self, head: &HeadSpec, output: &TensorDescription) -> Result<()> {
        let rank = output.dimensions.len();
        let field = format!("heads.{}", head.name);
        let shape = output.shape_text();
        let prototypes = head.kind == HeadKind::InstanceSegmentation
            && head.outputs.get(1).is_some_and(|name| *name == output.name);
        match head.kind {
            HeadKind::InstanceSegmentation if prototypes => {
                if rank != 4 {
                    return Err(self.error(
                        &format!("{field}.outputs"),
                        format!(
                            "`{}` {shape} has rank {rank}; prototype masks are [N, M, H, W]",
                            output.name
                        ),
                        "list the detection output, then the prototype output".to_string(),
                    ));
                }
                if let Some(channels) = output.fixed(1) {
                    if channels != head.mask_coefficients {
                        return Err(self.error(
                            &format!("{field}.mask_coefficients"),
                            format!(
                                "is {} but the prototypes `{}` {shape} have {channels} channels",
                                head.mask_coefficients, output.name
                            ),
                            format!("set `mask_coefficients = {channels}`"),
                        ));
                    }
                }
            }
            HeadKind::Detection | HeadKind::InstanceSegmentation => {
                let format = head.format.as_deref().unwrap_or_default();
                let (axis, fixed_part) = match format {
                    "yolox" | "yolov5" | "yolov5-raw" | "panoptes" => (rank.saturating_sub(1), 5),
                    "yolov8" => (1, 4),
                    other => {
                        return Err(self.error(
                            &format!("{field}.format"),
                            format!("unknown detection format `{other}`"),
                            "use yolox, yolov5, yolov5-raw, yolov8 or panoptes".to_string(),
                        ))
                    }
                };
                let ranks_ok = rank == 3 || (format == "yolov5-raw" && rank == 5);
                if !ranks_ok {
                    return Err(self.error(
                        &format!("{field}.outputs"),
                        format!(
                            "`{}` {shape} has rank {rank}; a {format} detection output has rank 3",
                            output.name
                        ),
                        "name the detection output of the graph".to_string(),
                    ));
                }
                let keypoint_part = 3 * head.keypoints + head.mask_coefficients;
                if let Some(channels) = output.fixed(axis) {
                    let expected = fixed_part + head.classes.len() + keypoint_part;
                    if channels != expected {
                        let classes = channels.checked_sub(fixed_part + keypoint_part);
                        let fix = match classes {
                            Some(count) => format!(
                                "list {count} classes ({channels} channels = {fixed_part} box values + {count} classes{})",
                                if keypoint_part > 0 { format!(" + {keypoint_part} keypoint or mask values") } else { String::new() }
                            ),
                            None => format!("check `keypoints`: the output has only {channels} channels"),
                        };
                        return Err(self.error(
                            &format!("{field}.classes"),
                            format!(
                                "{} classes give {expected} channels but `{}` {shape} has {channels}",
                                head.classes.len(),
                                output.name
                            ),
                            fix,
                        ));
                    }
                }
            }
            HeadKind::Segmentation | HeadKind::Keypoints => {
                if rank != 4 {
                    return Err(self.error(
                        &format!("{field}.outputs"),
                        format!(
                            "`{}` {shape} has rank {rank}; a {} output is [N, C, H, W]",
                            output.name,
                            head.kind.as_str()
                        ),
                        "name the per-pixel output of the graph".to_string(),
                    ));
                }
                let (expected, key) = match head.kind {
                    HeadKind::Segmentation => (head.classes.len(), "classes"),
                    _ => (head.keypoints, "keypoints"),
                };
                if let Some(channels) = output.fixed(1) {
                    if channels != expected {
                        let fix = match head.kind {
                            HeadKind::Segmentation => {
                                format!("list {channels} classes, one per channel")
                            }
                            _ => format!("set `keypoints = {channels}`"),
                        };
                        return Err(self.error(
                            &format!("{field}.{key}"),
                            format!(
                                "{expected} given but `{}` {shape} has {channels} channels",
                                output.name
                            ),
                            fix,
                        ));
                    }
                }
            }
            HeadKind::Depth => {
                let single_channel =
                    rank == 3 || (rank == 4 && output.fixed(1).is_none_or(|c| c == 1));
                if !single_channel {
                    return Err(self.error(
                        &format!("{field}.outputs"),
                        format!(
                            "`{}` {shape} is not a depth map ([N, 1, H, W] or [N, H, W])",
                            output.name
                        ),
                        "name the depth output of the graph".to_string(),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The candidate nearest to `wanted` by edit distance, quoted; for "did you mean" fixes.
fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    candidates
        .min_by_key(|candidate| edit_distance(wanted, candidate))
        .map(|name| format!("`{name}`"))
        .unwrap_or_else(|| "a name the graph has".to_string())
}

fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (i, a) in left.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b) in right.iter().enumerate() {
            let substitution = previous[j] + usize::from(a != *b);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[right.len()]
}

#[cfg(test)]
mod tests;
