//! The browser half of passkeys: the server's options go through the platform's own JSON
//! helpers (`PublicKeyCredential.parse…OptionsFromJSON`, `credential.toJSON()`), so nothing is
//! encoded by hand.

use js_sys::{Function, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn describe(error: JsValue) -> String {
    Reflect::get(&error, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "Error".into())
}

/// Calls `PublicKeyCredential[parser](options.publicKey ?? options)`.
fn parse_options(options_json: &str, parser: &str) -> Result<Object, String> {
    let options = JSON::parse(options_json).map_err(describe)?;
    let public_key = Reflect::get(&options, &"publicKey".into())
        .ok()
        .filter(|v| v.is_object())
        .unwrap_or(options);
    let class = Reflect::get(&js_sys::global(), &"PublicKeyCredential".into()).map_err(describe)?;
    let parse: Function = Reflect::get(&class, &parser.into())
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "NotSupportedError".to_string())?;
    let parsed = parse.call1(&class, &public_key).map_err(describe)?;
    let wrapper = Object::new();
    Reflect::set(&wrapper, &"publicKey".into(), &parsed).map_err(describe)?;
    Ok(wrapper)
}

async fn finish(promise: js_sys::Promise) -> Result<String, String> {
    let credential = JsFuture::from(promise).await.map_err(describe)?;
    let to_json: Function = Reflect::get(&credential, &"toJSON".into())
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "NotSupportedError".to_string())?;
    let json = to_json.call0(&credential).map_err(describe)?;
    JSON::stringify(&json)
        .map_err(describe)?
        .as_string()
        .ok_or_else(|| "Error".into())
}

fn credentials() -> Result<web_sys::CredentialsContainer, String> {
    Ok(web_sys::window()
        .ok_or("no window")?
        .navigator()
        .credentials())
}

/// Creates a passkey on this device; returns the registration response as JSON.
pub async fn create(options_json: &str) -> Result<String, String> {
    let options = parse_options(options_json, "parseCreationOptionsFromJSON")?;
    let promise = credentials()?
        .create_with_options(options.unchecked_ref())
        .map_err(describe)?;
    finish(promise).await
}

/// Signs in with a passkey of this device; returns the authentication response as JSON.
pub async fn get(options_json: &str) -> Result<String, String> {
    let options = parse_options(options_json, "parseRequestOptionsFromJSON")?;
    let promise = credentials()?
        .get_with_options(options.unchecked_ref())
        .map_err(describe)?;
    finish(promise).await
}
