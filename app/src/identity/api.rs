//! Server functions of identity: who am I, choosing a persona, sessions, logging out.
//! Each starts with `authorize`, the one gate to the database.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::client::CsrfClient;
use super::{Me, PersonaRef};
use crate::platform::error::AppError;

/// One of my sessions, for the account page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MySession {
    pub id: i64,
    pub device_label: String,
    pub auth_method: String,
    pub last_seen_at: i64,
    pub current: bool,
}

/// The logged-in person, or `None`.
#[server(prefix = "/api", endpoint = "me", client = CsrfClient)]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::Public).await?;
    let (Some(session), Some(account)) = (&grant.session, &grant.account) else {
        return Ok(None);
    };
    let mut conn = grant.conn().await?;
    let personas = super::accounts::personas(&mut conn, account).await?;
    let persona = session
        .persona
        .as_ref()
        .and_then(|p| personas.iter().find(|c| &c.persona == p).cloned());
    Ok(Some(Me {
        display_name: account.display_name.clone(),
        persona,
        personas,
        auth_method: session.auth_method.clone(),
    }))
}

/// Acts as another of my personas; returns its start page.
#[server(prefix = "/api", endpoint = "choose_persona", client = CsrfClient)]
pub async fn choose_persona(persona: PersonaRef) -> Result<String, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::ChoosePersona(persona.clone())).await?;
    let mut conn = grant.conn().await?;
    super::session::set_persona(&mut conn, grant.session()?.id, &persona).await?;
    Ok(persona.kind.home_path().to_string())
}

/// Ends this session; returns where to go (the provider's logout page when it has one).
#[server(prefix = "/api", endpoint = "logout", client = CsrfClient)]
pub async fn logout() -> Result<String, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::OwnAccount).await?;
    let session = grant.session()?;
    let mut conn = grant.conn().await?;
    super::session::revoke(&mut conn, session.id, grant.now()).await?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(value) = http::HeaderValue::from_str(&super::session::clear_session_cookie(
            &grant.state.settings.sessions,
        ))
    {
        response.append_header(http::header::SET_COOKIE, value);
    }
    let home = format!("{}/", grant.state.settings.public_url);
    let next = match (&grant.state.oidc, session.auth_method.as_str()) {
        (Some(oidc), "vneid") => oidc
            .end_session_url(&home)
            .await
            .unwrap_or_else(|| "/".into()),
        _ => "/".into(),
    };
    Ok(next)
}

#[server(prefix = "/api", endpoint = "my_sessions", client = CsrfClient)]
pub async fn my_sessions() -> Result<Vec<MySession>, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::OwnAccount).await?;
    let current = grant.session()?.id;
    let mut conn = grant.conn().await?;
    let list = super::session::list_live(
        &mut conn,
        grant.account()?.id,
        grant.now(),
        &grant.state.settings.sessions,
    )
    .await?;
    Ok(list
        .into_iter()
        .map(|s| MySession {
            current: s.id == current,
            id: s.id,
            device_label: s.device_label,
            auth_method: s.auth_method,
            last_seen_at: s.last_seen_at,
        })
        .collect())
}

/// Signs me out on every other device; returns how many sessions ended.
#[server(prefix = "/api", endpoint = "sign_out_elsewhere", client = CsrfClient)]
pub async fn sign_out_elsewhere() -> Result<u64, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::OwnAccount).await?;
    let mut conn = grant.conn().await?;
    Ok(super::session::revoke_others(
        &mut conn,
        grant.account()?.id,
        grant.session()?.id,
        grant.now(),
    )
    .await?)
}

/// What the login page offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginChoices {
    /// The name on the VNeID button; `None` when no provider is configured.
    pub provider_name: Option<String>,
    pub demo: bool,
}

#[server(prefix = "/api", endpoint = "login_options", client = CsrfClient)]
pub async fn login_options() -> Result<LoginChoices, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::Public).await?;
    Ok(LoginChoices {
        provider_name: grant
            .state
            .oidc
            .as_ref()
            .map(|o| o.provider_name().to_string()),
        demo: grant.state.settings.demo,
    })
}
