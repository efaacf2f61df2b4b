//! The npm `oidc-provider` (tests/peers/oidc) as a separate process: an independent,
//! OpenID-certified provider standing in for VNeID, with VNeID's claim names.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use app::identity::claims::ClaimNames;
use app::identity::oidc::OidcSettings;
use secrecy::SecretString;
use serde_json::Value;

use super::workspace_root;

pub struct OidcPeer {
    pub issuer: String,
    child: Child,
}

pub const CLIENT_ID: &str = "truongso-test";
pub const CLIENT_SECRET: &str = "test-only-client-secret";

impl OidcPeer {
    /// Starts the provider for an app whose base URL is `app_base`; `accounts` maps account ids
    /// to their claims.
    pub fn start(app_base: &str, accounts: &Value) -> OidcPeer {
        let dir = workspace_root().join("tests/peers/oidc");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "oidc-provider is not installed: run scripts/test (npm ci in tests/peers/oidc)"
        );
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("PORT", "0")
            .env(
                "REDIRECT_URI",
                format!("{app_base}{}", app::identity::oidc::CALLBACK_PATH),
            )
            .env("POST_LOGOUT_URI", format!("{app_base}/"))
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("ACCOUNTS", accounts.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node (Node.js 20) runs the test provider");
        let stdout = child.stdout.take().expect("provider stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("listening on ").map(str::to_string))
            .expect("the provider reports its port");
        std::thread::spawn(move || lines.for_each(drop));
        OidcPeer {
            issuer: format!("http://localhost:{port}"),
            child,
        }
    }

    /// The app's `[vneid]` settings for this provider.
    pub fn settings(&self) -> OidcSettings {
        OidcSettings {
            issuer_url: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: Some(SecretString::from(CLIENT_SECRET)),
            scopes: vec!["openid".into(), "citizen".into()],
            claims: ClaimNames::default(),
            provider_name: "VNeID".into(),
        }
    }

    /// Who the next login will be.
    pub async fn next_login(&self, account: &str) {
        let response = reqwest::get(format!("{}/test/next-login?account={account}", self.issuer))
            .await
            .expect("provider answers");
        assert!(response.status().is_success());
    }
}

impl Drop for OidcPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
