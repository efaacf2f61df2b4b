//! The desk page's calls to the pcsc-bridge on the clerk's computer (`fetch`, CORS). The bridge
//! answers only this site's origin; what it returns is forwarded to the server untouched.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, RequestMode, Response};

fn describe(error: JsValue) -> String {
    js_sys::Reflect::get(&error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "fetch failed".into())
}

/// An answer of the bridge: its HTTP status and body text.
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// `GET` (no body) or `POST` JSON to the bridge at `base` + `path`. `Err` when it cannot be
/// reached at all (not running, blocked by the browser).
pub async fn call(base: &str, path: &str, json_body: Option<&str>) -> Result<Answer, String> {
    let init = RequestInit::new();
    init.set_mode(RequestMode::Cors);
    match json_body {
        Some(body) => {
            init.set_method("POST");
            let headers = Headers::new().map_err(describe)?;
            headers
                .set("content-type", "application/json")
                .map_err(describe)?;
            init.set_headers(&headers);
            init.set_body(&JsValue::from_str(body));
        }
        None => init.set_method("GET"),
    }
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let request = Request::new_with_str_and_init(&url, &init).map_err(describe)?;
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(describe)?
        .dyn_into()
        .map_err(describe)?;
    let text = JsFuture::from(response.text().map_err(describe)?)
        .await
        .map_err(describe)?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        status: response.status(),
        body: text,
    })
}
