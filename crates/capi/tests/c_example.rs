//! The C example, compiled with the system C compiler against the committed header and this
//! crate's shared library, run under AddressSanitizer (with LeakSanitizer and UBSan) on the
//! sample drive: it must print what the Rust API gives for the same pushes.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use panoptes::{CameraRig, ImageData, Perception};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    panoptes_fixtures::workspace_root()
}

/// The shared library cargo built for this test run (beside the test binary or one up).
fn library_folder() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    exe.ancestors()
        .skip(1)
        .take(2)
        .find(|folder| folder.join("libpanoptes_c.so").is_file())
        .map(Path::to_path_buf)
}

/// The sample drive's frames in capture order: (set, timestamp, camera, path).
fn frames(sets: usize) -> Vec<(usize, u64, String, PathBuf)> {
    let drive = panoptes_drive::Drive::open(&root().join("assets/sample-drive")).unwrap();
    let mut frames = Vec::new();
    for frame_set in &drive.frame_sets()[..sets] {
        let mut present: Vec<_> = frame_set.present().collect();
        present.sort_by_key(|frame| frame.timestamp_us);
        for frame in present {
            let path = frame.image.path().unwrap().to_path_buf();
            frames.push((
                frame_set.index,
                frame.timestamp_us,
                frame.camera.clone(),
                path,
            ));
        }
    }
    frames
}

/// What the Rust API prints for the same pushes: each set whole, its result awaited.
fn expected(frames: &[(usize, u64, String, PathBuf)]) -> Vec<String> {
    let rig = CameraRig::load(&root().join("assets/sample-drive/rig.json")).unwrap();
    let perception = Perception::builder(rig)
        .with_model(root().join("models/panoptes-net/panoptes-net.toml"))
        .build()
        .unwrap();
    let results = perception.results().unwrap().clone();
    let mut lines = Vec::new();
    let mut current = None;
    let receive = |lines: &mut Vec<String>| {
        let frame = results.recv().unwrap().unwrap();
        let objects = frame.record.objects_ego.clone().unwrap_or_default();
        let nearest = objects
            .iter()
            .find(|object| object.confirmed == Some(true))
            .map_or(String::new(), |object| {
                format!(
                    "; nearest tracked: {} #{} at ({:.1}, {:.1}) m",
                    object.class,
                    object.id.unwrap_or_default(),
                    object.position[0],
                    object.position[1]
                )
            });
        let detections: usize = frame
            .record
            .cameras
            .values()
            .map(|camera| camera.detections.len())
            .sum();
        lines.push(format!(
            "frame {:>3}: {detections:>3} detections, {:>3} objects{nearest}",
            frame.record.frame,
            objects.len()
        ));
    };
    for (set, timestamp, camera, path) in frames {
        if current.is_some_and(|current| current != *set) {
            receive(&mut lines);
        }
        current = Some(*set);
        let bytes = std::fs::read(path).unwrap();
        perception
            .push_frame(camera, *timestamp, ImageData::Encoded(bytes.into()))
            .unwrap();
    }
    receive(&mut lines);
    let stats = perception.shutdown().stats;
    lines.push(format!(
        "{} frame sets formed ({} partial), {} with results, {} failed, {} dropped",
        stats.frame_sets,
        stats.partial_sets,
        stats.results,
        stats.failed,
        stats.dropped.values().sum::<u64>()
    ));
    lines
}

#[test]
fn the_c_example_builds_with_warnings_as_errors_and_prints_what_the_rust_api_gives() {
    let Some(library) = library_folder() else {
        panic!("libpanoptes_c.so not found beside the test binary");
    };
    let folder = tempfile::tempdir().unwrap();
    let binary = folder.path().join("embed");
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let compiled = Command::new(&compiler)
        .args(["-Wall", "-Wextra", "-Werror", "-std=c11", "-g"])
        .args(["-fsanitize=address,undefined", "-fno-omit-frame-pointer"])
        .arg("-I")
        .arg(crate_dir.join("include"))
        .arg(crate_dir.join("examples/embed.c"))
        .arg("-L")
        .arg(&library)
        .arg("-lpanoptes_c")
        .arg(format!("-Wl,-rpath,{}", library.display()))
        .arg("-o")
        .arg(&binary)
        .output()
        .unwrap();
    assert!(
        compiled.status.success(),
        "{compiler} failed:\n{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let frames = frames(3);
    let list = folder.path().join("frames.txt");
    let lines: Vec<String> = frames
        .iter()
        .map(|(set, timestamp, camera, path)| {
            format!("{set} {timestamp} {camera} {}", path.display())
        })
        .collect();
    std::fs::write(&list, lines.join("\n") + "\n").unwrap();
    let run = Command::new(&binary)
        .arg(root().join("assets/sample-drive/rig.json"))
        .arg(root().join("models/panoptes-net/panoptes-net.toml"))
        .arg(&list)
        // Any memory error, undefined behaviour or leak ends the run with an error.
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:abort_on_error=0:exitcode=23",
        )
        .env("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "the C example failed ({:?}):\n{stdout}\n{stderr}",
        run.status
    );
    assert!(!stderr.contains("Sanitizer"), "{stderr}");
    let printed: Vec<&str> = stdout
        .lines()
        .filter(|line| !line.starts_with("capture to result"))
        .collect();
    assert_eq!(printed, expected(&frames), "{stdout}");
}
