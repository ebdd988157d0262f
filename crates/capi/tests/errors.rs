//! Every failing call returns a status and leaves a message naming what was wrong.
#![allow(clippy::unwrap_used, unsafe_code)]

use panoptes_c::{
    panoptes_free, panoptes_last_error, panoptes_open, panoptes_push_encoded, panoptes_stats,
    PanoptesPerception, PanoptesPush, PanoptesStats, PanoptesStatus,
};
use std::ffi::{CStr, CString};

fn last_error() -> String {
    // SAFETY: the message is a NUL-terminated string valid until the next failing call here.
    unsafe { CStr::from_ptr(panoptes_last_error()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn bad_arguments_are_named_and_nothing_panics_across() {
    let root = panoptes_fixtures::workspace_root();
    let rig = CString::new(root.join("assets/sample-drive/rig.json").to_str().unwrap()).unwrap();
    let manifest = CString::new(
        root.join("models/panoptes-net/panoptes-net.toml")
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let manifests = [manifest.as_ptr()];
    let mut handle: *mut PanoptesPerception = std::ptr::null_mut();
    // SAFETY: valid strings and out pointer; a null manifest list is what is being tested.
    let status = unsafe {
        panoptes_open(
            rig.as_ptr(),
            std::ptr::null(),
            1,
            std::ptr::null(),
            &mut handle,
        )
    };
    assert_eq!(status, PanoptesStatus::PanoptesInvalidArgument);
    assert!(last_error().contains("manifests"), "{}", last_error());
    let missing = CString::new("/nowhere/rig.json").unwrap();
    // SAFETY: valid strings, list and out pointer.
    let status = unsafe {
        panoptes_open(
            missing.as_ptr(),
            manifests.as_ptr(),
            1,
            std::ptr::null(),
            &mut handle,
        )
    };
    assert_eq!(status, PanoptesStatus::PanoptesFailed);
    assert!(
        last_error().contains("/nowhere/rig.json"),
        "{}",
        last_error()
    );
    // SAFETY: valid strings, list and out pointer.
    let status = unsafe {
        panoptes_open(
            rig.as_ptr(),
            manifests.as_ptr(),
            1,
            std::ptr::null(),
            &mut handle,
        )
    };
    assert_eq!(status, PanoptesStatus::PanoptesOk, "{}", last_error());
    let camera = CString::new("CAM_ROOF").unwrap();
    let bytes = [0xFF_u8, 0xD8, 0xFF];
    let mut outcome = PanoptesPush::PanoptesWaiting;
    // SAFETY: a live handle, a valid string and buffer.
    let status = unsafe {
        panoptes_push_encoded(
            handle,
            camera.as_ptr(),
            1,
            bytes.as_ptr(),
            bytes.len(),
            &mut outcome,
        )
    };
    assert_eq!(status, PanoptesStatus::PanoptesFailed);
    assert!(last_error().contains("CAM_ROOF"), "{}", last_error());
    // SAFETY: a live handle; a null buffer is what is being tested.
    let status = unsafe {
        panoptes_push_encoded(
            handle,
            camera.as_ptr(),
            1,
            std::ptr::null(),
            0,
            &mut outcome,
        )
    };
    assert_eq!(status, PanoptesStatus::PanoptesInvalidArgument);
    let mut stats = PanoptesStats::default();
    // SAFETY: a live handle and a valid out pointer.
    assert_eq!(
        unsafe { panoptes_stats(handle, &mut stats) },
        PanoptesStatus::PanoptesOk
    );
    assert_eq!(stats.frames_pushed, 0);
    // SAFETY: the handle from `panoptes_open`, freed once; null is allowed.
    unsafe {
        panoptes_free(handle);
        panoptes_free(std::ptr::null_mut());
    }
}
