//! Panoptes: surround-view camera perception engine (public facade).
