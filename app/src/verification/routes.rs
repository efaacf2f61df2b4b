//! Plain HTTP endpoints of desk verification (mounted by the server's router): the bridge's
//! pairing (see [`super::pairing`]); `GET /desk/follow-up/xlsx?school=ID[&class=ID]`, the
//! follow-up list as an Excel file (audited like the page); `GET /desk/progress/xlsx[?school=ID]`,
//! the progress table (a school, or the district). Session cookie, through `authorize`.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::identity::authz::{Action, RequestFacts, authorize_with};
use crate::platform::state::AppState;
use crate::reports::http::{refusal, xlsx};

pub fn router() -> Router<AppState> {
    super::pairing::router()
        .route("/desk/follow-up/xlsx", get(follow_up_xlsx))
        .route("/desk/progress/xlsx", get(progress_xlsx))
}

#[derive(Deserialize)]
struct ProgressQuery {
    school: Option<i64>,
}

async fn progress_xlsx(
    State(state): State<AppState>,
    Query(query): Query<ProgressQuery>,
    parts: http::request::Parts,
) -> Response {
    let facts = RequestFacts::from_parts(&parts);
    let action = Action::ViewProgress {
        school_id: query.school,
    };
    let grant = match authorize_with(&state, &facts, &action).await {
        Ok(grant) => grant,
        Err(error) => return refusal(error),
    };
    match super::api::progress_view(&grant, query.school).await {
        Ok(view) => xlsx(&super::follow_up::progress_table(&view)),
        Err(error) => refusal(error),
    }
}

#[derive(Deserialize)]
struct FollowUpQuery {
    school: i64,
    class: Option<i64>,
}

async fn follow_up_xlsx(
    State(state): State<AppState>,
    Query(query): Query<FollowUpQuery>,
    parts: http::request::Parts,
) -> Response {
    let facts = RequestFacts::from_parts(&parts);
    let action = Action::VerificationFollowUp {
        school_id: query.school,
        class_id: query.class,
    };
    let grant = match authorize_with(&state, &facts, &action).await {
        Ok(grant) => grant,
        Err(error) => return refusal(error),
    };
    match super::api::follow_up_report(&grant, query.school, query.class).await {
        Ok(table) => xlsx(&table),
        Err(error) => refusal(error),
    }
}
