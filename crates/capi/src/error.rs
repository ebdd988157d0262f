//! This thread's last error message, and catching panics at the boundary.

use std::cell::RefCell;
use std::ffi::{c_char, CString};

use crate::PanoptesStatus;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `message` as this thread's last error; returns `status` for `?`.
pub(crate) fn fail(status: PanoptesStatus, message: impl Into<String>) -> PanoptesStatus {
    let message = message.into().replace('\0', " ");
    let message = CString::new(message).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
    status
}

/// Runs a call's body; a panic becomes `PANOPTES_PANIC` with its message, never unwinding
/// into C.
pub(crate) fn guard(
    body: impl FnOnce() -> Result<PanoptesStatus, PanoptesStatus>,
) -> PanoptesStatus {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(status) | Err(status)) => status,
        Err(payload) => {
            let message = panoptes::panic_message(payload.as_ref());
            fail(
                PanoptesStatus::PanoptesPanic,
                format!("panic in panoptes: {message}"),
            )
        }
    }
}

/// The message of this thread's last failing call ("" when none failed yet). The string stays
/// valid until the next failing call on this thread.
#[no_mangle]
pub extern "C" fn panoptes_last_error() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}
