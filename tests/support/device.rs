//! A device of its own (its own cookie jar) that logs in through the demo provider and calls
//! server functions the way the app's own client does (CSRF cookie echoed in a header).

use std::sync::Arc;

use reqwest::header::LOCATION;
use serde_json::Value;

use super::TestApp;

pub struct Device {
    pub client: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Default for Device {
    fn default() -> Self {
        Device::new()
    }
}

impl Device {
    pub fn new() -> Device {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Device { client, jar }
    }

    pub fn cookie(&self, app: &TestApp, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&app.base_url.parse().unwrap())?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    /// Logs in as demo person `index` (0 district, 1 principal, 2 clerk, 3 teacher, 4 parent)
    /// and returns where the app sent them.
    pub async fn demo_login(&self, app: &TestApp, index: usize) -> String {
        let start = self
            .client
            .get(app.url("/auth/vneid/start"))
            .send()
            .await
            .unwrap();
        let authorize = start.headers()[LOCATION].to_str().unwrap().to_string();
        let picked = self
            .client
            .get(format!("{authorize}&login={index}"))
            .send()
            .await
            .unwrap();
        let callback = picked.headers()[LOCATION].to_str().unwrap().to_string();
        let done = self.client.get(callback).send().await.unwrap();
        done.headers()[LOCATION].to_str().unwrap().to_string()
    }

    /// Logs in as demo person `index` and acts as their persona of `kind` (`Staff`, `Guardian`…),
    /// choosing it when they have several.
    pub async fn demo_login_as(&self, app: &TestApp, index: usize, kind: &str) {
        if !self
            .demo_login(app, index)
            .await
            .starts_with("/choose-role")
        {
            return;
        }
        let (_, me) = self.call(app, "me", &[]).await;
        let persona = me["personas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["persona"]["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} persona: {me}"))["persona"]
            .clone();
        let school = persona["school_id"]
            .as_i64()
            .map(|s| s.to_string())
            .unwrap_or_default();
        let record = persona["record_id"].to_string();
        let (status, body) = self
            .call(
                app,
                "choose_persona",
                &[
                    ("persona[kind]", kind),
                    ("persona[school_id]", &school),
                    ("persona[record_id]", &record),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    async fn csrf(&self, app: &TestApp) -> String {
        if self.cookie(app, app::identity::CSRF_COOKIE).is_none() {
            self.client.get(app.url("/")).send().await.unwrap();
        }
        self.cookie(app, app::identity::CSRF_COOKIE).unwrap()
    }

    /// Calls a server function with form-encoded arguments; returns status and JSON body.
    pub async fn call(&self, app: &TestApp, endpoint: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let csrf = self.csrf(app).await;
        let response = self
            .client
            .post(app.url(&format!("/api/{endpoint}")))
            .header(app::identity::CSRF_HEADER, csrf)
            .form(form)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }

    /// Calls a server function declared with `input = Json`.
    pub async fn call_json(&self, app: &TestApp, endpoint: &str, body: &Value) -> (u16, Value) {
        let csrf = self.csrf(app).await;
        let response = self
            .client
            .post(app.url(&format!("/api/{endpoint}")))
            .header(app::identity::CSRF_HEADER, csrf)
            .json(body)
            .send()
            .await
            .unwrap();
        (
            response.status().as_u16(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}
