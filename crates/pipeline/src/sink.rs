//! The output directory: `perception.jsonl`, mask and depth PNGs, `report.json`.

use crate::error::{PipelineError, Result};
use crate::record::FramePerception;
use crate::report::Report;
use crate::stages::PendingImage;
use rayon::prelude::*;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Name of the per-frame-set JSON lines file.
pub const PERCEPTION_FILE: &str = "perception.jsonl";
/// Name of the run report.
pub const REPORT_FILE: &str = "report.json";

/// Which images a replay writes beside `perception.jsonl` and `report.json` (which it always
/// writes); the record names only the files written. Overlays are asked for apart
/// ([`crate::ReplayOptions::overlays`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveSet {
    /// Segmentation class maps, `masks/<frame>/<camera>/<head>.png`.
    pub masks: bool,
    /// Depth maps, `depth/<frame>/<camera>/<head>.png`.
    pub depth: bool,
    /// Bird's-eye views, `bev/<frame>.png` (fusion on).
    pub bev: bool,
}

impl Default for SaveSet {
    /// Everything: masks, depth and the bird's-eye view.
    fn default() -> Self {
        Self {
            masks: true,
            depth: true,
            bev: true,
        }
    }
}

impl SaveSet {
    /// Only `perception.jsonl` (and the report).
    pub const NONE: Self = Self {
        masks: false,
        depth: false,
        bev: false,
    };

    /// Whether `image` is written.
    pub fn keeps(&self, image: &PendingImage) -> bool {
        match image {
            PendingImage::Mask(_) => self.masks,
            PendingImage::Depth(_) => self.depth,
            PendingImage::Bev(_) => self.bev,
        }
    }

    /// Removes from `record` the paths of the files not written.
    pub fn strip(&self, record: &mut FramePerception) {
        for camera in record.cameras.values_mut() {
            if !self.masks {
                camera.masks.clear();
            }
            if !self.depth {
                camera.depth = None;
            }
        }
        if !self.bev {
            record.bev = None;
        }
    }
}

/// Writes one replay's outputs into a directory.
#[derive(Debug)]
pub struct OutputDirectory {
    root: PathBuf,
    lines: BufWriter<File>,
}

impl OutputDirectory {
    /// Creates `root` (and parents) and starts `perception.jsonl` afresh.
    pub fn create(root: &Path) -> Result<Self> {
        fs::create_dir_all(root).map_err(|error| sink_error(root, &error))?;
        let path = root.join(PERCEPTION_FILE);
        let file = File::create(&path).map_err(|error| sink_error(&path, &error))?;
        Ok(Self {
            root: root.to_path_buf(),
            lines: BufWriter::new(file),
        })
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes the images of a frame set that `save` keeps (relative paths as in its record),
    /// encoding the PNGs in parallel.
    pub fn write_images(&self, images: &[(String, PendingImage)], save: SaveSet) -> Result<()> {
        let kept = images.par_iter().filter(|(_, image)| save.keeps(image));
        kept.try_for_each(|(relative, image)| {
            let path = self.root.join(relative);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|error| sink_error(parent, &error))?;
            }
            let written = match image {
                PendingImage::Mask(map) => map.write_png(&path).map_err(|error| error.to_string()),
                PendingImage::Depth(map) => map.write_png(&path).map_err(|error| error.to_string()),
                PendingImage::Bev(grid) => grid
                    .encode_png()
                    .map_err(|error| error.to_string())
                    .and_then(|bytes| fs::write(&path, bytes).map_err(|error| error.to_string())),
            };
            written.map_err(|message| sink_error(&path, &message))
        })
    }

    /// Writes `overlays/<frame>.jpg`.
    pub fn write_overlay(&self, frame: usize, image: &image::RgbImage) -> Result<()> {
        let folder = self.root.join("overlays");
        fs::create_dir_all(&folder).map_err(|error| sink_error(&folder, &error))?;
        let path = folder.join(format!("{frame:06}.jpg"));
        let file = File::create(&path).map_err(|error| sink_error(&path, &error))?;
        let mut encoder =
            image::codecs::jpeg::JpegEncoder::new_with_quality(BufWriter::new(file), 88);
        encoder
            .encode_image(image)
            .map_err(|error| sink_error(&path, &error))
    }

    /// Appends one JSON line.
    pub fn write_record(&mut self, record: &FramePerception) -> Result<()> {
        let path = self.root.join(PERCEPTION_FILE);
        serde_json::to_writer(&mut self.lines, record)
            .map_err(|error| sink_error(&path, &error))?;
        self.lines
            .write_all(b"\n")
            .map_err(|error| sink_error(&path, &error))
    }

    /// Flushes the JSON lines and writes `report.json` (also when the flush fails: the report
    /// says what was produced and why the run stopped). The first failure is returned.
    pub fn finish(&mut self, report: &Report) -> Result<()> {
        let (flushed, written) = self.finish_each(report);
        flushed.and(written)
    }

    /// [`Self::finish`], with the flush's and the report's outcomes apart. The report is written
    /// whole or not at all (to a temporary file, then renamed): a full disk leaves no truncated
    /// `report.json`.
    pub fn finish_each(&mut self, report: &Report) -> (Result<()>, Result<()>) {
        let lines = self.root.join(PERCEPTION_FILE);
        let flushed = self
            .lines
            .flush()
            .map_err(|error| sink_error(&lines, &error));
        let path = self.root.join(REPORT_FILE);
        let partial = self.root.join(format!("{REPORT_FILE}.partial"));
        let written = serde_json::to_string_pretty(report)
            .map_err(|error| sink_error(&path, &error))
            .and_then(|text| {
                fs::write(&partial, text + "\n")
                    .and_then(|()| fs::rename(&partial, &path))
                    .map_err(|error| {
                        let _ = fs::remove_file(&partial);
                        sink_error(&path, &error)
                    })
            });
        (flushed, written)
    }
}

fn sink_error(path: &Path, error: &dyn std::fmt::Display) -> PipelineError {
    PipelineError::Sink {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}
