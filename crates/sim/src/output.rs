//! Writing simulated frame sets as a drive in our format (`panoptes-drive`'s `DriveWriter`).
//!
//! Per camera frame: `images/<CAMERA>/<t>.jpg`, the segmentation PNG (8-bit ids of
//! [`SemanticClass`]), the depth PNG (16-bit millimetres along the optical axis, 0 = none or
//! beyond 65.535 m) and the annotations (2D boxes, COCO keypoints, 3D boxes in the ego frame at
//! the frame's own exposure time, for the objects that camera sees). Beside them, not indexed
//! by `index.json` (the format has no field for it yet): `ground_truth/<CAMERA>/<t>.instance.png`,
//! 16-bit, each pixel the `instance_id` of the object seen there (0: none, or an id above 65535,
//! which only drives with that many distinct objects reach).
//!
//! Pixel coordinates follow the drive format (origin at the top-left corner of the top-left
//! pixel): the renderer samples pixel (i, j) at its centre, which is the camera model's
//! coordinate (i, j), so keypoints are written at the model's projection plus one half pixel.

use crate::classes::{DetectionClass, SemanticClass};
use crate::error::SimError;
use crate::render::CameraRender;
use crate::simulator::{RenderedFrameSet, Simulator};
use crate::truth::{visibility, ObjectBox};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use panoptes_drive::{
    Annotations, BoundingBox, Cuboid, DriveWriter, FrameInput, Keypoint, PersonKeypoints,
    Visibility,
};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// JPEG quality of the camera images.
pub const JPEG_QUALITY: u8 = 90;
/// People shorter than this in an image (pixels) get a box but no keypoints: like COCO, which
/// labels no keypoints on tiny people (and it keeps the index small).
pub const MIN_KEYPOINT_PERSON_HEIGHT: u32 = 24;
/// Frames of one set lie within this window (the rigs' exposure offsets span < 45 ms).
pub const SYNC_WINDOW_US: u64 = 50_000;

/// One camera frame, encoded.
#[derive(Debug, Clone)]
pub struct EncodedFrame {
    pub jpeg: Vec<u8>,
    pub segmentation_png: Vec<u8>,
    pub depth_png: Vec<u8>,
    pub instance_png: Vec<u8>,
    pub annotations: Annotations,
}

/// Stable, dense instance ids (1, 2, …) in order of first appearance in a drive, so they fit
/// a 16-bit instance map and mean the same object in every camera and frame.
#[derive(Debug, Default, Clone)]
pub struct InstanceIds {
    ids: BTreeMap<u64, u32>,
}

impl InstanceIds {
    /// The id of a track, given on first sight.
    pub fn id(&mut self, track_id: u64) -> u32 {
        let next = self.ids.len() as u32 + 1;
        *self.ids.entry(track_id).or_insert(next)
    }
}

/// Encodes one frame set's cameras (in parallel), giving ids from `ids`.
pub fn encode_frame_set(
    set: &RenderedFrameSet,
    ids: &mut InstanceIds,
) -> Result<Vec<EncodedFrame>, SimError> {
    // Ids are handed out in camera order, then instance order: deterministic.
    let instance_ids: Vec<Vec<(u16, u32)>> = set
        .cameras
        .iter()
        .map(|camera| {
            camera
                .boxes
                .iter()
                .map(|object| (object.instance, ids.id(object.track_id)))
                .collect()
        })
        .collect();
    set.cameras
        .par_iter()
        .zip(instance_ids.par_iter())
        .map(|(camera, ids)| {
            let lookup: BTreeMap<u16, u32> = ids.iter().copied().collect();
            let annotations = annotations(&camera.boxes, &camera.cuboids, &lookup);
            let render = &camera.render;
            Ok(EncodedFrame {
                jpeg: encode_jpeg(render)
                    .map_err(|message| encode_error("the JPEG image", &camera.camera, message))?,
                segmentation_png: encode_png(&render.class, render, ExtendedColorType::L8)
                    .map_err(|message| {
                        encode_error("the segmentation PNG", &camera.camera, message)
                    })?,
                depth_png: encode_png(&depth_bytes(render), render, ExtendedColorType::L16)
                    .map_err(|message| encode_error("the depth PNG", &camera.camera, message))?,
                instance_png: encode_png(
                    &instance_bytes(render, &lookup),
                    render,
                    ExtendedColorType::L16,
                )
                .map_err(|message| encode_error("the instance PNG", &camera.camera, message))?,
                annotations,
            })
        })
        .collect()
}

fn encode_error(what: &'static str, camera: &str, message: String) -> SimError {
    SimError::Encode {
        what,
        camera: camera.to_owned(),
        message,
    }
}

/// Renders and writes frame sets `0..frames` of `simulator` as a drive at `root` (which must
/// not exist or be empty); `progress` is told after each frame set.
pub fn write_drive(
    simulator: &Simulator,
    root: &Path,
    frames: u64,
    mut progress: impl FnMut(u64),
) -> Result<PathBuf, SimError> {
    if frames == 0 {
        return Err(SimError::NoFrames);
    }
    let classes = SemanticClass::ALL
        .iter()
        .map(|class| class.name().to_owned())
        .collect();
    let mut writer = DriveWriter::create(root, simulator.rig())?
        .with_segmentation_classes(classes)
        .with_sync_window_us(SYNC_WINDOW_US);
    let mut ids = InstanceIds::default();
    for index in 0..frames {
        let set = simulator.frame_set(index);
        let encoded = encode_frame_set(&set, &mut ids)?;
        for (camera, frame) in set.cameras.iter().zip(encoded) {
            let input = FrameInput::new(&camera.camera, camera.timestamp_us, &frame.jpeg, "jpg")
                .with_annotations(frame.annotations)
                .with_segmentation_png(&frame.segmentation_png)
                .with_depth_png(&frame.depth_png);
            writer.add_frame(input)?;
            let path = root.join(format!(
                "ground_truth/{}/{}.instance.png",
                camera.camera, camera.timestamp_us
            ));
            std::fs::write(&path, &frame.instance_png)
                .map_err(|source| SimError::Io { path, source })?;
        }
        // The set's pose and each camera's at its own exposure time.
        let mut times: Vec<u64> = set
            .cameras
            .iter()
            .map(|camera| camera.timestamp_us)
            .collect();
        times.push(set.timestamp_us);
        times.sort_unstable();
        times.dedup();
        for time in times {
            writer.add_ego_pose(simulator.ego_pose(time))?;
        }
        progress(index + 1);
    }
    Ok(writer.finish()?)
}

fn annotations(
    boxes: &[ObjectBox],
    cuboids: &[crate::truth::EgoBox],
    ids: &BTreeMap<u16, u32>,
) -> Annotations {
    let id = |instance: u16| ids.get(&instance).copied().unwrap_or(0);
    Annotations {
        boxes: boxes
            .iter()
            .map(|object| BoundingBox {
                class: object.class.name().to_owned(),
                instance_id: id(object.instance),
                occlusion: f64::from(object.occlusion),
                box_xywh: object.box_xywh.map(f64::from),
            })
            .collect(),
        keypoints: boxes
            .iter()
            .filter(|object| {
                matches!(
                    object.class,
                    DetectionClass::Pedestrian | DetectionClass::Cyclist
                ) && object.box_xywh[3] >= MIN_KEYPOINT_PERSON_HEIGHT
            })
            .filter_map(|object| {
                object.keypoints.map(|points| PersonKeypoints {
                    instance_id: id(object.instance),
                    keypoints: points.map(|(x, y, flag)| match flag {
                        visibility::OUTSIDE => Keypoint {
                            x: 0.0,
                            y: 0.0,
                            visibility: Visibility::Unlabelled,
                        },
                        flag => Keypoint {
                            x: f64::from(x) + 0.5,
                            y: f64::from(y) + 0.5,
                            visibility: if flag == visibility::VISIBLE {
                                Visibility::Visible
                            } else {
                                Visibility::Occluded
                            },
                        },
                    }),
                })
            })
            .collect(),
        cuboids: cuboids
            .iter()
            .filter(|cuboid| ids.contains_key(&cuboid.instance))
            .map(|cuboid| Cuboid {
                class: cuboid.class.name().to_owned(),
                instance_id: id(cuboid.instance),
                center: cuboid.centre,
                size_lwh: cuboid.size,
                yaw: cuboid.yaw,
            })
            .collect(),
    }
}

/// Depth in millimetres, 0 where unknown or beyond the 16-bit range.
#[must_use]
pub fn depth_millimetres(depth: f32) -> u16 {
    // Rounded to the nearest millimetre (`as` truncates; depth is never negative).
    let millimetres = f64::from(depth) * 1000.0 + 0.5;
    if (1.0..65_536.0).contains(&millimetres) {
        millimetres as u16
    } else {
        0
    }
}

fn depth_bytes(render: &CameraRender) -> Vec<u8> {
    render
        .depth
        .iter()
        .flat_map(|depth| depth_millimetres(*depth).to_ne_bytes())
        .collect()
}

fn instance_bytes(render: &CameraRender, ids: &BTreeMap<u16, u32>) -> Vec<u8> {
    render
        .instance
        .iter()
        .flat_map(|instance| {
            let id = if *instance == 0 {
                0
            } else {
                ids.get(instance).copied().unwrap_or(0)
            };
            u16::try_from(id).unwrap_or(0).to_ne_bytes()
        })
        .collect()
}

pub(crate) fn encode_jpeg(render: &CameraRender) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
        .write_image(
            &render.rgb,
            render.width as u32,
            render.height as u32,
            ExtendedColorType::Rgb8,
        )
        .map_err(|error| error.to_string())?;
    Ok(bytes)
}

/// 16-bit samples are given in native byte order, as `image` expects.
fn encode_png(
    samples: &[u8],
    render: &CameraRender,
    colour: ExtendedColorType,
) -> Result<Vec<u8>, String> {
    // Trying every filter per row costs twice the time on 16-bit maps for ~10% smaller depth
    // files; `Up` suits their smooth rows.
    let filter = if colour == ExtendedColorType::L16 {
        FilterType::Up
    } else {
        FilterType::Adaptive
    };
    let mut bytes = Vec::new();
    PngEncoder::new_with_quality(&mut bytes, CompressionType::Default, filter)
        .write_image(samples, render.width as u32, render.height as u32, colour)
        .map_err(|error| error.to_string())?;
    Ok(bytes)
}
