//! Plain HTTP endpoints of the fees feature (mounted by the server's router):
//!
//! - `POST /webhooks/fees/{notifier_id}`: one endpoint per configured notifier (SePay or Casso).
//!   A bank's notifier is not a browser: it carries no cookie and no CSRF token, so this route is
//!   exempt from the CSRF check that guards server functions; it authenticates every delivery by
//!   the notifier's signature (or key) and timestamp instead. Answers 2xx `{"success": true}` once
//!   the transaction is counted (or was already), so the notifier stops retrying; a 5xx when the
//!   database cannot be reached, so it retries later.
//! - `GET /fees/receipts/{id}/einvoice.xml`: a receipt for an e-invoice provider.
//! - `GET /fees/reports/{kind}/xlsx?school=ID` and `…/svg?school=ID`: the fee reports as an
//!   Excel file and as a bar chart. Reads only (GET), with the session cookie, through `authorize`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::ReportKind;
use super::store::{self, DeliveryOutcome};
use crate::identity::authz::{Action, RequestFacts, authorize_with};
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::state::AppState;
use crate::reports::http::{file, refusal, xlsx};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/fees/{notifier_id}", post(webhook))
        .route("/fees/receipts/{id}/einvoice.xml", get(receipt_xml))
        .route("/fees/reports/{kind}/{format}", get(report_file))
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn webhook(
    State(state): State<AppState>,
    Path(notifier_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let now = state.clock.unix();
    match store::receive_delivery(&state.db, &state.crypto, notifier_id, &header, &body, now).await
    {
        Ok(None) => answer(
            StatusCode::NOT_FOUND,
            json!({"success": false, "error": "not_found"}),
        ),
        Ok(Some(DeliveryOutcome::Refused(verdict))) => {
            tracing::warn!(
                notifier = notifier_id,
                verdict = verdict.code(),
                "fee notification refused"
            );
            let status = match verdict {
                super::notifier::Verdict::Malformed => StatusCode::BAD_REQUEST,
                super::notifier::Verdict::Replayed => StatusCode::CONFLICT,
                _ => StatusCode::UNAUTHORIZED,
            };
            answer(status, json!({"success": false, "error": verdict.code()}))
        }
        Ok(Some(outcome)) => {
            tracing::info!(notifier = notifier_id, outcome = ?outcome, "fee notification");
            answer(StatusCode::OK, json!({"success": true}))
        }
        Err(error) => {
            tracing::warn!(
                notifier = notifier_id,
                code = error.code.as_str(),
                "fee notification not counted"
            );
            let status = match error.code {
                ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            answer(
                status,
                json!({"success": false, "error": error.code.as_str()}),
            )
        }
    }
}

async fn receipt_xml(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    parts: http::request::Parts,
) -> Response {
    let facts = RequestFacts::from_parts(&parts);
    let grant = match authorize_with(&state, &facts, &Action::ReadReceipt { receipt_id: id }).await
    {
        Ok(grant) => grant,
        Err(error) => return refusal(error),
    };
    let result = async {
        let mut conn = grant.conn().await?;
        store::receipt(&mut conn, &grant.actor, id, grant.now()).await
    }
    .await;
    match result {
        Ok(receipt) => file(
            "application/xml; charset=utf-8",
            &format!("bien-lai-{}.xml", receipt.number_label()),
            super::einvoice::receipt_xml(&receipt).into_bytes(),
        ),
        Err(error) => refusal(error),
    }
}

#[derive(Deserialize)]
struct ReportQuery {
    school: i64,
}

async fn report_file(
    State(state): State<AppState>,
    Path((kind, format)): Path<(String, String)>,
    Query(query): Query<ReportQuery>,
    parts: http::request::Parts,
) -> Response {
    let Some(report) = ReportKind::from_code(&kind) else {
        return refusal(AppError::new(ErrorCode::NotFound));
    };
    let facts = RequestFacts::from_parts(&parts);
    let action = Action::ManageFees {
        school_id: query.school,
    };
    let grant = match authorize_with(&state, &facts, &action).await {
        Ok(grant) => grant,
        Err(error) => return refusal(error),
    };
    let table = match super::api::build_report(&grant, query.school, report).await {
        Ok(table) => table,
        Err(error) => return refusal(error),
    };
    match format.as_str() {
        "xlsx" => xlsx(&table),
        "svg" => {
            let (label, value) = match report {
                ReportKind::ByClass => ("class", "outstanding"),
                ReportKind::Daily => ("day", "total"),
                ReportKind::Unmatched => ("received", "amount"),
            };
            match crate::reports::chart::bar_chart_svg(&table, label, value) {
                Some(svg) => {
                    let mut response = file(
                        "image/svg+xml",
                        &format!("{}.svg", table.name),
                        svg.into_bytes(),
                    );
                    response.headers_mut().remove(header::CONTENT_DISPOSITION);
                    response
                }
                None => refusal(AppError::new(ErrorCode::NotFound)),
            }
        }
        _ => refusal(AppError::new(ErrorCode::NotFound)),
    }
}
