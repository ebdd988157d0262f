//! Reading a drive in our directory format.

use std::path::Path;

use panoptes_preprocess::ImageData;

use panoptes_rig::CameraRig;

use crate::drive::{Drive, DriveFormat};
use crate::error::{read_json, DriveError};
use crate::frame_set::{nearest_pose, CameraFrame, Frame, FrameSet};
use crate::ground_truth::GroundTruth;
use crate::index::{FrameRecord, IndexRecord, FORMAT_NAME, FORMAT_VERSION};
use crate::paths::{resolve_inside, Links};
use crate::sync::{synchronize, Slot, SyncConfig};
use crate::writer::{INDEX_FILE, RIG_FILE};

/// Reads `rig.json` and `index.json`, checks every entry and synchronizes the frames.
/// `window_us` overrides the index's `sync_window_us`.
pub(crate) fn read(root: &Path, config: Option<SyncConfig>) -> Result<Drive, DriveError> {
    let rig = CameraRig::load(&root.join(RIG_FILE))?;
    let file = root.join(INDEX_FILE);
    let index: IndexRecord = read_json(&file)?;
    if index.format != FORMAT_NAME {
        return Err(DriveError::InvalidField {
            file,
            field: "format".to_owned(),
            problem: format!("`{}` is not `{FORMAT_NAME}`", index.format),
            fix: format!("set `format` to `{FORMAT_NAME}`"),
        });
    }
    if index.version == 0 || index.version > FORMAT_VERSION {
        return Err(DriveError::InvalidField {
            file,
            field: "version".to_owned(),
            problem: format!(
                "version {} is not supported (1 to {FORMAT_VERSION})",
                index.version
            ),
            fix: "write the drive with this version of Panoptes".to_owned(),
        });
    }
    let mut streams: Vec<Vec<u64>> = vec![Vec::new(); rig.len()];
    let mut frames_by_camera: Vec<Vec<Frame>> = vec![Vec::new(); rig.len()];
    for (position, record) in index.frames.iter().enumerate() {
        let (camera, frame) = check_frame(root, &file, &rig, position, record)?;
        if let Some(previous_us) = streams[camera]
            .last()
            .copied()
            .filter(|previous| *previous >= frame.timestamp_us)
        {
            return Err(DriveError::TimestampsBackwards {
                file,
                field: format!("frames[{position}].timestamp_us"),
                camera: frame.camera,
                previous_us,
                timestamp_us: frame.timestamp_us,
            });
        }
        streams[camera].push(frame.timestamp_us);
        frames_by_camera[camera].push(frame);
    }
    for (position, pair) in index.ego_poses.windows(2).enumerate() {
        if pair[1].timestamp_us <= pair[0].timestamp_us {
            return Err(DriveError::TimestampsBackwards {
                file,
                field: format!("ego_poses[{}].timestamp_us", position + 1),
                camera: "ego".to_owned(),
                previous_us: pair[0].timestamp_us,
                timestamp_us: pair[1].timestamp_us,
            });
        }
    }
    let config = config.unwrap_or(SyncConfig {
        window_us: index
            .sync_window_us
            .unwrap_or(SyncConfig::default().window_us),
        ..SyncConfig::default()
    });
    let config = SyncConfig {
        max_wait_us: config.max_wait_us.max(config.window_us),
        ..config
    };
    let sets = synchronize(&streams, config)?;
    let mut frame_sets = Vec::with_capacity(sets.len());
    for (set_index, set) in sets.into_iter().enumerate() {
        let frames = set
            .slots
            .into_iter()
            .enumerate()
            .map(|(camera, slot)| match slot {
                Slot::Present { item, .. } => {
                    CameraFrame::Present(frames_by_camera[camera][item].clone())
                }
                Slot::Missing(reason) => CameraFrame::Missing {
                    camera: rig.cameras()[camera].name.clone(),
                    reason,
                },
            })
            .collect();
        frame_sets.push(FrameSet {
            index: set_index,
            timestamp_us: set.anchor_us,
            frames,
            ego_pose: nearest_pose(&index.ego_poses, set.anchor_us),
        });
    }
    Ok(Drive {
        root: root.to_owned(),
        format: DriveFormat::Panoptes,
        rig,
        frame_sets,
        ego_poses: index.ego_poses,
        segmentation_classes: index.segmentation_classes,
        scene: None,
    })
}

fn check_frame(
    root: &Path,
    file: &Path,
    rig: &CameraRig,
    position: usize,
    record: &FrameRecord,
) -> Result<(usize, Frame), DriveError> {
    let field = format!("frames[{position}]");
    let Some(camera) = rig.index_of(&record.camera) else {
        return Err(DriveError::UnknownCamera {
            file: file.to_owned(),
            field: format!("{field}.camera"),
            camera: record.camera.clone(),
            known: rig.names().collect::<Vec<_>>().join(", "),
        });
    };
    let path = resolve_inside(
        root,
        file,
        &format!("{field}.image"),
        &record.image,
        Links::StayInside,
    )?;
    let ground_truth = match &record.ground_truth {
        None => None,
        Some(truth) => {
            let resolve = |name: &str, relative: &Option<String>| {
                relative
                    .as_deref()
                    .map(|relative| {
                        resolve_inside(
                            root,
                            file,
                            &format!("{field}.ground_truth.{name}"),
                            relative,
                            Links::StayInside,
                        )
                    })
                    .transpose()
            };
            Some(GroundTruth {
                annotations: truth.annotations.clone(),
                segmentation: resolve("segmentation", &truth.segmentation)?,
                depth: resolve("depth", &truth.depth)?,
            })
        }
    };
    Ok((
        camera,
        Frame {
            camera: record.camera.clone(),
            timestamp_us: record.timestamp_us,
            image: ImageData::File(path),
            ground_truth,
        },
    ))
}
