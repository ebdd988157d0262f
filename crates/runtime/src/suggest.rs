//! A manifest to start from, read from a graph's inputs and outputs alone: the known layouts
//! recognised by their shapes (grid rows of strides 8, 16, 32; prototype masks at stride 4;
//! per-pixel maps) and names, with what the graph cannot say written down as comments.

use crate::description::{ModelDescription, TensorDescription};
use std::fmt::Write;

/// A suggested manifest and what went into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The manifest text (TOML, with the notes below as comments).
    pub manifest: String,
    /// One line per output read: its name, shape and how it is read.
    pub recognised: Vec<String>,
    /// What the graph cannot tell (class names, colour order, normalisation, ...), and outputs
    /// that match no known layout.
    pub unknown: Vec<String>,
}

/// The strides of every grid layout recognised (YOLOX, YOLOv5, YOLOv8 / YOLO11).
const STRIDES: [usize; 3] = [8, 16, 32];

/// YOLOv5's default anchors (P3, P4, P5), for graphs cut before the Detect layer.
const YOLOV5_ANCHORS: &str = "[[[10, 13], [16, 30], [33, 23]], [[30, 61], [62, 45], [59, 119]], [[116, 90], [156, 198], [373, 326]]]";

/// The pre-processing of the tool a detection layout comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// Ultralytics YOLOv8 / YOLO11: RGB, /255, centred letterbox.
    Ultralytics,
    /// YOLOv5 and YOLOP: the same.
    Yolov5,
    /// YOLOX: BGR, 0–255, top-left letterbox.
    Yolox,
}

/// One `[[heads]]` table being written.
struct Head {
    lines: Vec<String>,
}

impl Head {
    fn new(name: &str, kind: &str, outputs: &[&str]) -> Self {
        let outputs: Vec<String> = outputs.iter().map(|name| format!("\"{name}\"")).collect();
        Self {
            lines: vec![
                format!("name = \"{name}\""),
                format!("kind = \"{kind}\""),
                format!("outputs = [{}]", outputs.join(", ")),
            ],
        }
    }

    fn line(mut self, line: impl Into<String>) -> Self {
        self.lines.push(line.into());
        self
    }
}

fn placeholder_classes(count: usize) -> String {
    let names: Vec<String> = (0..count)
        .map(|index| format!("\"class_{index}\""))
        .collect();
    format!(
        "classes = [{}]  # the graph does not name its classes: replace these",
        names.join(", ")
    )
}

fn grid_rows(width: usize, height: usize, per_cell: usize) -> usize {
    STRIDES
        .iter()
        .map(|stride| width.div_ceil(*stride) * height.div_ceil(*stride) * per_cell)
        .sum()
}

/// Fixed sizes of every dimension after the batch, or `None` when one is dynamic.
fn fixed_shape(tensor: &TensorDescription) -> Option<Vec<usize>> {
    tensor
        .dimensions
        .iter()
        .skip(1)
        .map(|d| d.fixed())
        .collect()
}

fn named(tensor: &TensorDescription, hints: &[&str]) -> bool {
    let name = tensor.name.to_lowercase();
    hints.iter().any(|hint| name.contains(hint))
}

/// A head name from an output name: letters, digits and `_`, unique among `taken`.
fn head_name(output: &str, taken: &mut Vec<String>) -> String {
    let mut name: String = output
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if name.is_empty() {
        name = "head".into();
    }
    let base = name.clone();
    let mut index = 2;
    while taken.contains(&name) {
        name = format!("{base}_{index}");
        index += 1;
    }
    taken.push(name.clone());
    name
}

/// Reads `description` (the graph's inputs and outputs) into a manifest to start from, with
/// `weights` as its weights file (relative to where the manifest is saved).
pub fn suggest_manifest(description: &ModelDescription, weights: &str, name: &str) -> Suggestion {
    let mut recognised = Vec::new();
    let mut unknown = Vec::new();
    let image = description
        .inputs
        .iter()
        .find(|input| input.dimensions.len() == 4);
    let (tensor, width, height) = match image {
        Some(input) => {
            let (width, height) = (input.fixed(3), input.fixed(2));
            if width.is_none() || height.is_none() {
                unknown.push(format!(
                    "the input `{}` {} has a dynamic size: 640 × 640 assumed; set the size the model was trained at",
                    input.name,
                    input.shape_text()
                ));
            }
            (
                input.name.clone(),
                width.unwrap_or(640),
                height.unwrap_or(640),
            )
        }
        None => {
            unknown
                .push("no [N, 3, H, W] image input: the input tensor and size are guesses".into());
            let name = description
                .inputs
                .first()
                .map_or_else(|| "images".to_string(), |input| input.name.clone());
            (name, 640, 640)
        }
    };
    let mut heads = Vec::new();
    let mut family = None;
    let mut taken = Vec::new();
    let mut used = vec![false; description.outputs.len()];

    // Prototype masks: [N, M, H/4, W/4], read with the yolov8 rows that carry M coefficients.
    let prototypes = description.outputs.iter().position(|output| {
        fixed_shape(output).is_some_and(|shape| {
            shape.len() == 3 && shape[1] == height.div_ceil(4) && shape[2] == width.div_ceil(4)
        }) && (named(output, &["proto", "output1"]) || description.outputs.len() == 2)
    });
    let rows_8400 = grid_rows(width, height, 1);
    let rows_anchored = grid_rows(width, height, 3);

    for (index, output) in description.outputs.iter().enumerate() {
        let Some(shape) = fixed_shape(output) else {
            continue;
        };
        let text = format!("`{}` {}", output.name, output.shape_text());
        if shape.len() != 2 {
            continue;
        }
        let (first, second) = (shape[0], shape[1]);
        let head = if second == rows_8400 && first > 4 {
            let coefficients = prototypes
                .filter(|&p| p != index)
                .and_then(|p| fixed_shape(&description.outputs[p]))
                .map(|shape| shape[0])
                .filter(|&m| first > 4 + m);
            family = family.or(Some(Family::Ultralytics));
            used[index] = true;
            if let (Some(masks), Some(p)) = (coefficients, prototypes) {
                used[p] = true;
                let protos = &description.outputs[p];
                recognised.push(format!(
                    "{text} + `{}` {}: Ultralytics instance segmentation (yolov8 rows, {masks} mask coefficients, {} classes)",
                    protos.name,
                    protos.shape_text(),
                    first - 4 - masks
                ));
                Head::new(
                    &head_name("objects", &mut taken),
                    "instance-segmentation",
                    &[&output.name, &protos.name],
                )
                .line("format = \"yolov8\"")
                .line(placeholder_classes(first - 4 - masks))
                .line(format!("mask_coefficients = {masks}"))
            } else if first == 4 + 1 + 3 * 17 {
                recognised.push(format!(
                    "{text}: Ultralytics pose (yolov8 rows: 1 class and 17 keypoints)"
                ));
                unknown.push(format!(
                    "{text} could also be 52 classes without keypoints: then set 52 classes and remove `keypoints`"
                ));
                Head::new(&head_name("objects", &mut taken), "detection", &[&output.name])
                    .line("format = \"yolov8\"")
                    .line("classes = [\"person\"]")
                    .line("keypoints = 17")
            } else {
                recognised.push(format!(
                    "{text}: Ultralytics YOLOv8 / YOLO11 detection (yolov8 rows, {} classes)",
                    first - 4
                ));
                Head::new(&head_name("objects", &mut taken), "detection", &[&output.name])
                    .line("format = \"yolov8\"")
                    .line(placeholder_classes(first - 4))
            }
            .line("score_threshold = 0.25")
            .line("nms_iou = 0.7  # Ultralytics' predict default")
            .line("max_detections = 300")
        } else if first == rows_8400 && second > 5 {
            family = family.or(Some(Family::Yolox));
            used[index] = true;
            recognised.push(format!(
                "{text}: YOLOX rows ({} cells of strides 8, 16, 32; {} classes)",
                first,
                second - 5
            ));
            Head::new(
                &head_name("objects", &mut taken),
                "detection",
                &[&output.name],
            )
            .line("format = \"yolox\"")
            .line(placeholder_classes(second - 5))
            .line("score_threshold = 0.3")
            .line("nms_iou = 0.45")
        } else if first == rows_anchored && second > 5 {
            family = family.or(Some(Family::Yolov5));
            used[index] = true;
            recognised.push(format!(
                "{text}: YOLOv5 / YOLOP export (3 anchors per cell of strides 8, 16, 32, boxes decoded in the graph; {} classes)",
                second - 5
            ));
            unknown.push(format!(
                "{text} is read as decoded boxes (YOLOv5's export.py); a graph cut before Detect's decoding needs `format = \"yolov5-raw\"` with its anchors"
            ));
            Head::new(
                &head_name("objects", &mut taken),
                "detection",
                &[&output.name],
            )
            .line("format = \"yolov5\"")
            .line(placeholder_classes(second - 5))
            .line("score_threshold = 0.25")
            .line("nms_iou = 0.45  # detect.py's default")
            .line("max_detections = 1000")
        } else {
            continue;
        };
        heads.push(head);
    }

    // YOLOv5 raw per-stride outputs: [N, A, h, w, 5 + C].
    let mut raw: Vec<(usize, usize, usize)> = description
        .outputs
        .iter()
        .enumerate()
        .filter_map(|(index, output)| {
            let shape = fixed_shape(output)?;
            (shape.len() == 4 && shape[3] > 5 && shape[1] > 0 && width % shape[2] == 0)
                .then(|| (index, width / shape[2], shape[3]))
        })
        .collect();
    raw.sort_by_key(|&(_, stride, _)| stride);
    if !raw.is_empty() && raw.iter().all(|&(_, _, row)| row == raw[0].2) {
        family = family.or(Some(Family::Yolov5));
        let names: Vec<&str> = raw
            .iter()
            .map(|&(index, _, _)| description.outputs[index].name.as_str())
            .collect();
        let strides: Vec<String> = raw.iter().map(|&(_, s, _)| s.to_string()).collect();
        for &(index, _, _) in &raw {
            used[index] = true;
        }
        recognised.push(format!(
            "{}: YOLOv5 raw logits per stride ({}), before Detect's decoding; {} classes",
            names.join(", "),
            strides.join(", "),
            raw[0].2 - 5
        ));
        unknown.push(
            "yolov5-raw anchors are YOLOv5's defaults: use the anchors the model was trained with"
                .into(),
        );
        heads.push(
            Head::new(&head_name("objects", &mut taken), "detection", &names)
                .line("format = \"yolov5-raw\"")
                .line(placeholder_classes(raw[0].2 - 5))
                .line(format!("strides = [{}]", strides.join(", ")))
                .line(format!("anchors = {YOLOV5_ANCHORS}"))
                .line("score_threshold = 0.25")
                .line("nms_iou = 0.45"),
        );
    }

    // Per-pixel outputs: [N, C, H, W] or [N, H, W].
    for (index, output) in description.outputs.iter().enumerate() {
        if used[index] {
            continue;
        }
        let text = format!("`{}` {}", output.name, output.shape_text());
        let rank = output.dimensions.len();
        let channels = output.fixed(1);
        let resolution = output.fixed(rank.saturating_sub(2));
        let depth_name = named(output, &["depth", "disp"]);
        let heatmap_name = named(output, &["heatmap", "keypoint", "kpt", "pose", "hm"]);
        let head = if (rank == 4 && channels == Some(1) && !heatmap_name)
            || (rank == 3 && depth_name && resolution.is_some())
        {
            recognised.push(format!("{text}: one value per pixel, read as depth"));
            unknown.push(format!(
                "{text}: what the depth values are (metres, inverse depth, sigmoid) and whether along the optical axis or the ray: check `encoding`, `min_depth`, `max_depth`, and add `measured_along` to place objects with it"
            ));
            Head::new(
                &head_name(&output.name, &mut taken),
                "depth",
                &[&output.name],
            )
            .line("encoding = \"metric\"  # or \"inverse\" / \"sigmoid\": the graph does not say")
            .line("min_depth = 0.1")
            .line("max_depth = 100.0")
        } else if let (4, Some(count), true) = (rank, channels, heatmap_name) {
            recognised.push(format!("{text}: {count} keypoint heatmaps"));
            Head::new(
                &head_name(&output.name, &mut taken),
                "keypoints",
                &[&output.name],
            )
            .line(format!("keypoints = {count}"))
        } else if let (4, Some(count @ 2..=256)) = (rank, channels) {
            let upsample = if resolution.is_some_and(|size| size < height) {
                "bilinear"
            } else {
                "nearest"
            };
            recognised.push(format!("{text}: segmentation, {count} classes"));
            Head::new(
                &head_name(&output.name, &mut taken),
                "segmentation",
                &[&output.name],
            )
            .line(placeholder_classes(count))
            .line(format!("upsample = \"{upsample}\""))
        } else {
            unknown.push(format!(
                "{text}: no known layout (dynamic or unexpected sizes); not read"
            ));
            continue;
        };
        used[index] = true;
        heads.push(head);
    }

    let (color, resize, scale) = match family {
        Some(Family::Yolox) => ("bgr", "letterbox-top-left", "1.0"),
        Some(Family::Ultralytics | Family::Yolov5) => {
            ("rgb", "letterbox-center", "0.00392156862745098  # 1/255")
        }
        None => ("rgb", "stretch", "0.00392156862745098  # 1/255"),
    };
    unknown.push(match family {
        Some(Family::Yolox) => "colour order and normalisation: YOLOX's (BGR, 0–255, no mean or std, top-left letterbox); check them against the training code".into(),
        Some(Family::Ultralytics) => "colour order and normalisation: Ultralytics' (RGB, /255, centred letterbox, grey 114 padding)".into(),
        Some(Family::Yolov5) => "colour order and normalisation: YOLOv5's (RGB, /255, centred letterbox); YOLOP-style multi-task models are often trained with ImageNet mean and std: set `mean` and `std` if so".into(),
        None => "colour order, resize and normalisation: the graph does not say (RGB, /255, stretched assumed); check them against the training code".into(),
    });
    if heads.is_empty() {
        unknown.push(
            "no output matches a known layout: write the [[heads]] by hand (models/MANIFEST.md)"
                .into(),
        );
    }

    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Suggested by `panoptes inspect --suggest` from the graph's outputs alone."
    );
    let _ = writeln!(text, "# Read:");
    for line in &recognised {
        let _ = writeln!(text, "#   {line}");
    }
    let _ = writeln!(text, "# Not known from the graph (check before use):");
    for line in &unknown {
        let _ = writeln!(text, "#   {line}");
    }
    let _ = writeln!(
        text,
        "\n[model]\nname = \"{name}\"\nweights = \"{weights}\"\n\n[input]\ntensor = \"{tensor}\"\nwidth = {width}\nheight = {height}\ncolor = \"{color}\"\nresize = \"{resize}\"\npad_value = 114\nscale = {scale}\nmean = [0.0, 0.0, 0.0]\nstd = [1.0, 1.0, 1.0]"
    );
    for head in heads {
        let _ = writeln!(text, "\n[[heads]]");
        for line in head.lines {
            let _ = writeln!(text, "{line}");
        }
    }
    Suggestion {
        manifest: text,
        recognised,
        unknown,
    }
}
