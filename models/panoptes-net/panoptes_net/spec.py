"""What the model reads and writes; these names must equal the simulator's class tables
(crates/sim/src/classes.rs) so that `panoptes eval` compares by name."""

INPUT_WIDTH = 384
INPUT_HEIGHT = 224
# value = (pixel / 255 - MEAN) / STD, the manifest's [input] scale, mean and std.
MEAN = 0.5
STD = 0.25

DETECTION_CLASSES = ["car", "truck", "bus", "pedestrian", "traffic_cone", "cyclist"]
# Classes whose boxes carry the 17 COCO keypoints (a cyclist's rider does too).
KEYPOINT_CLASSES = (DETECTION_CLASSES.index("pedestrian"), DETECTION_CLASSES.index("cyclist"))
SEGMENTATION_CLASSES = [
    "void", "sky", "road", "lane_marking", "sidewalk", "terrain",
    "building", "vegetation", "pole", "vehicle", "pedestrian", "traffic_cone", "cyclist",
]
KEYPOINTS = 17
# Detection levels: boxes whose longer side (model-input pixels) is under SMALL_BOX are the
# stride-4 level's targets, the others the stride-8 level's.
DETECTION_STRIDES = (8, 4)
SMALL_BOX = 16.0
MAX_BOXES = 64
MIN_DEPTH = 0.5
MAX_DEPTH = 80.0
