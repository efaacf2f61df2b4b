//! The login redirects that cannot be server functions: leaving for the provider and coming back.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::login::{LoggedIn, LoginContext, citizen_login};
use super::oidc::{CALLBACK_PATH, LoginError};
use super::ratelimit;
use super::session::{self, SESSION_COOKIE, cookie_value};
use crate::platform::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/vneid/start", get(start))
        .route(CALLBACK_PATH, get(callback))
}

#[derive(Deserialize)]
struct StartQuery {
    return_to: Option<String>,
}

fn login_error_page(code: &str) -> Response {
    Redirect::to(&format!("/login?error={code}")).into_response()
}

async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(oidc) = state.oidc.clone() else {
        return login_error_page("login_provider_unavailable");
    };
    let Ok(mut conn) = state.db.pool().acquire().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let now = state.clock.unix();
    if let Err(error) = ratelimit::attempt(
        &mut conn,
        ratelimit::LOGIN_PER_ADDRESS,
        &peer.ip().to_string(),
        now,
    )
    .await
    {
        return login_error_page(error.code.as_str());
    }
    match oidc.begin(&mut conn, query.return_to.as_deref()).await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(error) => {
            tracing::warn!(%error, "could not start a VNeID login");
            login_error_page(error.code().as_str())
        }
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Query(query): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(oidc) = state.oidc.clone() else {
        return login_error_page("login_provider_unavailable");
    };
    let Ok(mut conn) = state.db.pool().acquire().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let now = state.clock.unix();
    let result = match (query.code, query.state, query.error) {
        (_, _, Some(error)) => Err(LoginError::ProviderRefused(error)),
        (Some(code), Some(login_state), None) => {
            match oidc.complete(&mut conn, &code, &login_state).await {
                Ok((claims, return_to)) => {
                    let old = cookie_header(&headers)
                        .and_then(|h| cookie_value(h, SESSION_COOKIE).map(str::to_string));
                    let device = device_label(&headers);
                    let login = LoginContext {
                        return_to: &return_to,
                        old_session_token: old.as_deref(),
                        device_label: &device,
                        policy: &state.settings.sessions,
                        now,
                    };
                    citizen_login(&mut conn, &state.crypto, &claims, login).await
                }
                Err(error) => Err(error),
            }
        }
        _ => Err(LoginError::StateInvalid),
    };
    match result {
        Ok(logged_in) => with_session_cookies(
            Redirect::to(&logged_in.next).into_response(),
            &logged_in,
            &state,
        ),
        Err(LoginError::UnknownPerson) => Redirect::to("/login/unknown").into_response(),
        Err(error) => {
            tracing::info!(%error, "VNeID login refused");
            login_error_page(error.code().as_str())
        }
    }
}

fn cookie_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::COOKIE).and_then(|v| v.to_str().ok())
}

/// Puts the new session's cookie and its CSRF token on a response.
pub fn with_session_cookies(
    mut response: Response,
    logged_in: &LoggedIn,
    state: &AppState,
) -> Response {
    let policy = &state.settings.sessions;
    for cookie in [
        session::session_cookie(&logged_in.session.token, policy),
        session::csrf_cookie(&logged_in.session.csrf_token, policy),
    ] {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// "Chrome · Android": enough for a person to recognise their devices in the session list.
pub fn device_label(headers: &HeaderMap) -> String {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("CriOS", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Firefox/", "Firefox"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(needle, _)| agent.contains(needle))
    .map_or("Trình duyệt", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| agent.contains(needle))
    .map_or("", |(_, name)| name);
    if system.is_empty() {
        browser.to_string()
    } else {
        format!("{browser} · {system}")
    }
}
