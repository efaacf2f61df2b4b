//! Installable web app: registers the service worker that keeps the shell for offline use.

/// Called once the page is interactive. Without service-worker support (old browsers,
/// private modes) the app simply stays online-only.
#[cfg(feature = "hydrate")]
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = window.navigator().service_worker();
    // The promise's result is not needed: the worker takes over on its own when installed.
    let _ = container.register("/sw.js");
}
