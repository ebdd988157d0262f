//! Camera models (pinhole, Kannala-Brandt fisheye), calibration and projection.
