//! Recorded drive formats, nuScenes reader and frame-set synchronization.
