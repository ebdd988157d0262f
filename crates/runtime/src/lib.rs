//! ONNX Runtime loading, execution targets, model manifests and batched inference.
