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

/// The client address of this request (rate limits).
#[cfg(feature = "ssr")]
fn client_address() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Options for creating a passkey on this device (JSON for `navigator.credentials.create`).
#[server(prefix = "/api", endpoint = "passkey_registration_options", client = CsrfClient)]
pub async fn passkey_registration_options() -> Result<String, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::OwnAccount).await?;
    let mut conn = grant.conn().await?;
    Ok(super::passkeys::start_registration(
        &mut conn,
        &grant.state.relying_party,
        grant.account()?,
        grant.now(),
    )
    .await?)
}

/// Keeps the passkey the browser just created.
#[server(prefix = "/api", endpoint = "register_passkey", client = CsrfClient)]
pub async fn register_passkey(response: String, name: String) -> Result<i64, AppError> {
    use super::authz::{Action, authorize};
    use crate::platform::audit::{AuditAction, AuditEvent, record};
    let grant = authorize(Action::OwnAccount).await?;
    let account = grant.account()?;
    let mut conn = grant.conn().await?;
    let id = super::passkeys::finish_registration(
        &mut conn,
        &grant.state.relying_party,
        account,
        &response,
        &name,
        grant.now(),
    )
    .await?;
    let event = AuditEvent {
        school_id: None,
        action: AuditAction::Create,
        entity: "passkey",
        entity_id: Some(id),
        reason: None,
        detail: serde_json::json!({}),
    };
    record(&mut conn, &grant.actor, event, grant.now()).await?;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "my_passkeys", client = CsrfClient)]
pub async fn my_passkeys() -> Result<Vec<super::PasskeySummary>, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::OwnAccount).await?;
    let mut conn = grant.conn().await?;
    Ok(super::passkeys::list(&mut conn, grant.account()?.id).await?)
}

#[server(prefix = "/api", endpoint = "rename_passkey", client = CsrfClient)]
pub async fn rename_passkey(id: i64, name: String) -> Result<(), AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::OwnAccount).await?;
    let mut conn = grant.conn().await?;
    match super::passkeys::rename(&mut conn, grant.account()?.id, id, &name).await? {
        true => Ok(()),
        false => Err(AppError::new(crate::platform::error::ErrorCode::NotFound)),
    }
}

/// Removes one of my passkeys: it no longer logs in.
#[server(prefix = "/api", endpoint = "remove_passkey", client = CsrfClient)]
pub async fn remove_passkey(id: i64) -> Result<(), AppError> {
    use super::authz::{Action, authorize};
    use crate::platform::audit::{AuditAction, AuditEvent, record};
    let grant = authorize(Action::OwnAccount).await?;
    let mut conn = grant.conn().await?;
    if !super::passkeys::remove(&mut conn, grant.account()?.id, id).await? {
        return Err(AppError::new(crate::platform::error::ErrorCode::NotFound));
    }
    let event = AuditEvent {
        school_id: None,
        action: AuditAction::Archive,
        entity: "passkey",
        entity_id: Some(id),
        reason: None,
        detail: serde_json::json!({}),
    };
    record(&mut conn, &grant.actor, event, grant.now()).await?;
    Ok(())
}

/// Options for logging in with a passkey (JSON for `navigator.credentials.get`).
#[server(prefix = "/api", endpoint = "passkey_login_options", client = CsrfClient)]
pub async fn passkey_login_options() -> Result<String, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::Public).await?;
    let mut conn = grant.conn().await?;
    super::ratelimit::attempt(
        &mut conn,
        super::ratelimit::LOGIN_PER_ADDRESS,
        &client_address(),
        grant.now(),
    )
    .await?;
    Ok(super::passkeys::start_login(&mut conn, &grant.state.relying_party, grant.now()).await?)
}

/// Logs in with the passkey the browser signed with; returns where to go next.
#[server(prefix = "/api", endpoint = "passkey_login", client = CsrfClient)]
pub async fn passkey_login(response: String, return_to: String) -> Result<String, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::Public).await?;
    let now = grant.now();
    let mut conn = grant.conn().await?;
    let account =
        super::passkeys::finish_login(&mut conn, &grant.state.relying_party, &response, now)
            .await?;
    open_session_for(&grant, &mut conn, &account, "passkey", &return_to).await
}

/// Opens a session for an account that just proved who it is (passkey, password): rotates the
/// old session, sets the cookies, returns where to go.
#[cfg(feature = "ssr")]
async fn open_session_for(
    grant: &super::authz::Grant,
    conn: &mut sqlx::AnyConnection,
    account: &super::accounts::Account,
    method: &str,
    return_to: &str,
) -> Result<String, AppError> {
    use super::login::{LoginContext, open_session};
    let personas = super::accounts::personas(conn, account).await?;
    let level = account.assurance_level.and_then(|l| u8::try_from(l).ok());
    let personas = super::login::filter_by_level(conn, personas, level).await?;
    if personas.is_empty() {
        return Err(AppError::new(
            crate::platform::error::ErrorCode::LoginUnknownPerson,
        ));
    }
    let parts = use_context::<http::request::Parts>();
    let device = parts
        .as_ref()
        .map(|p| super::routes::device_label(&p.headers))
        .unwrap_or_default();
    let old_token = parts
        .as_ref()
        .and_then(|p| super::authz::RequestFacts::from_parts(p).session_token);
    let return_to = super::claims::safe_return_path(Some(return_to));
    let login = LoginContext {
        return_to: &return_to,
        old_session_token: old_token.as_deref(),
        device_label: &device,
        policy: &grant.state.settings.sessions,
        now: grant.now(),
    };
    let logged_in = open_session(conn, account, &personas, method, login)
        .await
        .map_err(|e| AppError::new(e.code()))?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        for cookie in [
            super::session::session_cookie(
                &logged_in.session.token,
                &grant.state.settings.sessions,
            ),
            super::session::csrf_cookie(
                &logged_in.session.csrf_token,
                &grant.state.settings.sessions,
            ),
        ] {
            if let Ok(value) = http::HeaderValue::from_str(&cookie) {
                response.append_header(http::header::SET_COOKIE, value);
            }
        }
    }
    Ok(logged_in.next)
}

/// A student's printed login, made or renewed by the school office (the old password stops working).
#[server(prefix = "/api", endpoint = "issue_student_login", client = CsrfClient)]
pub async fn issue_student_login(student_id: i64) -> Result<super::IssuedLogin, AppError> {
    use super::authz::{Action, authorize};
    use crate::platform::audit::{AuditAction, AuditEvent, record};
    let grant = authorize(Action::IssueStudentLogin { student_id }).await?;
    let school_id = grant
        .persona
        .as_ref()
        .and_then(|p| p.school_id())
        .ok_or_else(|| AppError::new(crate::platform::error::ErrorCode::Forbidden))?;
    let mut conn = grant.conn().await?;
    let issued = super::student_login::issue(&mut conn, school_id, student_id, grant.now()).await?;
    let event = AuditEvent {
        school_id: Some(school_id),
        action: AuditAction::Update,
        entity: "student_login",
        entity_id: Some(student_id),
        reason: None,
        detail: serde_json::json!({ "issued": true }),
    };
    record(&mut conn, &grant.actor, event, grant.now()).await?;
    Ok(issued)
}

/// First login with the printed code: choose a password; returns where to go.
#[server(prefix = "/api", endpoint = "activate_student_login", client = CsrfClient)]
pub async fn activate_student_login(
    username: String,
    code: String,
    password: String,
) -> Result<String, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::Public).await?;
    let mut conn = grant.conn().await?;
    let account =
        super::student_login::activate(&mut conn, &username, &code, &password, grant.now()).await?;
    open_session_for(&grant, &mut conn, &account, "password", "/").await
}

/// A student's login with username and password; returns where to go.
#[server(prefix = "/api", endpoint = "student_login", client = CsrfClient)]
pub async fn student_login(username: String, password: String) -> Result<String, AppError> {
    use super::authz::{Action, authorize};
    let grant = authorize(Action::Public).await?;
    let mut conn = grant.conn().await?;
    let account =
        super::student_login::password_login(&mut conn, &username, &password, grant.now()).await?;
    open_session_for(&grant, &mut conn, &account, "password", "/").await
}

/// A difference between what VNeID says and what the school recorded, for the school to check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityMismatch {
    pub id: i64,
    pub record_kind: String,
    pub record_id: i64,
    pub field: String,
    pub school_value: String,
    pub vneid_value: String,
    pub created_at: i64,
}

/// The school's open identity mismatches (school admins; the district's admins).
#[server(prefix = "/api", endpoint = "identity_mismatches", client = CsrfClient)]
pub async fn identity_mismatches(school_id: i64) -> Result<Vec<IdentityMismatch>, AppError> {
    use super::authz::{Action, authorize};
    use crate::platform::audit::{AuditAction, AuditEvent, record};
    let grant = authorize(Action::ManageSchool { school_id }).await?;
    let mut conn = grant.conn().await?;
    let rows: Vec<(i64, String, i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT id, record_kind, record_id, field, school_value, vneid_value, created_at
         FROM identity_mismatches WHERE school_id = $1 AND resolved_at IS NULL ORDER BY created_at DESC",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let event = AuditEvent {
        school_id: Some(school_id),
        action: AuditAction::Read,
        entity: "identity_mismatches",
        entity_id: None,
        reason: None,
        detail: serde_json::json!({ "rows": rows.len() }),
    };
    record(&mut conn, &grant.actor, event, grant.now()).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, record_kind, record_id, field, school_value, vneid_value, created_at)| {
                IdentityMismatch {
                    id,
                    record_kind,
                    record_id,
                    field,
                    school_value,
                    vneid_value,
                    created_at,
                }
            },
        )
        .collect())
}
