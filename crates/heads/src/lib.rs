//! Head decoders (detection, segmentation, depth, pose) over plain ndarray outputs.
