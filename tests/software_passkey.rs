//! Passkeys with a software authenticator (1Password's `passkey` crate) talking to the server
//! over HTTP: register, log in, and the two refusals that matter — a cloned key whose signature
//! counter went backwards, and a key the account removed.

use app::platform::db::Backend;
use passkey::authenticator::{Authenticator, UiHint, UserCheck, UserValidationMethod};
use passkey::client::{Client, DefaultClientData};
use passkey::crypto::rust_crypto::RustCryptoBackend;
use passkey::types::Passkey;
use passkey::types::ctap2::{Aaguid, Ctap2Error};
use passkey::types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::support::{TestApp, spawn_app};

/// The person at the device always agrees and is verified (fingerprint, face, PIN).
struct VerifiedUser;

#[async_trait::async_trait]
impl UserValidationMethod for VerifiedUser {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        _presence: bool,
        _verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence: true,
            verification: true,
        })
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(true)
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }
}

type SoftwareClient =
    Client<Option<Passkey>, VerifiedUser, RustCryptoBackend, public_suffix::PublicSuffixList, ()>;

/// A device whose keys count their signatures (as hardware keys do; synced passkeys may not).
fn device_with(key: Option<Passkey>) -> SoftwareClient {
    let mut authenticator =
        Authenticator::new(Aaguid::new_empty(), key, VerifiedUser, RustCryptoBackend);
    authenticator.set_make_credentials_with_signature_counter(true);
    Client::new(authenticator).allows_insecure_localhost(true)
}

struct Browser {
    http: reqwest::Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    fn new() -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Browser { http, jar }
    }

    fn csrf(&self, app: &TestApp) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&app.base_url.parse().unwrap())?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix("ts_csrf=").map(str::to_string))
    }

    async fn call(&self, app: &TestApp, endpoint: &str, form: &[(&str, &str)]) -> (u16, Value) {
        if self.csrf(app).is_none() {
            self.http.get(app.url("/")).send().await.unwrap();
        }
        let response = self
            .http
            .post(app.url(&format!("/api/{endpoint}")))
            .header(app::identity::CSRF_HEADER, self.csrf(app).unwrap())
            .form(form)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// The demo parent, through the demo provider.
    async fn log_in_with_vneid(&self, app: &TestApp) {
        let start = self
            .http
            .get(app.url("/auth/vneid/start"))
            .send()
            .await
            .unwrap();
        let authorize = start.headers()[LOCATION].to_str().unwrap().to_string();
        let picked = self
            .http
            .get(format!("{authorize}&login=4"))
            .send()
            .await
            .unwrap();
        let callback = picked.headers()[LOCATION].to_str().unwrap().to_string();
        self.http.get(callback).send().await.unwrap();
    }

    async fn log_in_with_passkey(
        &self,
        app: &TestApp,
        device: &mut SoftwareClient,
    ) -> (u16, Value) {
        let (_, options) = self.call(app, "passkey_login_options", &[]).await;
        let request: CredentialRequestOptions =
            serde_json::from_value(json!({ "publicKey": serde_json::from_str::<Value>(options.as_str().unwrap()).unwrap() })).unwrap();
        let origin = url::Url::parse(&app.base_url).unwrap();
        let assertion = device
            .authenticate(&origin, request, DefaultClientData)
            .await
            .unwrap();
        let response = serde_json::to_string(&assertion).unwrap();
        self.call(
            app,
            "passkey_login",
            &[("response", &response), ("return_to", "/")],
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_software_passkey_registers_logs_in_and_its_clone_or_removal_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let phone = Browser::new();
    phone.log_in_with_vneid(&app).await;
    let (status, options) = phone.call(&app, "passkey_registration_options", &[]).await;
    assert_eq!(status, 200);
    let request: CredentialCreationOptions = serde_json::from_value(
        json!({ "publicKey": serde_json::from_str::<Value>(options.as_str().unwrap()).unwrap() }),
    )
    .unwrap();
    let mut device = device_with(None);
    let origin = url::Url::parse(&app.base_url).unwrap();
    let created = device
        .register(&origin, request, DefaultClientData)
        .await
        .unwrap();
    let (status, body) = phone
        .call(
            &app,
            "register_passkey",
            &[
                ("response", &serde_json::to_string(&created).unwrap()),
                ("name", "Điện thoại của mẹ"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, listed) = phone.call(&app, "my_passkeys", &[]).await;
    assert_eq!(listed[0]["name"], "Điện thoại của mẹ");

    // A fresh browser logs in with the passkey alone, twice (the counter climbs).
    for _ in 0..2 {
        let (status, next) = Browser::new().log_in_with_passkey(&app, &mut device).await;
        assert_eq!((status, next.as_str()), (200, Some("/guardian")));
    }

    // A clone whose counter is behind the one the server last saw is refused.
    let mut stolen = device.authenticator().store().clone().unwrap();
    stolen.counter = Some(0);
    let mut clone = device_with(Some(stolen));
    let (status, body) = Browser::new().log_in_with_passkey(&app, &mut clone).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("passkey_refused"))
    );

    // Removed from the account, the genuine key no longer logs in.
    let id = listed[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(
        phone.call(&app, "remove_passkey", &[("id", &id)]).await.0,
        200
    );
    let (status, body) = Browser::new().log_in_with_passkey(&app, &mut device).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("passkey_refused"))
    );
}
