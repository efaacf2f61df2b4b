//! Reports as plain HTTP answers (GET with the session cookie): the Excel file of a [`Table`],
//! an attachment of any kind, and a refusal with its error code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Table;
use crate::platform::error::{AppError, ErrorCode};

/// A refusal as JSON with the error's status (401, 403, 404…), as server functions answer.
pub fn refusal(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::FORBIDDEN);
    (status, axum::Json(error)).into_response()
}

/// A download, never kept by a shared cache (it holds a school's data).
pub fn file(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The table as an Excel file named after it.
pub fn xlsx(table: &Table) -> Response {
    match super::xlsx::to_xlsx(table) {
        Ok(bytes) => file(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{}.xlsx", table.name),
            bytes,
        ),
        Err(error) => {
            tracing::error!(%error, "report could not be written as Excel");
            refusal(AppError::new(ErrorCode::Internal))
        }
    }
}
