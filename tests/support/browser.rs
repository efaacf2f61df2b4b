//! Headless Chromium through chromedriver (WebDriver), one browser per test, in a phone-sized
//! window by default. Chrome DevTools commands go through chromedriver's `goog/cdp/execute`.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tempfile::TempDir;

pub const PHONE: (u32, u32) = (360, 740);
pub const TABLET: (u32, u32) = (800, 1280);
/// The office's desktop screen.
pub const DESKTOP: (u32, u32) = (1366, 768);

const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
];

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

/// chromedriver says on stdout when it listens; read until then (a closed pipe means it died).
fn wait_until_listening(driver: &mut Child) {
    use std::io::BufRead;
    let stdout = driver.stdout.take().expect("chromedriver stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        if line
            .expect("chromedriver output")
            .contains("started successfully")
        {
            // Keep draining its output so chromedriver never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return;
        }
    }
    panic!("chromedriver exited before listening");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Browser {
    pub async fn phone() -> Browser {
        Browser::launch(PHONE).await
    }

    pub async fn launch((width, height): (u32, u32)) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let port = free_port();
        let driver = Command::new(
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .env("TMPDIR", profile.path())
        .env("XDG_CONFIG_HOME", profile.path())
        .env("XDG_CACHE_HOME", profile.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian package chromium-driver) starts");
        let mut driver = driver;
        wait_until_listening(&mut driver);

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ));
        args.push(format!("--window-size={width},{height}"));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": args,
                "mobileEmulation": { "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true } },
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session starts");
        Browser {
            client,
            driver,
            _profile: profile,
        }
    }

    /// Waits (up to 30 s) for an element to appear.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                // Say what the page showed instead, so a failure explains itself.
                let url = self
                    .client
                    .current_url()
                    .await
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                let body = self
                    .client
                    .execute(
                        "return document.body ? document.body.innerText : ''",
                        vec![],
                    )
                    .await
                    .unwrap_or_default();
                panic!("{css} did not appear ({e}) on {url}:\n{body}");
            }
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.expect("element text")
    }

    /// An attribute of the first element matching `css`, once it appears.
    pub async fn attr(&self, css: &str, name: &str) -> String {
        self.wait_for(css)
            .await
            .attr(name)
            .await
            .expect("attribute read")
            .unwrap_or_else(|| panic!("{css} has no {name}"))
    }

    /// The height in CSS pixels of the first element matching `css` (a touch target's size).
    pub async fn height(&self, css: &str) -> f64 {
        let element = self.wait_for(css).await;
        self.client
            .execute(
                "return arguments[0].getBoundingClientRect().height",
                vec![serde_json::to_value(&element).expect("element reference")],
            )
            .await
            .expect("height read")
            .as_f64()
            .expect("a number")
    }

    /// Runs a script that calls `done(value)` when its promise settles.
    pub async fn run_async(&self, body: &str) -> Value {
        let script = format!("const done = arguments[arguments.length - 1]; {body}");
        self.client
            .execute_async(&script, vec![])
            .await
            .expect("async script")
    }

    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.client
            .issue_cmd(Cdp {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// A virtual platform authenticator (resident keys, user verification), for passkeys.
    pub async fn add_virtual_authenticator(&self) -> String {
        let value = self
            .client
            .issue_cmd(WebDriverCall::post(
                "webauthn/authenticator",
                json!({ "protocol": "ctap2", "transport": "internal", "hasResidentKey": true,
                        "hasUserVerification": true, "isUserVerified": true }),
            ))
            .await
            .expect("virtual authenticator");
        value.as_str().expect("authenticator id").to_string()
    }

    /// The credentials a virtual authenticator holds (with private keys and sign counts).
    pub async fn authenticator_credentials(&self, authenticator: &str) -> Vec<Value> {
        let value = self
            .client
            .issue_cmd(WebDriverCall::get(&format!(
                "webauthn/authenticator/{authenticator}/credentials"
            )))
            .await
            .expect("credentials");
        value.as_array().cloned().unwrap_or_default()
    }

    pub async fn remove_authenticator_credentials(&self, authenticator: &str) {
        self.client
            .issue_cmd(WebDriverCall::delete(&format!(
                "webauthn/authenticator/{authenticator}/credentials"
            )))
            .await
            .expect("remove credentials");
    }

    pub async fn add_authenticator_credential(&self, authenticator: &str, credential: Value) {
        self.client
            .issue_cmd(WebDriverCall::post(
                &format!("webauthn/authenticator/{authenticator}/credential"),
                credential,
            ))
            .await
            .expect("add credential");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// A W3C WebDriver extension call on the current session (e.g. the WebAuthn endpoints).
#[derive(Debug)]
struct WebDriverCall {
    method: http::Method,
    path: String,
    body: Option<Value>,
}

impl WebDriverCall {
    fn get(path: &str) -> Self {
        WebDriverCall {
            method: http::Method::GET,
            path: path.into(),
            body: None,
        }
    }
    fn delete(path: &str) -> Self {
        WebDriverCall {
            method: http::Method::DELETE,
            path: path.into(),
            body: None,
        }
    }
    fn post(path: &str, body: Value) -> Self {
        WebDriverCall {
            method: http::Method::POST,
            path: path.into(),
            body: Some(body),
        }
    }
}

impl WebDriverCompatibleCommand for WebDriverCall {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            self.method.clone(),
            self.body.as_ref().map(Value::to_string),
        )
    }
}

/// Logs in through the login page's VNeID button and the demo provider as `role` (its
/// `data-demo-login` name).
pub async fn demo_login(browser: &Browser, base: &str, role: &str) {
    browser.client.goto(&format!("{base}/login")).await.unwrap();
    browser
        .wait_for("a[data-login='vneid']")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("[data-demo-idp='true']").await;
    browser
        .wait_for(&format!("a[data-demo-login='{role}']"))
        .await
        .click()
        .await
        .unwrap();
}
