//! Security headers on every response, and the per-request CSP nonce that lets Leptos's
//! inline hydration script run while every other inline script stays blocked.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use rand::RngCore;

use crate::routes::ServerState;

/// The nonce of this request, read by the page renderer.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn has_csrf_cookie(request: &Request) -> bool {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|h| app::identity::session::cookie_value(h, app::identity::CSRF_COOKIE).is_some())
}

fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

pub fn content_security_policy(nonce: &str) -> String {
    content_security_policy_with(nonce, None)
}

/// The policy, with the desk's pcsc-bridge allowed in `connect-src`. Every page carries it (not
/// only the desk page): the app navigates between pages without reloading, and a document keeps
/// the policy it was loaded with, so a desk page reached from the start screen would otherwise be
/// blocked. It lets this site's own scripts reach one loopback origin that answers only this
/// site's origin; scripts from elsewhere stay blocked by `script-src`.
pub fn content_security_policy_with(nonce: &str, bridge: Option<&str>) -> String {
    let bridge = bridge
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; style-src 'self'; \
         img-src 'self' data: blob:; font-src 'self'; connect-src 'self'{bridge}; manifest-src 'self'; \
         worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// `scheme://host[:port]` of the bridge URL, if it is one (no path, no spaces or quotes).
pub fn bridge_origin(url: &str) -> Option<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let valid = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'));
    valid.then(|| url.to_string())
}

pub async fn headers(
    State(state): State<ServerState>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let needs_csrf_cookie =
        request.method() == axum::http::Method::GET && !has_csrf_cookie(&request);
    let mut response = next.run(request).await;
    // Every visitor gets a CSRF token for the double-submit check of their first changes
    // (a login replaces it with the session's own).
    let sets_own = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| {
            v.to_str()
                .is_ok_and(|v| v.starts_with(app::identity::CSRF_COOKIE))
        });
    if needs_csrf_cookie && !sets_own && is_html(&response) {
        let cookie = app::identity::session::csrf_cookie(
            &app::identity::session::random_token(),
            &state.app.settings.sessions,
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    let headers = response.headers_mut();
    let bridge = bridge_origin(&state.app.settings.desk.bridge_url);
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy_with(&nonce, bridge.as_deref()))
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let fixed: [(header::HeaderName, &'static str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(self), geolocation=(), microphone=(), payment=()",
        ),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if state.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}
