//! Files in and out, as plain endpoints: server functions carry small bodies, while a ministry
//! workbook may weigh megabytes. Each endpoint goes through the same authorization as the server
//! functions (`authorize_with`: session, CSRF header on every POST, the school's records rule).
//! Uploads are raw request bodies read up to [`MAX_UPLOAD_BYTES`], so the browser can show the
//! upload's progress (XMLHttpRequest) and the server refuses a larger file with a clear error.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use super::MAX_UPLOAD_BYTES;
use super::rules::ImportKind;
use super::store::import::import_workbook;
use crate::identity::authz::{Action, Grant, RequestFacts, authorize_with};
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/records/import/{kind}", post(import))
        .route("/records/export/{kind}", post(export))
        .route("/records/police/export", post(police_export))
        .route("/records/police/import", post(police_import))
}

fn error_response(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(error)).into_response()
}

#[derive(Deserialize)]
struct FileQuery {
    school_id: i64,
    #[serde(default)]
    apply: bool,
    #[serde(default)]
    class_id: Option<i64>,
    #[serde(default)]
    format: Option<String>,
}

/// Authorizes a request for a school's records, then reads its body (at most `limit` bytes).
async fn authorized(
    state: &AppState,
    request: Request,
    limit: usize,
) -> Result<(Grant, FileQuery, Vec<u8>), AppError> {
    let (parts, body) = request.into_parts();
    let Query(query) = Query::<FileQuery>::try_from_uri(&parts.uri)
        .map_err(|_| AppError::for_field(ErrorCode::InvalidInput, "school_id"))?;
    let facts = RequestFacts::from_parts(&parts);
    let grant = authorize_with(
        state,
        &facts,
        &Action::ManageRecords {
            school_id: query.school_id,
        },
    )
    .await?;
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::new(ErrorCode::RecordsFileTooLarge))?;
    Ok((grant, query, bytes.to_vec()))
}

async fn import(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    request: Request,
) -> Response {
    let Some(kind) = ImportKind::from_code(&kind) else {
        return error_response(AppError::new(ErrorCode::NotFound));
    };
    let result = async {
        let (grant, query, bytes) = authorized(&state, request, MAX_UPLOAD_BYTES).await?;
        let now = grant.now();
        import_workbook(
            &state.db,
            &state.crypto,
            &grant.actor,
            query.school_id,
            kind,
            bytes,
            query.apply,
            super::local_date(now),
            now,
        )
        .await
    }
    .await;
    match result {
        Ok(report) => axum::Json(report).into_response(),
        Err(error) => {
            tracing::info!(code = error.code.as_str(), "records import refused");
            error_response(error)
        }
    }
}

fn file_response(bytes: Vec<u8>, filename: &str, csv: bool) -> Response {
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The `reason` field of a form body (application/x-www-form-urlencoded).
fn reason_of(bytes: &[u8]) -> String {
    url::form_urlencoded::parse(bytes)
        .find(|(key, _)| key == "reason")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

async fn export(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    request: Request,
) -> Response {
    let Some(kind) = ImportKind::from_code(&kind) else {
        return error_response(AppError::new(ErrorCode::NotFound));
    };
    let result = async {
        let (grant, query, body) = authorized(&state, request, 16 * 1024).await?;
        let reason = reason_of(&body);
        let mut tx = state.db.pool().begin().await?;
        let (headers, rows) = match kind {
            ImportKind::Students => {
                super::store::import::export_students(
                    &mut tx,
                    &state.crypto,
                    &grant.actor,
                    query.school_id,
                    query.class_id,
                    &reason,
                    grant.now(),
                )
                .await?
            }
            ImportKind::Staff => {
                super::store::import::export_staff(
                    &mut tx,
                    &state.crypto,
                    &grant.actor,
                    query.school_id,
                    &reason,
                    grant.now(),
                )
                .await?
            }
        };
        let (school_code, _, _) = super::store::school_info(&mut tx, query.school_id).await?;
        tx.commit().await?;
        let csv = query.format.as_deref() == Some("csv");
        let stem = match kind {
            ImportKind::Students => "hoc-sinh",
            ImportKind::Staff => "can-bo",
        };
        let bytes = if csv {
            super::xlsx::write_csv(&headers, &rows)
        } else {
            let sheet = match kind {
                ImportKind::Students => "Học sinh",
                ImportKind::Staff => "Cán bộ",
            };
            super::xlsx::write_sheet(sheet, &headers, &rows)?
        };
        let extension = if csv { "csv" } else { "xlsx" };
        Ok::<_, AppError>(file_response(
            bytes,
            &format!("{stem}-{school_code}.{extension}"),
            csv,
        ))
    }
    .await;
    result.unwrap_or_else(error_response)
}

async fn police_export(State(state): State<AppState>, request: Request) -> Response {
    let result = async {
        let (grant, query, body) = authorized(&state, request, 16 * 1024).await?;
        let reason = reason_of(&body);
        let mut tx = state.db.pool().begin().await?;
        let (headers, rows) = super::store::police::export_list(
            &mut tx,
            &state.crypto,
            &grant.actor,
            query.school_id,
            &reason,
            grant.now(),
        )
        .await?;
        let (school_code, _, _) = super::store::school_info(&mut tx, query.school_id).await?;
        tx.commit().await?;
        let bytes = super::xlsx::write_sheet("Xác thực", &headers, &rows)?;
        Ok::<_, AppError>(file_response(
            bytes,
            &format!("xac-thuc-cong-an-{school_code}.xlsx"),
            false,
        ))
    }
    .await;
    result.unwrap_or_else(error_response)
}

async fn police_import(State(state): State<AppState>, request: Request) -> Response {
    let result = async {
        let (grant, query, bytes) = authorized(&state, request, MAX_UPLOAD_BYTES).await?;
        let grid = tokio::task::spawn_blocking(move || super::xlsx::read_first_sheet(&bytes))
            .await
            .map_err(|_| AppError::new(ErrorCode::Internal))??;
        let (answers, errors) = super::rules::police::read_answers(&grid)
            .map_err(|column| AppError::for_field(ErrorCode::RecordsFileMissingColumn, column))?;
        let mut tx = state.db.pool().begin().await?;
        let report = super::store::police::apply_answers(
            &mut tx,
            &state.crypto,
            &grant.actor,
            query.school_id,
            &answers,
            errors,
            grant.now(),
        )
        .await?;
        if report.applied {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok::<_, AppError>(axum::Json(report).into_response())
    }
    .await;
    result.unwrap_or_else(error_response)
}
