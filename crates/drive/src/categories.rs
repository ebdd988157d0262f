//! Which class of a model each nuScenes category counts as, for ground truth read from nuScenes
//! annotation tables.
//!
//! A TOML file holds one table, `[categories]`: keys are nuScenes category names, or a prefix
//! ending in `.*` that covers every category below it; values are class names, or `""` to leave
//! the category out. The longest matching key wins; a category that no key matches is left out
//! of the ground truth.
//!
//! ```toml
//! [categories]
//! "human.pedestrian.*" = "person"
//! "human.pedestrian.personal_mobility" = ""
//! "vehicle.car" = "car"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::DriveError;

/// nuScenes categories → class names (see the module documentation for the file format).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryMap {
    /// Pattern (a category, or a prefix ending in `.*`) → class (`None`: left out).
    rules: BTreeMap<String, Option<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryFile {
    categories: BTreeMap<String, String>,
}

/// The nuScenes detection benchmark's ten classes, as its devkit maps them.
const DETECTION_CLASSES: [(&str, &str); 10] = [
    ("movable_object.barrier", "barrier"),
    ("vehicle.bicycle", "bicycle"),
    ("vehicle.bus.*", "bus"),
    ("vehicle.car", "car"),
    ("vehicle.construction", "construction_vehicle"),
    ("vehicle.motorcycle", "motorcycle"),
    ("movable_object.trafficcone", "traffic_cone"),
    ("vehicle.trailer", "trailer"),
    ("vehicle.truck", "truck"),
    ("human.pedestrian.*", "pedestrian"),
];

/// Pedestrian categories that the devkit leaves out of the detection benchmark.
const NOT_PEDESTRIANS: [&str; 3] = [
    "human.pedestrian.personal_mobility",
    "human.pedestrian.stroller",
    "human.pedestrian.wheelchair",
];

impl Default for CategoryMap {
    /// [`CategoryMap::nuscenes_detection`].
    fn default() -> Self {
        Self::nuscenes_detection()
    }
}

impl CategoryMap {
    /// The nuScenes detection benchmark's mapping (devkit `category_to_detection_name`): car,
    /// truck, bus, trailer, construction_vehicle, pedestrian, motorcycle, bicycle, traffic_cone,
    /// barrier; every other category left out.
    #[must_use]
    pub fn nuscenes_detection() -> Self {
        let mut rules: BTreeMap<String, Option<String>> = DETECTION_CLASSES
            .iter()
            .map(|(pattern, class)| ((*pattern).to_owned(), Some((*class).to_owned())))
            .collect();
        rules.extend(
            NOT_PEDESTRIANS
                .iter()
                .map(|name| ((*name).to_owned(), None)),
        );
        Self { rules }
    }

    /// Reads a category file (see the module documentation).
    pub fn load(path: &Path) -> Result<Self, DriveError> {
        let text = std::fs::read_to_string(path).map_err(DriveError::io(path))?;
        Self::from_toml_str(&text, path)
    }

    /// Parses a category file's text; `file` names it in errors.
    pub fn from_toml_str(text: &str, file: &Path) -> Result<Self, DriveError> {
        let parsed: CategoryFile = toml::from_str(text).map_err(|error| DriveError::Json {
            file: file.to_owned(),
            field: "categories".to_owned(),
            message: error.to_string().replace('\n', " "),
        })?;
        let mut rules = BTreeMap::new();
        for (pattern, class) in parsed.categories {
            let stem = pattern.strip_suffix(".*").unwrap_or(&pattern);
            let plain = !stem.is_empty()
                && stem
                    .split('.')
                    .all(|part| !part.is_empty() && !part.contains('*'));
            if !plain {
                return Err(DriveError::InvalidField {
                    file: file.to_owned(),
                    field: format!("categories.\"{pattern}\""),
                    problem: "is neither a category name nor a prefix ending in `.*`".to_owned(),
                    fix: "write names such as `vehicle.car` or `human.pedestrian.*`".to_owned(),
                });
            }
            let class = (!class.trim().is_empty()).then(|| class.trim().to_owned());
            rules.insert(pattern, class);
        }
        Ok(Self { rules })
    }

    /// The class a category counts as, or `None` when it is left out.
    #[must_use]
    pub fn class_of(&self, category: &str) -> Option<&str> {
        let mut best: Option<(usize, &Option<String>)> = None;
        for (pattern, class) in &self.rules {
            let length = match pattern.strip_suffix(".*") {
                Some(prefix) => {
                    let covered = category
                        .strip_prefix(prefix)
                        .is_some_and(|rest| rest.starts_with('.'));
                    if !covered {
                        continue;
                    }
                    prefix.len()
                }
                // An exact name beats any prefix.
                None if pattern == category => usize::MAX,
                None => continue,
            };
            if best.is_none_or(|(longest, _)| length > longest) {
                best = Some((length, class));
            }
        }
        best.and_then(|(_, class)| class.as_deref())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_detection_mapping_follows_the_devkit() {
        let map = CategoryMap::nuscenes_detection();
        assert_eq!(map.class_of("human.pedestrian.adult"), Some("pedestrian"));
        assert_eq!(
            map.class_of("human.pedestrian.police_officer"),
            Some("pedestrian")
        );
        assert_eq!(map.class_of("human.pedestrian.stroller"), None);
        assert_eq!(map.class_of("vehicle.bus.bendy"), Some("bus"));
        assert_eq!(map.class_of("vehicle.car"), Some("car"));
        assert_eq!(map.class_of("vehicle.emergency.police"), None);
        assert_eq!(map.class_of("animal"), None);
        // A prefix covers names below it, not names that merely start with it.
        assert_eq!(map.class_of("vehicle.bus"), None);
        assert_eq!(map.class_of("vehicle.busy.thing"), None);
    }

    #[test]
    fn a_file_maps_by_longest_match_and_refuses_odd_keys() {
        let file = Path::new("coco.toml");
        let text = "[categories]\n\"vehicle.*\" = \"car\"\n\"vehicle.truck\" = \"truck\"\n\"vehicle.trailer\" = \"\"\n";
        let map = CategoryMap::from_toml_str(text, file).unwrap();
        assert_eq!(map.class_of("vehicle.truck"), Some("truck"));
        assert_eq!(map.class_of("vehicle.bus.rigid"), Some("car"));
        assert_eq!(map.class_of("vehicle.trailer"), None);
        assert_eq!(map.class_of("human.pedestrian.adult"), None);

        let error =
            CategoryMap::from_toml_str("[categories]\n\"vehicle*\" = \"car\"\n", file).unwrap_err();
        assert_eq!(error.field().as_deref(), Some("categories.\"vehicle*\""));
        let error = CategoryMap::from_toml_str("[classes]\n", file).unwrap_err();
        assert!(error.to_string().contains("coco.toml"), "{error}");
    }
}
