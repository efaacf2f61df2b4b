//! TEST ONLY: a stand-in for the school server's pairing endpoint, on 127.0.0.1.
//!
//! It accepts the pairing code `123456`, answers bridge ids `bridge-1`, `bridge-2`, … and
//! remembers every request, so a test can read the public key the bridge registered.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use tokio::net::TcpListener;

use crate::protocol::{self, ErrorBody, PairingRequest, PairingResponse};

/// The one pairing code the fake server accepts.
pub const GOOD_PAIRING_CODE: &str = "123456";

#[derive(Clone)]
pub struct FakeSchoolServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    registered: Arc<Mutex<Vec<PairingRequest>>>,
}

impl FakeSchoolServer {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let registered = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route(protocol::PAIRING_PATH, post(pair))
            .with_state(registered.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeSchoolServer { url, registered })
    }

    /// The pairing requests accepted so far.
    pub fn registered(&self) -> Vec<PairingRequest> {
        self.registered
            .lock()
            .map(|list| list.clone())
            .unwrap_or_default()
    }
}

async fn pair(
    State(registered): State<Arc<Mutex<Vec<PairingRequest>>>>,
    Json(request): Json<PairingRequest>,
) -> Response {
    if request.pairing_code != GOOD_PAIRING_CODE
        || protocol::decode_public_key(&request.public_key).is_err()
    {
        return (
            StatusCode::BAD_REQUEST,
            Json(ErrorBody {
                code: "pairing_code_invalid".to_owned(),
                message_vi: "Mã ghép nối không đúng hoặc đã hết hạn".to_owned(),
                message_en: "The pairing code is wrong or has expired".to_owned(),
            }),
        )
            .into_response();
    }
    let Ok(mut list) = registered.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    list.push(request);
    let bridge_id = format!("bridge-{}", list.len());
    Json(PairingResponse { bridge_id }).into_response()
}
