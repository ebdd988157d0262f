//! The `panoptes` binary.
fn main() {}
