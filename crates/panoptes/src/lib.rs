//! Panoptes: surround-view camera perception engine (public facade).

pub use panoptes_drive::{
    synchronize, Annotations, BoundingBox, CameraFrame, Cuboid, Drive, DriveError, DriveFormat,
    DriveWriter, EgoPose, Frame, FrameInput, FrameSet, GroundTruth, Keypoint, MissingReason,
    PersonKeypoints, Rejected, RejectionReason, Slot, SyncConfig, SyncedSet, Synchronizer,
    Visibility, COCO_KEYPOINTS,
};
pub use panoptes_eval::{
    average_precision, box_iou, check_ground_truth, evaluate, load_evaluation_models, ClassCounts,
    ClassMapping, ConfusionMatrix, DepthMetrics, DetectionMetrics, EgoMetrics, EgoTally, EvalError,
    EvalOptions, EvalProblem, EvalProgress, Evaluation, IgnoreRule, PoseMetrics,
    SegmentationMetrics, DEFAULT_PCK_ALPHA,
};
pub use panoptes_fusion::{
    BevCategory, BevConfig, BevGrid, EgoObject, FusionConfig, FusionError, LiftMethod, LiftPolicy,
    LiftingConfig, MergeConfig, ObjectClass, TrackingConfig,
};
pub use panoptes_heads::{
    ClassMap, Decoder, DepthMap, Detection, HeadConfig, HeadsError, ModelToImage,
    COCO_KEYPOINT_NAMES, COCO_SKELETON,
};
pub use panoptes_pipeline::stages::{Decoded, PendingImage};
pub use panoptes_pipeline::{
    benchmark_stages, benchmark_workers, cores, default_workers, engine_sets, input_layout,
    load_models, model_reports, replay_concurrent, replay_sequential, CameraPerception, CpuCost,
    FramePerception, FrameProblem, FrameSource, Latency, LivePipeline, LoadedModel, MemoryReport,
    ModelReport, ModelRequest, OutputDirectory, Pacing, PipelineError, Progress, PushOutcome,
    ReplayOptions, Report, StageBenchmark, StageResult, StageTimes, WorkerBenchmark, DROP_BEHIND,
    PERCEPTION_FILE, REPORT_FILE,
};
pub use panoptes_preprocess::{
    ColorOrder, ImageSource, InputLayout, PixelTransform, PreprocessError, Preprocessor, ResizeMode,
};
pub use panoptes_rig::{
    Camera, CameraModel, CameraRecord, CameraRig, IntrinsicsRecord, PoseRecord, RigError, RigRecord,
};
pub use panoptes_runtime::{
    available_providers, describe_model, load_library, validate, BatchLimit, CpuOptions,
    CudaOptions, Dimension, Engine, EngineBuilder, ExecutionTarget, HeadKind, HeadOutputs,
    HeadSpec, InputSpec, LibraryFlavor, LibrarySource, Manifest, ModelDescription,
    OnnxRuntimeLibrary, Optimization, RuntimeError, TensorDescription, TensorRtOptions,
    ONNX_RUNTIME_VERSION,
};
pub use panoptes_sim::{
    parse_size, write_drive, DetectionClass, RenderedCamera, RenderedFrameSet, RigPreset,
    SemanticClass, SimConfig, SimError, Simulator,
};
