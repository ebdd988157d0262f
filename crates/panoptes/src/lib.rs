//! Panoptes: surround-view camera perception engine (public facade).

pub use panoptes_drive::{
    synchronize, Annotations, BoundingBox, CameraFrame, Cuboid, Drive, DriveError, DriveFormat,
    DriveWriter, EgoPose, Frame, FrameInput, FrameSet, GroundTruth, Keypoint, MissingReason,
    PersonKeypoints, Rejected, RejectionReason, Slot, SyncConfig, SyncedSet, Synchronizer,
    Visibility, COCO_KEYPOINTS,
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
