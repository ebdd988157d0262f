//! Replay pipeline: stages, sinks and reports.
