//! The endpoint a desk's pcsc-bridge calls once, with the pairing code the school admin made:
//! `POST /api/pcsc-bridge/pair` (JSON, see `pcsc_bridge::protocol`). A plain axum route: the
//! bridge has no session and no CSRF cookie; the one-time code is its authentication, and the
//! endpoint is rate-limited per address so codes cannot be guessed.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use pcsc_bridge::protocol::{self, ErrorBody, PairingRequest, PairingResponse};

use crate::i18n::{Lang, Translate};
use crate::identity::ratelimit::{self, Limit};
use crate::platform::error::ErrorCode;
use crate::platform::state::AppState;

/// Pairing attempts from one address.
pub const PAIRING_PER_ADDRESS: Limit = Limit {
    scope: "bridge_pairing",
    max_attempts: 10,
    window_seconds: 600,
};

const MAX_VERSION_LEN: usize = 40;

pub fn router() -> Router<AppState> {
    Router::new().route(protocol::PAIRING_PATH, post(pair))
}

fn refuse(status: StatusCode, code: &str, vi: &str, en: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            code: code.to_string(),
            message_vi: vi.to_string(),
            message_en: en.to_string(),
        }),
    )
        .into_response()
}

fn refuse_with(code: ErrorCode) -> Response {
    let status = StatusCode::from_u16(crate::platform::error::AppError::new(code).http_status())
        .unwrap_or(StatusCode::BAD_REQUEST);
    refuse(
        status,
        code.as_str(),
        code.text(Lang::Vi),
        code.text(Lang::En),
    )
}

fn invalid(detail_vi: &str, detail_en: &str) -> Response {
    refuse(
        StatusCode::BAD_REQUEST,
        "request_invalid",
        detail_vi,
        detail_en,
    )
}

async fn pair(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<PairingRequest>, JsonRejection>,
) -> Response {
    let now = state.clock.unix();
    let Ok(mut conn) = state.db.pool().acquire().await else {
        return refuse_with(ErrorCode::Unavailable);
    };
    let address = peer.ip().to_string();
    if let Err(error) = ratelimit::attempt(&mut conn, PAIRING_PER_ADDRESS, &address, now).await {
        return refuse_with(error.code);
    }
    let Ok(Json(request)) = body else {
        return invalid(
            "Yêu cầu ghép nối không hợp lệ.",
            "The pairing request is malformed.",
        );
    };
    if request.protocol_version != protocol::PROTOCOL_VERSION {
        return refuse(
            StatusCode::BAD_REQUEST,
            "protocol_unsupported",
            "Phiên bản pcsc-bridge không tương thích với máy chủ. Hãy cập nhật pcsc-bridge.",
            "This pcsc-bridge version does not match the server. Update pcsc-bridge.",
        );
    }
    let Ok(public_key) = protocol::decode_public_key(&request.public_key) else {
        return invalid(
            "Khoá công khai không hợp lệ.",
            "The public key is not valid.",
        );
    };
    let name = request.bridge_name.trim();
    let version = request.bridge_version.trim();
    if name.is_empty()
        || name.chars().count() > protocol::MAX_BRIDGE_NAME_LEN
        || name.chars().any(char::is_control)
        || version.is_empty()
        || version.len() > MAX_VERSION_LEN
        || !version.bytes().all(|b| b.is_ascii_graphic())
    {
        return invalid(
            "Tên hoặc phiên bản máy đọc không hợp lệ.",
            "The bridge name or version is not valid.",
        );
    }
    let Ok(mut tx) = state.db.pool().begin().await else {
        return refuse_with(ErrorCode::Unavailable);
    };
    match super::store::pair_bridge(
        &mut tx,
        &request.pairing_code,
        &public_key,
        name,
        version,
        now,
    )
    .await
    {
        Ok((school_id, bridge_id)) => {
            if tx.commit().await.is_err() {
                return refuse_with(ErrorCode::Unavailable);
            }
            let _ = ratelimit::succeeded(&mut conn, PAIRING_PER_ADDRESS, &address).await;
            tracing::info!(school_id, bridge = %bridge_id, "desk bridge paired");
            Json(PairingResponse { bridge_id }).into_response()
        }
        Err(error) => {
            tracing::info!(code = error.code.as_str(), "desk bridge pairing refused");
            refuse_with(error.code)
        }
    }
}
