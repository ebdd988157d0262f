//! Gathering a frame set's decoded results into [`OverlayCamera`]s.

use super::OverlayCamera;
use crate::record::FramePerception;
use crate::stages::PendingImage;
use image::RgbImage;
use std::collections::BTreeMap;

/// One [`OverlayCamera`] per camera of `record`, with its masks and depth map looked up in
/// `images` (the decode stage's pending PNGs, matched by the paths the record names) and its
/// frame in `frames` (camera name → original image; absent means missing).
pub fn overlay_cameras<'a>(
    record: &'a FramePerception,
    images: &'a [(String, PendingImage)],
    frames: &'a BTreeMap<String, RgbImage>,
) -> Vec<OverlayCamera<'a>> {
    let find = |path: &str| {
        images
            .iter()
            .find(|(candidate, _)| candidate == path)
            .map(|(_, image)| image)
    };
    record
        .cameras
        .iter()
        .map(|(name, perception)| OverlayCamera {
            name,
            image: frames.get(name),
            perception: Some(perception),
            masks: perception
                .masks
                .iter()
                .filter_map(|(head, path)| match find(path) {
                    Some(PendingImage::Mask(map)) => Some((head.as_str(), map.ids().view())),
                    _ => None,
                })
                .collect(),
            depth: perception
                .depth
                .as_deref()
                .and_then(find)
                .and_then(|image| match image {
                    PendingImage::Depth(map) => Some(map.metres().view()),
                    PendingImage::Mask(_) | PendingImage::Bev(_) => None,
                }),
            truth: &[],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{CameraPerception, StageTimes};
    use panoptes_heads::{ClassMap, DepthMap};

    #[test]
    fn masks_and_depth_are_matched_by_path() {
        let mut front = CameraPerception::default();
        front
            .masks
            .insert("lanes".into(), "masks/000001/FRONT/lanes.png".into());
        front
            .masks
            .insert("gone".into(), "masks/000001/FRONT/gone.png".into());
        front.depth = Some("depth/000001/FRONT/depth.png".into());
        let back = CameraPerception {
            missing: Some("no frame".into()),
            ..CameraPerception::default()
        };
        let record = FramePerception {
            frame: 1,
            timestamp_us: 5,
            cameras: [("FRONT".to_owned(), front), ("BACK".to_owned(), back)].into(),
            objects_ego: None,
            bev: None,
            timing_ms: StageTimes::default(),
        };
        let images = vec![
            (
                "depth/000001/FRONT/depth.png".to_owned(),
                PendingImage::Depth(DepthMap::default()),
            ),
            (
                "masks/000001/FRONT/lanes.png".to_owned(),
                PendingImage::Mask(ClassMap::default()),
            ),
        ];
        let frames = BTreeMap::from([("FRONT".to_owned(), RgbImage::new(4, 2))]);
        let cameras = overlay_cameras(&record, &images, &frames);
        let names: Vec<&str> = cameras.iter().map(|camera| camera.name).collect();
        assert_eq!(names, ["BACK", "FRONT"]);
        let (back, front) = (&cameras[0], &cameras[1]);
        assert!(back.image.is_none() && back.masks.is_empty() && back.depth.is_none());
        assert_eq!(front.image.map(|image| image.width()), Some(4));
        let heads: Vec<&str> = front.masks.iter().map(|(head, _)| *head).collect();
        assert_eq!(heads, ["lanes"]);
        assert!(front.depth.is_some());
    }
}
