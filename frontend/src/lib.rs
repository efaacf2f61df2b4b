//! The browser entry point: hydrates the page the server rendered and registers the service worker.
//! Only meaningful on wasm32; on the host it compiles to nothing.
#![cfg(target_arch = "wasm32")]
// Leptos views are deeply nested types; the hydrate build needs room to lay them out.
#![recursion_limit = "512"]

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    app::pwa::register_service_worker();
}
