//! The model manifest: how to feed a model and how to read its outputs (see models/MANIFEST.md).
//!
//! This crate reads the fields it needs to load and check the model (weights, input tensor and
//! size, each head's outputs, kind, format and class count). The `[input]` and `[[heads]]`
//! tables are kept whole so that pre-processing and decoding read their own fields from them.

use crate::error::{Result, RuntimeError};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What a head decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadKind {
    /// Boxes with classes (and optionally per-detection keypoints).
    Detection,
    /// Per-pixel classes.
    Segmentation,
    /// Per-pixel depth.
    Depth,
    /// Keypoint heatmaps.
    Keypoints,
    /// Boxes with a mask each (detection rows and prototype masks).
    InstanceSegmentation,
}

impl HeadKind {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "detection" => Some(Self::Detection),
            "segmentation" => Some(Self::Segmentation),
            "depth" => Some(Self::Depth),
            "keypoints" => Some(Self::Keypoints),
            "instance-segmentation" => Some(Self::InstanceSegmentation),
            _ => None,
        }
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Detection => "detection",
            Self::Segmentation => "segmentation",
            Self::Depth => "depth",
            Self::Keypoints => "keypoints",
            Self::InstanceSegmentation => "instance-segmentation",
        }
    }
}

/// The model's input as far as loading needs it; `table` holds the whole `[input]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    /// Graph input name.
    pub tensor: String,
    /// Model input width in pixels.
    pub width: usize,
    /// Model input height in pixels.
    pub height: usize,
    /// The whole `[input]` table (colour order, resize mode, normalisation...).
    pub table: toml::Table,
}

/// One head as far as loading needs it; `table` holds the whole `[[heads]]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadSpec {
    /// Unique head name.
    pub name: String,
    /// What it decodes.
    pub kind: HeadKind,
    /// Graph outputs it reads.
    pub outputs: Vec<String>,
    /// Published output format (detection heads).
    pub format: Option<String>,
    /// Class labels (detection, segmentation).
    pub classes: Vec<String>,
    /// Keypoints per detection (detection) or heatmap channels (keypoints).
    pub keypoints: usize,
    /// Mask coefficients per row = prototype channels (instance-segmentation), else 0.
    pub mask_coefficients: usize,
    /// The whole `[[heads]]` table.
    pub table: toml::Table,
}

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// Display name of the model.
    pub name: String,
    /// The `.onnx` weights (resolved against the manifest's folder, or from `--weights`).
    pub weights: PathBuf,
    /// The input.
    pub input: InputSpec,
    /// The heads in manifest order.
    pub heads: Vec<HeadSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    model: RawModel,
    input: Option<toml::Table>,
    #[serde(default)]
    heads: Vec<toml::Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    name: Option<String>,
    weights: Option<PathBuf>,
}

impl Manifest {
    /// Reads and parses a manifest file. `weights` overrides `[model] weights`.
    pub fn load(path: &Path, weights: Option<&Path>) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|error| RuntimeError::ManifestSyntax {
            path: path.to_path_buf(),
            message: format!("cannot read: {error}"),
        })?;
        Self::parse(path, &text, weights)
    }

    /// An error naming `model.weights` when the weights file does not exist.
    pub fn check_weights(&self) -> Result<()> {
        if self.weights.is_file() {
            return Ok(());
        }
        Err(RuntimeError::ManifestField {
            path: self.path.clone(),
            field: "model.weights".to_string(),
            problem: format!("{} does not exist", self.weights.display()),
            fix: "point `weights` at the .onnx file, or pass --weights FILE.onnx".to_string(),
        })
    }

    /// Parses manifest text; `path` is used for error messages and to resolve relative weights.
    pub fn parse(path: &Path, text: &str, weights: Option<&Path>) -> Result<Self> {
        let raw: RawManifest =
            toml::from_str(text).map_err(|error| RuntimeError::ManifestSyntax {
                path: path.to_path_buf(),
                message: error.message().to_string() + &location(text, error.span()),
            })?;
        let fields = Fields { path };
        let weights = match (weights, raw.model.weights) {
            (Some(given), _) => given.to_path_buf(),
            (None, Some(relative)) => path.parent().unwrap_or(Path::new(".")).join(relative),
            (None, None) => {
                return Err(fields.error(
                    "model.weights",
                    "is missing",
                    "add `weights = \"FILE.onnx\"` under [model] or pass --weights FILE.onnx",
                ))
            }
        };
        let input_table = raw.input.ok_or_else(|| {
            fields.error(
                "input",
                "the [input] table is missing",
                "add an [input] table with tensor, width and height (see models/MANIFEST.md)",
            )
        })?;
        let input = InputSpec {
            tensor: fields.string(&input_table, "input", "tensor")?,
            width: fields.size(&input_table, "input", "width")?,
            height: fields.size(&input_table, "input", "height")?,
            table: input_table,
        };
        if raw.heads.is_empty() {
            return Err(fields.error(
                "heads",
                "no [[heads]] table",
                "add at least one [[heads]] table with name, kind and outputs",
            ));
        }
        let mut heads = Vec::with_capacity(raw.heads.len());
        for (index, table) in raw.heads.into_iter().enumerate() {
            let head = fields.head(index, table)?;
            if heads.iter().any(|other: &HeadSpec| other.name == head.name) {
                return Err(fields.error(
                    &format!("heads[{index}].name"),
                    &format!("`{}` is used by two heads", head.name),
                    "give every head a unique name",
                ));
            }
            heads.push(head);
        }
        Ok(Self {
            path: path.to_path_buf(),
            name: raw.model.name.unwrap_or_else(|| stem(path)),
            weights,
            input,
            heads,
        })
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".to_string())
}

/// ` (line L, column C)` for a TOML error span.
fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, str::len) + 1;
    format!(" (line {line}, column {column})")
}

/// Field extraction with errors that name the manifest file and the field.
struct Fields<'a> {
    path: &'a Path,
}

impl Fields<'_> {
    fn error(&self, field: &str, problem: &str, fix: &str) -> RuntimeError {
        RuntimeError::ManifestField {
            path: self.path.to_path_buf(),
            field: field.to_string(),
            problem: problem.to_string(),
            fix: fix.to_string(),
        }
    }

    fn string(&self, table: &toml::Table, section: &str, key: &str) -> Result<String> {
        match table.get(key) {
            Some(toml::Value::String(text)) if !text.is_empty() => Ok(text.clone()),
            Some(other) => Err(self.error(
                &format!("{section}.{key}"),
                &format!("expected a non-empty string, got {other}"),
                &format!("write `{key} = \"...\"`"),
            )),
            None => Err(self.error(
                &format!("{section}.{key}"),
                "is missing",
                &format!("add `{key} = \"...\"` to [{section}]"),
            )),
        }
    }

    fn size(&self, table: &toml::Table, section: &str, key: &str) -> Result<usize> {
        match table.get(key) {
            Some(toml::Value::Integer(value)) if *value > 0 => {
                usize::try_from(*value).map_err(|_| self.error(section, "too large", "use a smaller size"))
            }
            Some(other) => Err(self.error(
                &format!("{section}.{key}"),
                &format!("expected a positive integer, got {other}"),
                &format!("write `{key} = <pixels>`"),
            )),
            None => Err(self.error(
                &format!("{section}.{key}"),
                "is missing (the model input size is required)",
                &format!("add `{key} = <pixels>` to [{section}]; `panoptes inspect MODEL.onnx` shows the graph's input shape"),
            )),
        }
    }

    fn head(&self, index: usize, table: toml::Table) -> Result<HeadSpec> {
        let section = format!("heads[{index}]");
        let name = self.string(&table, &section, "name")?;
        let section = format!("heads.{name}");
        let kind_text = self.string(&table, &section, "kind")?;
        let kind = HeadKind::parse(&kind_text).ok_or_else(|| {
            self.error(
                &format!("{section}.kind"),
                &format!("unknown kind `{kind_text}`"),
                "use one of detection, segmentation, depth, keypoints, instance-segmentation",
            )
        })?;
        let outputs = self.strings(&table, &section, "outputs")?.ok_or_else(|| {
            self.error(
                &format!("{section}.outputs"),
                "is missing",
                "add `outputs = [\"OUTPUT_NAME\"]` naming the graph output(s) this head reads",
            )
        })?;
        if outputs.is_empty() {
            return Err(self.error(
                &format!("{section}.outputs"),
                "is empty",
                "name at least one graph output",
            ));
        }
        let classes = self
            .strings(&table, &section, "classes")?
            .unwrap_or_default();
        let format = match table.get("format") {
            None => None,
            Some(_) => Some(self.string(&table, &section, "format")?),
        };
        let boxes = matches!(kind, HeadKind::Detection | HeadKind::InstanceSegmentation);
        if boxes && format.is_none() {
            return Err(self.error(
                &format!("{section}.format"),
                "is missing",
                "add `format = \"yolox\"` (or yolov5, yolov5-raw, yolov8, panoptes)",
            ));
        }
        let keypoints = self.count(&table, &section, "keypoints", "write `keypoints = 17`")?;
        let mask_coefficients = self.count(
            &table,
            &section,
            "mask_coefficients",
            "write `mask_coefficients = 32`",
        )?;
        Ok(HeadSpec {
            name,
            kind,
            outputs,
            format,
            classes,
            keypoints,
            mask_coefficients,
            table,
        })
    }

    /// A non-negative integer field, 0 when absent.
    fn count(&self, table: &toml::Table, section: &str, key: &str, fix: &str) -> Result<usize> {
        match table.get(key) {
            None => Ok(0),
            Some(toml::Value::Integer(count)) if *count >= 0 => {
                Ok(usize::try_from(*count).unwrap_or(0))
            }
            Some(other) => Err(self.error(
                &format!("{section}.{key}"),
                &format!("expected a count, got {other}"),
                fix,
            )),
        }
    }

    fn strings(
        &self,
        table: &toml::Table,
        section: &str,
        key: &str,
    ) -> Result<Option<Vec<String>>> {
        let Some(value) = table.get(key) else {
            return Ok(None);
        };
        let bad = || {
            self.error(
                &format!("{section}.{key}"),
                &format!("expected a list of strings, got {value}"),
                &format!("write `{key} = [\"a\", \"b\"]`"),
            )
        };
        let array = value.as_array().ok_or_else(bad)?;
        array
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}
