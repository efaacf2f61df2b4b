//! Server functions of the records feature.

use leptos::prelude::*;

use super::SchoolSummary;
use crate::platform::error::AppError;

/// The district's schools with their size. Public: names and counts only, no personal data.
#[server(prefix = "/api", endpoint = "schools")]
pub async fn list_schools() -> Result<Vec<SchoolSummary>, AppError> {
    let state = crate::platform::state::use_app_state()?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(super::store::list_schools(&mut conn).await?)
}
