//! The stages a frame set goes through. The sequential and the concurrent pipelines call the same
//! functions, so their outputs are identical by construction.

use crate::error::{PipelineError, Result};
use crate::fault::{Fault, FaultInjector, FaultKind, Injected, InjectionPoint};
use crate::model::{model_to_image, LoadedModel};
use crate::record::{CameraPerception, FramePerception, StageTimes};
use ndarray::Array4;
use panoptes_drive::{CameraFrame, EgoPose, FrameSet};
use panoptes_fusion::{BevGrid, CameraView, FrameInput, Fusion, FusionConfig};
use panoptes_heads::HeadConfig;
use panoptes_heads::{CameraInput, ClassMap, Decoder, DepthMap, HeadOutput};
use panoptes_preprocess::{DecodedFrames, ImageSource, PixelTransform, Preprocessor};
use panoptes_rig::CameraRig;
use panoptes_runtime::{Engine, HeadOutputs as ModelOutputs};
use std::collections::BTreeMap;
use std::time::Instant;

/// A frame set with its batches, one per model.
#[derive(Debug)]
pub struct Prepared {
    /// The frame set.
    pub frame_set: FrameSet,
    /// Per model: the batch and each camera's placement (or why it has none).
    pub models: Vec<PreparedModel>,
    /// When the frame set entered the pipeline.
    pub entered: Instant,
    /// Time so far.
    pub times: StageTimes,
}

/// One model's batch for one frame set.
#[derive(Debug)]
pub struct PreparedModel {
    /// `[cameras, 3, H, W]`.
    pub batch: Array4<f32>,
    /// Per camera in rig order: its placement, or why it is missing.
    pub cameras: Vec<std::result::Result<PixelTransform, Fault>>,
}

/// A frame set after the models ran.
#[derive(Debug)]
pub struct Inferred {
    /// The frame set.
    pub frame_set: FrameSet,
    /// Per model: outputs and placements.
    pub models: Vec<InferredModel>,
    /// When the frame set entered the pipeline.
    pub entered: Instant,
    /// Time so far.
    pub times: StageTimes,
    /// The input batches, done with: give them back to [`prepare`] as spares.
    pub spent: Vec<Array4<f32>>,
    /// Faults survived on the way (a model run that failed once and succeeded when retried).
    pub survived: Vec<Fault>,
}

/// One model's outputs for one frame set.
#[derive(Debug)]
pub struct InferredModel {
    /// Output name → whole-batch array.
    pub outputs: ModelOutputs,
    /// Per camera: placement, or why it is missing.
    pub cameras: Vec<std::result::Result<PixelTransform, Fault>>,
}

/// A dense result waiting to be written as a PNG.
#[derive(Debug, Clone)]
pub enum PendingImage {
    /// Class ids, 8-bit.
    Mask(ClassMap),
    /// Metres, written as 16-bit millimetres.
    Depth(DepthMap),
    /// The bird's-eye view, written as an indexed-colour PNG of categories.
    Bev(BevGrid),
}

/// Which camera and head a pending image belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenseSource {
    /// The camera's name.
    pub camera: String,
    /// The head's name.
    pub head: String,
    /// Its position in [`Decoded::images`].
    pub image: usize,
}

/// A frame set's results, before writing.
#[derive(Debug)]
pub struct Decoded {
    /// The JSON line (paths filled in, timing not final).
    pub record: FramePerception,
    /// Relative path → image to write.
    pub images: Vec<(String, PendingImage)>,
    /// The camera and head of each mask and depth map in `images`.
    pub dense: Vec<DenseSource>,
    /// When the frame set entered the pipeline.
    pub entered: Instant,
    /// The frame set itself (for overlays, which draw on the original frames).
    pub frame_set: FrameSet,
    /// Faults survived on the way that no camera's record shows (a retried model run).
    pub survived: Vec<Fault>,
}

thread_local! {
    /// The decoded images of the frame set being prepared on this thread, reused from one frame
    /// set to the next (each preparing thread has its own).
    static DECODED: std::cell::RefCell<DecodedFrames> = std::cell::RefCell::default();
}

/// Reads and pre-processes every camera for every model (each image decoded once, however many
/// models read it). `spares` are batches that an earlier
/// frame set is done with ([`Inferred::spent`]), one per model in order: the new batches take
/// their place instead of being copied into new memory (none, or too few, is fine).
pub fn prepare(
    frame_set: FrameSet,
    preprocessors: &mut [Preprocessor],
    spares: Vec<Array4<f32>>,
    entered: Instant,
) -> Prepared {
    let started = Instant::now();
    let sources: Vec<ImageSource<'_>> = frame_set
        .frames
        .iter()
        .map(|frame| match frame {
            CameraFrame::Present(frame) => frame.image.source(),
            CameraFrame::Missing { .. } => ImageSource::Missing,
        })
        .collect();
    let mut spares = spares.into_iter();
    let models = if preprocessors.len() > 1 {
        // Several models: each image is decoded once, and every model resizes from it.
        DECODED.with_borrow_mut(|decoded| {
            decoded.decode(&sources, &preprocessors[0]);
            let shared = decoded.sources(&sources);
            preprocessors
                .iter_mut()
                .map(|preprocessor| {
                    let mut model = prepare_model(&frame_set, &shared, preprocessor, spares.next());
                    for (camera, result) in model.cameras.iter_mut().enumerate() {
                        if let Some(error) = decoded.error(camera) {
                            *result = Err(Fault::from(error));
                        }
                    }
                    model
                })
                .collect()
        })
    } else {
        preprocessors
            .iter_mut()
            .map(|preprocessor| prepare_model(&frame_set, &sources, preprocessor, spares.next()))
            .collect()
    };
    let times = StageTimes {
        preprocess: milliseconds(started),
        ..StageTimes::default()
    };
    Prepared {
        frame_set,
        models,
        entered,
        times,
    }
}

fn prepare_model(
    frame_set: &FrameSet,
    sources: &[ImageSource<'_>],
    preprocessor: &mut Preprocessor,
    spare: Option<Array4<f32>>,
) -> PreparedModel {
    let missing_reason = |index: usize| {
        let message = match frame_set.frames.get(index) {
            Some(CameraFrame::Missing { reason, .. }) => format!("missing: {reason}"),
            _ => "missing".to_string(),
        };
        Fault::new(FaultKind::CameraMissing, message)
    };
    match preprocessor.preprocess(sources) {
        Ok(results) => PreparedModel {
            batch: preprocessor.take_batch(spare),
            cameras: results
                .into_iter()
                .enumerate()
                .map(|(index, result)| match (&sources[index], result) {
                    (ImageSource::Missing, _) => Err(missing_reason(index)),
                    (_, result) => result.map_err(|error| Fault::from(&error)),
                })
                .collect(),
        },
        Err(error) => {
            let layout = preprocessor.layout();
            PreparedModel {
                batch: Array4::zeros((0, 3, layout.height as usize, layout.width as usize)),
                cameras: sources.iter().map(|_| Err(Fault::from(&error))).collect(),
            }
        }
    }
}

/// Runs every model on its batch; a run that fails is retried once (a transient failure
/// costs one run, not a frame set), and the failure is kept in [`Inferred::survived`].
pub fn infer(prepared: Prepared, engines: &mut [Engine]) -> Result<Inferred> {
    infer_with(prepared, engines, None)
}

/// [`infer`], with faults injected by `injector`.
pub fn infer_with(
    prepared: Prepared,
    engines: &mut [Engine],
    injector: Option<&dyn FaultInjector>,
) -> Result<Inferred> {
    let started = Instant::now();
    let frame = prepared.frame_set.index;
    let mut models = Vec::with_capacity(engines.len());
    let mut spent = Vec::with_capacity(engines.len());
    let mut survived = Vec::new();
    for (engine, model) in engines.iter_mut().zip(prepared.models) {
        let outputs = if model.batch.dim().0 == 0 {
            ModelOutputs::default()
        } else {
            let injected = crate::fault::apply(injector, InjectionPoint::Inference, frame);
            let mut run = || match &injected {
                Some(Injected::Fail(message)) => Err(PipelineError::Injected {
                    point: "inference",
                    message: message.clone(),
                }),
                _ => engine.run(model.batch.view()).map_err(PipelineError::from),
            };
            let outputs = match run() {
                Ok(outputs) => outputs,
                Err(first) => {
                    let retried = engine.run(model.batch.view());
                    survived.push(Fault::new(
                        FaultKind::InferenceFailed,
                        format!("{first}; retried once"),
                    ));
                    retried?
                }
            };
            if injected == Some(Injected::NotFinite) {
                not_finite(&outputs)
            } else {
                outputs
            }
        };
        models.push(InferredModel {
            outputs,
            cameras: model.cameras,
        });
        spent.push(model.batch);
    }
    let mut times = prepared.times;
    times.inference = milliseconds(started);
    Ok(Inferred {
        frame_set: prepared.frame_set,
        models,
        entered: prepared.entered,
        times,
        spent,
        survived,
    })
}

/// Outputs of the same shapes as `outputs`, every value NaN (an injected fault).
fn not_finite(outputs: &ModelOutputs) -> ModelOutputs {
    let mut poisoned = ModelOutputs::default();
    for (name, view) in outputs.iter() {
        poisoned.insert(name, ndarray::ArrayD::from_elem(view.raw_dim(), f32::NAN));
    }
    poisoned
}

/// Decodes every head of every model for every camera, and lays out the output paths.
pub fn decode(
    inferred: Inferred,
    decoders: &mut [Decoder],
    model_names: &[String],
) -> Result<Decoded> {
    let started = Instant::now();
    let frame_set = &inferred.frame_set;
    let mut cameras: BTreeMap<String, CameraPerception> = frame_set
        .frames
        .iter()
        .map(|frame| {
            let record = CameraPerception {
                timestamp_us: frame.frame().map(|frame| frame.timestamp_us),
                ..CameraPerception::default()
            };
            (frame.camera().to_string(), record)
        })
        .collect();
    let mut images = Vec::new();
    let mut dense = Vec::new();
    for ((decoder, model), model_name) in decoders.iter_mut().zip(&inferred.models).zip(model_names)
    {
        let outputs: panoptes_heads::HeadOutputs<'_> = model.outputs.iter().collect();
        let present: Vec<(usize, CameraInput<'_, '_>)> = model
            .cameras
            .iter()
            .enumerate()
            .filter_map(|(index, camera)| {
                camera.as_ref().ok().map(|transform| {
                    (
                        index,
                        CameraInput {
                            outputs: &outputs,
                            batch_index: index,
                            transform: model_to_image(transform),
                        },
                    )
                })
            })
            .collect();
        for (index, camera) in model.cameras.iter().enumerate() {
            if let (Err(fault), Some(frame)) = (camera, frame_set.frames.get(index)) {
                if let Some(record) = cameras.get_mut(frame.camera()) {
                    if record.missing.is_none() {
                        record.missing = Some(fault.message.clone());
                        record.fault = Some(fault.kind);
                    }
                }
            }
        }
        let inputs: Vec<CameraInput<'_, '_>> = present.iter().map(|(_, input)| *input).collect();
        let results =
            decoder
                .decode_frame_set(&inputs)
                .map_err(|source| PipelineError::Decode {
                    model: model_name.clone(),
                    source: Box::new(source),
                })?;
        for ((index, _), results) in present.iter().zip(results) {
            let Some(name) = frame_set.frames.get(*index).map(CameraFrame::camera) else {
                continue;
            };
            let Some(record) = cameras.get_mut(name) else {
                continue;
            };
            record.non_finite += results.non_finite();
            for head in &results.heads {
                match &head.output {
                    HeadOutput::Detections(detections) => {
                        record.detections.extend(detections.iter().cloned())
                    }
                    HeadOutput::Segmentation(map) => {
                        let path = format!("masks/{:06}/{name}/{}.png", frame_set.index, head.name);
                        record.masks.insert(head.name.clone(), path.clone());
                        dense.push(DenseSource {
                            camera: name.to_string(),
                            head: head.name.clone(),
                            image: images.len(),
                        });
                        images.push((path, PendingImage::Mask(map.clone())));
                    }
                    HeadOutput::Depth(map) => {
                        let path = format!("depth/{:06}/{name}/{}.png", frame_set.index, head.name);
                        if record.depth.is_none() {
                            record.depth = Some(path.clone());
                        }
                        dense.push(DenseSource {
                            camera: name.to_string(),
                            head: head.name.clone(),
                            image: images.len(),
                        });
                        images.push((path, PendingImage::Depth(map.clone())));
                    }
                    HeadOutput::Keypoints(points) => {
                        record.keypoints.insert(head.name.clone(), points.clone());
                    }
                }
            }
        }
    }
    let mut times = inferred.times;
    times.decode = milliseconds(started);
    Ok(Decoded {
        record: FramePerception {
            frame: frame_set.index,
            timestamp_us: frame_set.timestamp_us,
            cameras,
            objects_ego: None,
            bev: None,
            timing_ms: times,
        },
        images,
        dense,
        entered: inferred.entered,
        frame_set: inferred.frame_set,
        survived: inferred.survived,
    })
}

/// Makes every pre-processor refuse images that are not the size `rig` calibrates them for.
pub fn expect_rig(preprocessors: &mut [Preprocessor], rig: &CameraRig) {
    let sizes: Vec<(u32, u32)> = rig
        .cameras()
        .iter()
        .map(|camera| (camera.width, camera.height))
        .collect();
    for preprocessor in preprocessors {
        preprocessor.expect_sizes(&sizes);
    }
}

/// Fusion for `rig` fed by `decoders` (every model's heads), when `config` is given.
pub fn start_fusion(
    rig: &CameraRig,
    decoders: &[Decoder],
    config: Option<&FusionConfig>,
) -> Result<Option<Fusion>> {
    let Some(config) = config else {
        return Ok(None);
    };
    let heads: Vec<HeadConfig> = decoders
        .iter()
        .flat_map(|decoder| decoder.heads().iter().cloned())
        .collect();
    Ok(Some(Fusion::new(rig, &heads, config.clone())?))
}

/// Runs [`fuse`] when fusion is on.
pub fn fuse_if(decoded: &mut Decoded, fusion: Option<&mut Fusion>) {
    if let Some(fusion) = fusion {
        fuse(decoded, fusion);
    }
}

/// Places the decoded objects in the ego frame, merges and tracks them, and builds the
/// bird's-eye view (`bev/<frame>.png`); fills `objects_ego`, `bev` and each placed
/// detection's `ego`. Frame sets must come in order (tracking keeps state).
pub fn fuse(decoded: &mut Decoded, fusion: &mut Fusion) {
    let started = Instant::now();
    let frame_set = &decoded.frame_set;
    let output = {
        let mut masks: BTreeMap<&str, Vec<(&str, &ClassMap)>> = BTreeMap::new();
        let mut depths: BTreeMap<&str, Vec<(&str, &DepthMap)>> = BTreeMap::new();
        for source in &decoded.dense {
            match decoded.images.get(source.image).map(|(_, image)| image) {
                Some(PendingImage::Mask(map)) => masks
                    .entry(source.camera.as_str())
                    .or_default()
                    .push((source.head.as_str(), map)),
                Some(PendingImage::Depth(map)) => depths
                    .entry(source.camera.as_str())
                    .or_default()
                    .push((source.head.as_str(), map)),
                _ => {}
            }
        }
        let cameras = decoded
            .record
            .cameras
            .iter()
            .filter(|(_, perception)| perception.missing.is_none())
            .map(|(name, perception)| CameraView {
                camera: name,
                detections: &perception.detections,
                masks: masks.get(name.as_str()).map_or(&[], Vec::as_slice),
                depths: depths.get(name.as_str()).map_or(&[], Vec::as_slice),
            })
            .collect();
        fusion.fuse(&FrameInput {
            timestamp_us: frame_set.timestamp_us,
            ego_to_world: frame_set.ego_pose.as_ref().map(EgoPose::ego_to_world),
            cameras,
        })
    };
    // Placements come in the order of the views: the cameras with results, in record order.
    let placed = decoded
        .record
        .cameras
        .values_mut()
        .filter(|perception| perception.missing.is_none());
    for (perception, placements) in placed.zip(output.placements) {
        for (detection, placement) in perception.detections.iter_mut().zip(placements) {
            detection.ego = placement;
        }
    }
    decoded.record.objects_ego = Some(output.objects);
    if let Some(grid) = output.bev {
        let path = format!("bev/{:06}.png", decoded.record.frame);
        decoded.record.bev = Some(path.clone());
        decoded.images.push((path, PendingImage::Bev(grid)));
    }
    decoded.record.timing_ms.fusion = milliseconds(started);
}

/// Milliseconds since `start`.
pub fn milliseconds(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// Loaded models split into the per-stage parts: pre-processors, engines, decoders, names.
pub type Stages = (Vec<Preprocessor>, Vec<Engine>, Vec<Decoder>, Vec<String>);

/// Splits loaded models into the per-stage parts.
pub fn split(models: Vec<LoadedModel>) -> Stages {
    let mut preprocessors = Vec::new();
    let mut engines = Vec::new();
    let mut decoders = Vec::new();
    let mut names = Vec::new();
    for model in models {
        names.push(model.manifest.name.clone());
        preprocessors.push(model.preprocessor);
        engines.push(model.engine);
        decoders.push(model.decoder);
    }
    (preprocessors, engines, decoders, names)
}
