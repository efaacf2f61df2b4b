//! The device side of offline grades (browser only): pending edits and the last copy of each
//! sheet and child view, kept in `localStorage`.
//!
//! Why `localStorage` and not IndexedDB: a write is synchronous, so a score is on the device the
//! moment the teacher presses Enter (closing the tab right after cannot lose it, which an
//! IndexedDB transaction still committing could); the data is small (a pending edit is ~200
//! bytes, a sheet copy ~50 KB against a quota of about 5 MB); and every tab of the school's site
//! sees the same queue. Each pending edit has its own key, so writing one never rewrites others.
//!
//! Keys: `ts.grades.pending.<class>.<subject>.<semester>.<student>.<column>.<staff>`,
//! `ts.grades.sheet.<class>.<subject>.<semester>`, `ts.grades.child.<student>`.

use wasm_bindgen::JsCast;

use super::model::{ChildGradesView, SheetView};
use super::queue::PendingEdit;

const PENDING: &str = "ts.grades.pending.";
const SHEET: &str = "ts.grades.sheet.";
const CHILD: &str = "ts.grades.child.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn pending_key(edit: &PendingEdit) -> String {
    format!("{PENDING}{}.{}", edit.key.storage_key(), edit.staff_id)
}

/// Keeps a pending edit on the device; `false` when the device refused (storage full or off).
pub fn save_pending(edit: &PendingEdit) -> bool {
    let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(edit)) else {
        return false;
    };
    storage.set_item(&pending_key(edit), &json).is_ok()
}

pub fn remove_pending(edit: &PendingEdit) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&pending_key(edit));
    }
}

fn keys_with_prefix(storage: &web_sys::Storage, prefix: &str) -> Vec<String> {
    let length = storage.length().unwrap_or(0);
    (0..length)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(prefix))
        .collect()
}

/// The pending edits of one sheet, by any teacher of this device.
pub fn load_pending(class_id: i64, subject_id: i64, semester: u8) -> Vec<PendingEdit> {
    let Some(storage) = storage() else {
        return Vec::new();
    };
    let prefix = format!("{PENDING}{class_id}.{subject_id}.{semester}.");
    keys_with_prefix(&storage, &prefix)
        .into_iter()
        .filter_map(|key| storage.get_item(&key).ok().flatten())
        .filter_map(|json| serde_json::from_str(&json).ok())
        .collect()
}

fn sheet_key(class_id: i64, subject_id: i64, semester: u8) -> String {
    format!("{SHEET}{class_id}.{subject_id}.{semester}")
}

pub fn save_sheet(sheet: &SheetView) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(sheet)) {
        let _ = storage.set_item(
            &sheet_key(sheet.class_id, sheet.subject_id, sheet.semester),
            &json,
        );
    }
}

pub fn load_sheet(class_id: i64, subject_id: i64, semester: u8) -> Option<SheetView> {
    let json = storage()?
        .get_item(&sheet_key(class_id, subject_id, semester))
        .ok()??;
    serde_json::from_str(&json).ok()
}

pub fn save_child(view: &ChildGradesView) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(view)) {
        let _ = storage.set_item(&format!("{CHILD}{}", view.student_id), &json);
    }
}

pub fn load_child(student_id: i64) -> Option<ChildGradesView> {
    let json = storage()?
        .get_item(&format!("{CHILD}{student_id}"))
        .ok()??;
    serde_json::from_str(&json).ok()
}

/// At logout: the copies of sheets and children's grades (personal data) leave the device, and
/// so do the pages the service worker kept for offline use. Unsent edits stay: they are the
/// teacher's work, and go out at their next login.
pub fn forget_copies() {
    if let Some(storage) = storage() {
        for prefix in [SHEET, CHILD] {
            for key in keys_with_prefix(&storage, prefix) {
                let _ = storage.remove_item(&key);
            }
        }
    }
    tell_service_worker("forget-pages", "");
}

/// Asks the service worker to keep this page for offline use (it does so for later visits on
/// its own; this covers the visit during which it was installed).
pub fn keep_page_offline() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_default();
    tell_service_worker("keep-page", &path);
}

fn tell_service_worker(kind: &str, path: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &kind.into());
    let _ = js_sys::Reflect::set(&message, &"path".into(), &path.into());
    let ready = window.navigator().service_worker().ready();
    let Ok(ready) = ready else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(registration) = wasm_bindgen_futures::JsFuture::from(ready).await else {
            return;
        };
        let Ok(registration) = registration.dyn_into::<web_sys::ServiceWorkerRegistration>() else {
            return;
        };
        if let Some(worker) = registration.active() {
            let _ = worker.post_message(&message);
        }
    });
}

/// An id for an edit, unique enough across devices: time and randomness.
pub fn new_client_id() -> String {
    let now = js_sys::Date::now() as u64;
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{now:x}-{a:08x}{b:08x}")
}

/// Reads a file the user picked, as base64.
pub async fn read_file_base64(file: web_sys::File) -> Option<String> {
    use base64::Engine as _;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    Some(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Saves a file the server made (an Excel export) through a download link.
pub fn download(file_name: &str, mime: &str, base64: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(link) = document.create_element("a") else {
        return;
    };
    let _ = link.set_attribute("href", &format!("data:{mime};base64,{base64}"));
    let _ = link.set_attribute("download", file_name);
    if let Ok(link) = link.dyn_into::<web_sys::HtmlElement>() {
        link.click();
    }
}
