//! The nuScenes v1.0 table records Panoptes reads, and reading a table while keeping only the
//! records asked for (trainval's `sample_data`, `ego_pose` and `sample_annotation` run to
//! hundreds of MB: they are streamed, never held as text beside their records).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::DriveError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SensorRecord {
    pub token: String,
    pub channel: String,
    pub modality: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CalibratedSensorRecord {
    pub token: String,
    pub sensor_token: String,
    pub translation: [f64; 3],
    pub rotation: [f64; 4],
    #[serde(default)]
    pub camera_intrinsic: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SampleDataRecord {
    pub token: String,
    pub sample_token: String,
    pub ego_pose_token: String,
    pub calibrated_sensor_token: String,
    pub timestamp: u64,
    #[serde(default)]
    pub fileformat: String,
    pub is_key_frame: bool,
    pub height: u32,
    pub width: u32,
    pub filename: String,
    #[serde(default)]
    pub prev: String,
    #[serde(default)]
    pub next: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EgoPoseRecord {
    pub token: String,
    pub timestamp: u64,
    pub rotation: [f64; 4],
    pub translation: [f64; 3],
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SampleRecord {
    pub token: String,
    pub timestamp: u64,
    #[serde(default)]
    pub prev: String,
    #[serde(default)]
    pub next: String,
    pub scene_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SceneRecord {
    pub token: String,
    pub log_token: String,
    pub nbr_samples: usize,
    pub first_sample_token: String,
    pub last_sample_token: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LogRecord {
    pub token: String,
    #[serde(default)]
    pub logfile: String,
    #[serde(default)]
    pub vehicle: String,
    #[serde(default)]
    pub date_captured: String,
    #[serde(default)]
    pub location: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CategoryRecord {
    pub token: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InstanceRecord {
    pub token: String,
    pub category_token: String,
    #[serde(default)]
    pub nbr_annotations: usize,
    #[serde(default)]
    pub first_annotation_token: String,
    #[serde(default)]
    pub last_annotation_token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AnnotationRecord {
    pub token: String,
    pub sample_token: String,
    pub instance_token: String,
    #[serde(default)]
    pub visibility_token: String,
    #[serde(default)]
    pub attribute_tokens: Vec<String>,
    /// Box centre in the global frame, metres.
    pub translation: [f64; 3],
    /// Width, length, height, metres.
    pub size: [f64; 3],
    /// Global orientation `[w, x, y, z]`.
    pub rotation: [f64; 4],
    #[serde(default)]
    pub prev: String,
    #[serde(default)]
    pub next: String,
    #[serde(default)]
    pub num_lidar_pts: i64,
    #[serde(default)]
    pub num_radar_pts: i64,
}

/// Reads the JSON array in `file`, keeping the records `keep` accepts with their positions in
/// the table, one at a time: memory holds the kept records and a read buffer, not the file's
/// text. A parse error names the record's position (`[n]`) and the parser's line and column.
pub(crate) fn read_filtered<T: DeserializeOwned>(
    file: &Path,
    mut keep: impl FnMut(&T) -> bool,
) -> Result<Vec<(usize, T)>, DriveError> {
    let opened = File::open(file).map_err(DriveError::io(file))?;
    let mut deserializer =
        serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 20, opened));
    let position = Cell::new(0usize);
    let inner_field = RefCell::new(String::new());
    let visitor = Filter {
        keep: &mut keep,
        position: &position,
        field: &inner_field,
        marker: PhantomData,
    };
    let records = deserializer
        .deserialize_seq(visitor)
        .and_then(|records| deserializer.end().map(|()| records));
    records.map_err(|error| DriveError::Json {
        file: file.to_owned(),
        field: if error.is_data() || error.is_syntax() {
            let inner = inner_field.borrow();
            match inner.as_str() {
                "" | "." => format!("[{}]", position.get()),
                inner => format!("[{}].{inner}", position.get()),
            }
        } else {
            ".".to_owned()
        },
        message: error.to_string(),
    })
}

/// Reads a whole (small) table.
pub(crate) fn read_all<T: DeserializeOwned>(file: &Path) -> Result<Vec<T>, DriveError> {
    let records = read_filtered(file, |_| true)?;
    Ok(records.into_iter().map(|(_, record)| record).collect())
}

struct Filter<'a, T, F> {
    keep: &'a mut F,
    position: &'a Cell<usize>,
    /// Path of the offending field inside the record that failed.
    field: &'a RefCell<String>,
    marker: PhantomData<T>,
}

/// Deserializes one record, noting the path of a field that fails.
struct Record<'a, T> {
    field: &'a RefCell<String>,
    marker: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Record<'_, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            *self.field.borrow_mut() = error.path().to_string();
            error.into_inner()
        })
    }
}

impl<'de, T: DeserializeOwned, F: FnMut(&T) -> bool> Visitor<'de> for Filter<'_, T, F> {
    type Value = Vec<(usize, T)>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON array of table records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<Self::Value, A::Error> {
        let mut kept = Vec::new();
        let seed = || Record {
            field: self.field,
            marker: PhantomData,
        };
        while let Some(record) = sequence.next_element_seed(seed())? {
            if (self.keep)(&record) {
                kept.push((self.position.get(), record));
            }
            self.position.set(self.position.get() + 1);
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn filtering_keeps_matching_records_and_names_the_bad_one() {
        let directory = tempfile::tempdir().unwrap();
        let file = directory.path().join("sample.json");
        std::fs::write(
            &file,
            r#"[{"token": "a", "timestamp": 1, "scene_token": "s"},
                {"token": "b", "timestamp": 2, "scene_token": "t"},
                {"token": "c", "timestamp": 3, "scene_token": "s"}]"#,
        )
        .unwrap();
        let kept = read_filtered(&file, |record: &SampleRecord| record.scene_token == "s").unwrap();
        let tokens: Vec<(usize, &str)> = kept
            .iter()
            .map(|(position, record)| (*position, record.token.as_str()))
            .collect();
        assert_eq!(tokens, [(0, "a"), (2, "c")]);

        std::fs::write(
            &file,
            r#"[{"token": "a", "timestamp": 1, "scene_token": "s"},
                {"token": "b", "timestamp": "late", "scene_token": "t"}]"#,
        )
        .unwrap();
        let error = read_all::<SampleRecord>(&file).unwrap_err();
        assert_eq!(error.field().as_deref(), Some("[1].timestamp"), "{error}");
        assert!(error.to_string().contains("line 2"), "{error}");
    }
}
