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

/// At logout: the service worker deletes the pages it kept for offline reading (a shared tablet
/// must not show the last person's children).
pub fn forget_private_pages() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window()
        && let Ok(controller) =
            js_sys::Reflect::get(&window.navigator().service_worker(), &"controller".into())
        && let Ok(post) = js_sys::Reflect::get(&controller, &"postMessage".into())
        && let Ok(post) = wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(post)
    {
        let _ = post.call1(&controller, &"forget-private-pages".into());
    }
}
