//! The class tables. The semantic table is the label set of the segmentation maps the simulator
//! writes, and so the segmentation head's classes of our own model: ids are stable, append only.

/// Semantic classes of the per-pixel class map (`u8` ids).
///
/// | id | name | what |
/// |---|---|---|
/// | 0 | void | outside a fisheye lens's image circle: no label |
/// | 1 | sky | sky and anything beyond the rendered world |
/// | 2 | road | drivable asphalt, including parking strips and side streets |
/// | 3 | lane_marking | painted lines and crosswalk stripes |
/// | 4 | sidewalk | sidewalks and kerbs |
/// | 5 | terrain | grass verges between buildings |
/// | 6 | building | buildings and their windows |
/// | 7 | vegetation | trees |
/// | 8 | pole | street lamps and sign posts |
/// | 9 | vehicle | cars, vans, trucks, buses |
/// | 10 | pedestrian | people |
/// | 11 | traffic_cone | traffic cones |
/// | 12 | cyclist | riders and their bicycles |
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum SemanticClass {
    Void = 0,
    Sky = 1,
    Road = 2,
    LaneMarking = 3,
    Sidewalk = 4,
    Terrain = 5,
    Building = 6,
    Vegetation = 7,
    Pole = 8,
    Vehicle = 9,
    Pedestrian = 10,
    TrafficCone = 11,
    Cyclist = 12,
}

impl SemanticClass {
    /// Every class, in id order.
    pub const ALL: [SemanticClass; 13] = [
        SemanticClass::Void,
        SemanticClass::Sky,
        SemanticClass::Road,
        SemanticClass::LaneMarking,
        SemanticClass::Sidewalk,
        SemanticClass::Terrain,
        SemanticClass::Building,
        SemanticClass::Vegetation,
        SemanticClass::Pole,
        SemanticClass::Vehicle,
        SemanticClass::Pedestrian,
        SemanticClass::TrafficCone,
        SemanticClass::Cyclist,
    ];

    /// The id written into class maps.
    #[must_use]
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The class with this id, if any.
    #[must_use]
    pub fn from_id(id: u8) -> Option<Self> {
        Self::ALL.get(usize::from(id)).copied()
    }

    /// The snake_case name used in files and manifests.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SemanticClass::Void => "void",
            SemanticClass::Sky => "sky",
            SemanticClass::Road => "road",
            SemanticClass::LaneMarking => "lane_marking",
            SemanticClass::Sidewalk => "sidewalk",
            SemanticClass::Terrain => "terrain",
            SemanticClass::Building => "building",
            SemanticClass::Vegetation => "vegetation",
            SemanticClass::Pole => "pole",
            SemanticClass::Vehicle => "vehicle",
            SemanticClass::Pedestrian => "pedestrian",
            SemanticClass::TrafficCone => "traffic_cone",
            SemanticClass::Cyclist => "cyclist",
        }
    }
}

/// Detection classes of the 2D and 3D boxes (ids in this order).
///
/// | id | name | what |
/// |---|---|---|
/// | 0 | car | passenger cars |
/// | 1 | truck | vans and trucks |
/// | 2 | bus | buses |
/// | 3 | pedestrian | people (these carry the 17 COCO keypoints) |
/// | 4 | traffic_cone | traffic cones |
/// | 5 | cyclist | a rider and bicycle (the rider carries the 17 COCO keypoints) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum DetectionClass {
    Car = 0,
    Truck = 1,
    Bus = 2,
    Pedestrian = 3,
    TrafficCone = 4,
    Cyclist = 5,
}

impl DetectionClass {
    /// Every class, in id order.
    pub const ALL: [DetectionClass; 6] = [
        DetectionClass::Car,
        DetectionClass::Truck,
        DetectionClass::Bus,
        DetectionClass::Pedestrian,
        DetectionClass::TrafficCone,
        DetectionClass::Cyclist,
    ];

    /// The id written into box records.
    #[must_use]
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The snake_case label.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            DetectionClass::Car => "car",
            DetectionClass::Truck => "truck",
            DetectionClass::Bus => "bus",
            DetectionClass::Pedestrian => "pedestrian",
            DetectionClass::TrafficCone => "traffic_cone",
            DetectionClass::Cyclist => "cyclist",
        }
    }

    /// The semantic class its pixels carry.
    #[must_use]
    pub fn semantic(self) -> SemanticClass {
        match self {
            DetectionClass::Car | DetectionClass::Truck | DetectionClass::Bus => {
                SemanticClass::Vehicle
            }
            DetectionClass::Pedestrian => SemanticClass::Pedestrian,
            DetectionClass::TrafficCone => SemanticClass::TrafficCone,
            DetectionClass::Cyclist => SemanticClass::Cyclist,
        }
    }
}

/// The 17 COCO keypoint names, in COCO order: the drive format's own list.
pub use panoptes_drive::COCO_KEYPOINTS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_dense() {
        for (index, class) in SemanticClass::ALL.iter().enumerate() {
            assert_eq!(usize::from(class.id()), index);
            assert_eq!(SemanticClass::from_id(class.id()), Some(*class));
        }
        assert_eq!(SemanticClass::from_id(13), None);
        for (index, class) in DetectionClass::ALL.iter().enumerate() {
            assert_eq!(usize::from(class.id()), index);
        }
    }
}
