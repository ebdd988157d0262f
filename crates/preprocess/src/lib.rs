//! Image decode, resize/letterbox and normalisation into a preallocated NCHW batch.
