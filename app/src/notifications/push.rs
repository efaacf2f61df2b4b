//! Web Push: VAPID-signed, RFC 8291-encrypted requests (through `web-push-native`) sent by a
//! background job. Each queued push is tried until the push service takes it; a subscription the
//! service reports gone (404/410) is removed; other failures are retried with growing waits.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use sqlx::Row;
use tokio::sync::Notify;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};
use web_push_native::p256::PublicKey;
use web_push_native::{Auth, WebPushBuilder};

use crate::platform::clock::Clock;
use crate::platform::db::Db;

const MAX_ATTEMPTS: i64 = 6;
const BATCH: i64 = 50;
/// The job also wakes on its own this often, for retries that fall due.
const TICK: Duration = Duration::from_secs(5);

/// The server's VAPID identity.
pub struct VapidKey {
    pair: ES256KeyPair,
    /// Who the push services may contact about this sender (`mailto:` or `https:`).
    pub contact: String,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("contact", &self.contact)
            .finish_non_exhaustive()
    }
}

fn b64url() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

impl VapidKey {
    /// A new key, as base64url of its 32-byte secret.
    pub fn generate_secret() -> String {
        b64url().encode(ES256KeyPair::generate().to_bytes())
    }

    pub fn from_secret(secret: &str, contact: &str) -> Result<VapidKey, String> {
        let bytes = b64url()
            .decode(secret.trim())
            .map_err(|_| "VAPID key is not base64url".to_string())?;
        let pair = ES256KeyPair::from_bytes(&bytes).map_err(|e| e.to_string())?;
        Ok(VapidKey {
            pair,
            contact: contact.to_string(),
        })
    }

    /// The `applicationServerKey` browsers subscribe with (uncompressed point, base64url).
    pub fn public_key(&self) -> String {
        b64url().encode(self.pair.public_key().public_key().to_bytes_uncompressed())
    }
}

/// Everything the job needs.
#[derive(Clone, Debug)]
pub struct PushSender {
    pub db: Db,
    pub key: Arc<VapidKey>,
    pub clock: Clock,
    pub wake: Arc<Notify>,
    http: openidconnect::reqwest::Client,
}

#[derive(Debug)]
enum Outcome {
    Sent,
    Gone,
    Retry(String),
}

impl PushSender {
    pub fn new(db: Db, key: Arc<VapidKey>, clock: Clock, wake: Arc<Notify>) -> PushSender {
        let http = openidconnect::reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        PushSender {
            db,
            key,
            clock,
            wake,
            http,
        }
    }

    /// Runs until the task is aborted: sends what is due whenever woken or every few seconds.
    pub async fn run(self) {
        loop {
            match self.send_due().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "push job could not run"),
            }
            let _ = tokio::time::timeout(TICK, self.wake.notified()).await;
        }
    }

    /// Sends the pushes that are due; returns how many were handled.
    pub async fn send_due(&self) -> Result<usize, sqlx::Error> {
        let now = self.clock.unix();
        let jobs = sqlx::query(
            "SELECT j.id, j.attempts, m.kind, m.title_vi, m.title_en, m.body_vi, m.body_en, m.link,
                    s.id AS subscription_id, s.endpoint, s.p256dh, s.auth
             FROM push_jobs j JOIN inbox_messages m ON m.id = j.message_id
             LEFT JOIN push_subscriptions s ON s.id = j.subscription_id
             WHERE j.status = 'pending' AND j.next_attempt_at <= $1 ORDER BY j.id LIMIT $2",
        )
        .bind(now)
        .bind(BATCH)
        .fetch_all(self.db.pool())
        .await?;
        for job in &jobs {
            let id: i64 = job.try_get("id")?;
            let attempts: i64 = job.try_get("attempts")?;
            let endpoint: Option<String> = job.try_get("endpoint")?;
            let outcome = match endpoint {
                None => Outcome::Gone,
                Some(endpoint) => {
                    let payload = serde_json::json!({
                        "kind": job.try_get::<String, _>("kind")?,
                        "title": job.try_get::<String, _>("title_vi")?,
                        "body": job.try_get::<String, _>("body_vi")?,
                        "title_en": job.try_get::<String, _>("title_en")?,
                        "body_en": job.try_get::<String, _>("body_en")?,
                        "link": job.try_get::<Option<String>, _>("link")?,
                    });
                    self.send(
                        &endpoint,
                        &job.try_get::<String, _>("p256dh")?,
                        &job.try_get::<String, _>("auth")?,
                        payload.to_string(),
                    )
                    .await
                }
            };
            self.record(id, attempts, job.try_get("subscription_id")?, outcome, now)
                .await?;
        }
        Ok(jobs.len())
    }

    async fn send(&self, endpoint: &str, p256dh: &str, auth: &str, payload: String) -> Outcome {
        let request = (|| -> Result<http::Request<Vec<u8>>, String> {
            let uri = endpoint.parse().map_err(|_| "bad endpoint".to_string())?;
            let key = b64url()
                .decode(p256dh)
                .map_err(|_| "bad p256dh".to_string())?;
            let key = PublicKey::from_sec1_bytes(&key).map_err(|_| "bad p256dh".to_string())?;
            let auth = b64url().decode(auth).map_err(|_| "bad auth".to_string())?;
            if auth.len() != 16 {
                return Err("bad auth".into());
            }
            WebPushBuilder::new(uri, key, Auth::clone_from_slice(&auth))
                .with_vapid(&self.key.pair, &self.key.contact)
                .build(payload)
                .map_err(|e| e.to_string())
        })();
        let request = match request {
            Ok(request) => request,
            // A subscription that cannot be encrypted to never will be.
            Err(_) => return Outcome::Gone,
        };
        let (parts, body) = request.into_parts();
        let mut builder = self.http.post(parts.uri.to_string()).body(body);
        for (name, value) in &parts.headers {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        match builder.send().await {
            Ok(response) if response.status().is_success() => Outcome::Sent,
            Ok(response) if matches!(response.status().as_u16(), 404 | 410) => Outcome::Gone,
            Ok(response) => Outcome::Retry(format!("push service answered {}", response.status())),
            Err(error) => Outcome::Retry(error.without_url().to_string()),
        }
    }

    async fn record(
        &self,
        job: i64,
        attempts: i64,
        subscription: Option<i64>,
        outcome: Outcome,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.db.pool().begin().await?;
        match outcome {
            Outcome::Sent => {
                sqlx::query("UPDATE push_jobs SET status = 'sent', attempts = $1 WHERE id = $2")
                    .bind(attempts + 1)
                    .bind(job)
                    .execute(&mut *tx)
                    .await?;
            }
            Outcome::Gone => {
                sqlx::query("UPDATE push_jobs SET status = 'gone', attempts = $1 WHERE id = $2")
                    .bind(attempts + 1)
                    .bind(job)
                    .execute(&mut *tx)
                    .await?;
                if let Some(subscription) = subscription {
                    sqlx::query("UPDATE push_jobs SET status = 'gone' WHERE subscription_id = $1 AND status = 'pending'")
                        .bind(subscription)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
                        .bind(subscription)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            Outcome::Retry(error) => {
                let attempts = attempts + 1;
                let status = if attempts >= MAX_ATTEMPTS {
                    "failed"
                } else {
                    "pending"
                };
                // 30 s, 1 min, 2 min, 4 min, 8 min…
                let wait = 30 * (1_i64 << (attempts - 1).clamp(0, 10));
                tracing::info!(job, attempts, %error, "push not delivered yet");
                sqlx::query("UPDATE push_jobs SET status = $1, attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $5")
                    .bind(status)
                    .bind(attempts)
                    .bind(now + wait)
                    .bind(error)
                    .bind(job)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vapid_key_survives_its_own_encoding() {
        let secret = VapidKey::generate_secret();
        let key = VapidKey::from_secret(&secret, "mailto:it@example.edu.vn").unwrap();
        let again = VapidKey::from_secret(&secret, "mailto:it@example.edu.vn").unwrap();
        assert_eq!(key.public_key(), again.public_key());
        assert_eq!(b64url().decode(key.public_key()).unwrap().len(), 65);
        assert!(VapidKey::from_secret("not base64!", "x").is_err());
    }
}
