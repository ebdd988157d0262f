//! Panoptes: surround-view camera perception for a vehicle stack.
//!
//! A rig of cameras is batched through one multi-task ONNX model (ONNX Runtime: CPU, CUDA or
//! TensorRT); detections, segmentation and depth are decoded per camera, then the objects are
//! placed around the vehicle, merged across cameras and tracked. This crate is what an
//! embedder needs, and nothing else:
//!
//! - [`Perception`], built by [`Perception::builder`] from a [`CameraRig`] and model manifests:
//!   push each camera's frame as it is captured ([`Perception::push_frame`], never waits for the
//!   models; frames of one moment are grouped by [`SyncConfig`]) or whole frame sets
//!   ([`Perception::push_set`]);
//! - images from memory ([`ImageData`]: encoded JPEG/PNG, or raw [`PixelFormat`] buffers such
//!   as NV12 from a camera driver, with a row stride, shared as [`Bytes`] without a copy), or
//!   files;
//! - results in push order on [`Perception::results`] (or a callback): each frame set's
//!   [`FramePerception`] record (per camera [`Detection`]s in original pixels; `objects_ego`,
//!   the [`EgoObject`]s around the vehicle with track ids and velocities) with the masks, depth
//!   maps and the [`BevGrid`] in memory;
//! - [`Perception::stats`]: frames pushed, sets formed and partial, drops, late and out-of-order
//!   frames, faults by [`FaultKind`], latency from capture to result; a stage stuck past
//!   [`PerceptionBuilder::with_stage_timeout`] stops the pipeline instead of hanging it, and
//!   [`PerceptionBuilder::with_fault_injector`] injects faults ([`FaultPlan`]) to test a stack's
//!   handling of them;
//! - [`Perception::shutdown`].
//!
//! ```no_run
//! use panoptes::{CameraRig, ImageData, Perception, PixelFormat, PushOutcome};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rig = CameraRig::load("assets/sample-drive/rig.json".as_ref())?;
//! let perception = Perception::builder(rig)
//!     .with_model("models/panoptes-net/panoptes-net.toml")
//!     .with_queue(1)
//!     .build()?;
//! let results = perception.results().cloned().expect("no callback: results by channel");
//! // Camera driver threads: each frame as it comes (here an NV12 buffer of 640 × 360).
//! let nv12 = vec![128_u8; 640 * 360 * 3 / 2];
//! match perception.push_frame(
//!     "CAM_FRONT",
//!     1_700_000_000_000_000,
//!     ImageData::packed(PixelFormat::Nv12, 640, 360, nv12),
//! )? {
//!     PushOutcome::DroppedOldest(frame) => eprintln!("models behind: set {frame} dropped"),
//!     _ => {}
//! }
//! // The planner's thread.
//! for result in results.try_iter() {
//!     let frame = result?;
//!     for object in frame.record.objects_ego.iter().flatten() {
//!         println!("{} #{:?} at {:?} m", object.class, object.id, object.position);
//!     }
//! }
//! println!("{:?}", perception.stats());
//! let finished = perception.shutdown();
//! println!("latency p99 {:.1} ms", finished.stats.latency_ms.p99);
//! # Ok(())
//! # }
//! ```

pub use panoptes_drive::{
    CameraFrame, DriveError, Frame, FrameSet, MissingReason, RejectionReason, SyncConfig,
};
pub use panoptes_fusion::{
    BevCategory, BevConfig, BevGrid, EgoObject, FusionConfig, FusionError, LiftMethod, LiftPolicy,
    LiftingConfig, MergeConfig, ObjectClass, TrackingConfig,
};
pub use panoptes_heads::{ClassMap, DepthMap, Detection};
pub use panoptes_pipeline::stages::{Decoded, PendingImage};
pub use panoptes_pipeline::{
    panic_message, CameraPerception, FaultInjector, FaultKind, FaultPlan, FramePerception,
    Injected, InjectionPoint, Latency, Perception, PerceptionBuilder, PerceptionFailure,
    PerceptionResult, PipelineError, PushOutcome, Shutdown, StageTimes, Stats,
};
pub use panoptes_preprocess::{Bytes, ImageData, PixelFormat};
pub use panoptes_rig::{Camera, CameraModel, CameraRig, RigError};
pub use panoptes_runtime::{
    available_providers, CpuOptions, CudaOptions, ExecutionTarget, Optimization, RuntimeError,
    TensorRtOptions, ONNX_RUNTIME_VERSION,
};
