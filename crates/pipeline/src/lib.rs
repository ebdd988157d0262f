//! Replay pipeline: stages, sinks and reports.
//!
//! A frame set goes through [`stages::prepare`] (read + pre-process per model),
//! [`stages::infer`] (one engine per model), [`stages::decode`] (all heads × cameras in
//! parallel) and the [`OutputDirectory`] sink. [`replay_sequential`] runs them one after the
//! other.

mod bench;
mod compare;
mod comparisons;
mod concurrent;
mod cpu;
mod embed;
mod error;
mod fault;
mod memory;
mod model;
mod overlay;
mod record;
mod replay;
mod report;
mod sink;
mod source;
pub mod stages;
mod timeline;
mod workers;

pub use bench::{benchmark_stages, benchmark_workers, StageBenchmark, WorkerBenchmark};
pub use compare::{interleave, median_ms, Comparison, Skipped, Spread};
pub use comparisons::{
    batched_vs_per_camera, inference_vs, overlapped_vs_sequential, workers_vs_one, Rounds,
};
pub use concurrent::{
    replay_concurrent, Failed, FrameFailure, Pacing, StageHealth, StageResult, DROP_BEHIND,
};
pub use cpu::{process_cpu_seconds, CpuClock, CpuCost};
pub use embed::{
    Perception, PerceptionBuilder, PerceptionFailure, PerceptionResult, PushOutcome, Shutdown,
    Stats,
};
pub use error::{PipelineError, Result};
pub use fault::{
    panic_message, Fault, FaultInjector, FaultKind, FaultPlan, Injected, InjectionPoint,
};
pub use memory::{resident_mib, MemoryReport};
pub use model::{decoder, input_layout, model_to_image, LoadedModel, ModelRequest};
pub use overlay::{
    azimuth_degrees, detection_color, overlay_cameras, overlay_layout, render_overlay,
    skeleton_color, tint_color, BirdsEye, BirdsEyeLayout, OverlayCamera, OverlayLayout,
    OverlayStyle, Placement, Rect as OverlayRect, TileLayout, MISSING_GREY,
};
pub use record::{CameraPerception, FramePerception, StageTimes};
pub use replay::{
    load_models, model_reports, replay_sequential, scene_directory, Progress, ReplayOptions,
    DEFAULT_STAGE_TIMEOUT,
};
pub use report::{Accounting, FrameProblem, Latency, ModelReport, Report, StageSamples, Stopped};
pub use sink::{OutputDirectory, SaveSet, PERCEPTION_FILE, REPORT_FILE};
pub use source::FrameSource;
pub use timeline::{StageSpan, Timeline, TIMELINE_FRAME_SETS};
pub use workers::{cores, default_workers, engine_sets, worker_target};
