//! What every server function and handler can reach: the database, the personal-ID keys,
//! the clock and the settings that matter to features.

use std::sync::Arc;

use super::clock::Clock;
use super::crypto::PidCrypto;
use super::db::Db;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub crypto: Arc<PidCrypto>,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    /// The identity provider (VNeID, or the demo provider in demo mode); `None` when not configured.
    pub oidc: Option<Arc<crate::identity::oidc::OidcService>>,
    /// This site as a WebAuthn relying party (host name and origin), for passkeys.
    pub relying_party: Arc<crate::identity::passkeys::RelyingParty>,
    /// The VAPID key for Web Push; `None` when push is not configured.
    pub push_key: Option<Arc<crate::notifications::push::VapidKey>>,
    /// Wakes the push job when messages were queued.
    pub push_wake: Arc<tokio::sync::Notify>,
}

/// Settings features read at run time (the server's configuration fills them in).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Demo mode: seeded demo district, generated keys, demo identity provider.
    pub demo: bool,
    /// The address users reach, e.g. `https://truongso.nhabe.edu.vn`.
    pub public_url: String,
    pub sessions: crate::identity::session::SessionPolicy,
    /// The desk: where its pcsc-bridge listens.
    pub desk: crate::verification::DeskSettings,
}

/// The state inside a server function or a server-rendered component.
pub fn use_app_state() -> Result<AppState, super::error::AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState is missing from the request context");
        super::error::AppError::new(super::error::ErrorCode::Internal)
    })
}
