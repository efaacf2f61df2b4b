//! Server functions of the records feature.

use leptos::prelude::*;

use super::{ChildSummary, ClassListEntry, SchoolSummary, StaffClass, StaffRole};
use crate::identity::client::CsrfClient;
use crate::platform::error::AppError;

/// The district's schools with their size. Public: names and counts only, no personal data.
#[server(prefix = "/api", endpoint = "schools", client = CsrfClient)]
pub async fn list_schools() -> Result<Vec<SchoolSummary>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::Public).await?;
    let mut conn = grant.conn().await?;
    Ok(super::store::list_schools(&mut conn).await?)
}

/// A staff member's start screen.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StaffHomeView {
    pub school_id: i64,
    pub school_name: String,
    pub roles: Vec<StaffRole>,
    pub classes: Vec<StaffClass>,
}

#[server(prefix = "/api", endpoint = "staff_home", client = CsrfClient)]
pub async fn staff_home() -> Result<StaffHomeView, AppError> {
    use crate::identity::authz::{Action, ActivePersona, authorize};
    let grant = authorize(Action::StaffHome).await?;
    let Some(ActivePersona::Staff {
        school_id,
        staff_id,
        roles,
    }) = grant.persona.clone()
    else {
        return Err(crate::platform::error::ErrorCode::Forbidden.into());
    };
    let mut conn = grant.conn().await?;
    let whole_school = roles
        .iter()
        .any(|r| matches!(r, StaffRole::SchoolAdmin | StaffRole::Clerk));
    let classes = super::store::staff_classes(&mut conn, school_id, staff_id, whole_school).await?;
    let school_name: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(StaffHomeView {
        school_id,
        school_name,
        roles,
        classes,
    })
}

/// The students of a class, in class-list order.
#[server(prefix = "/api", endpoint = "class_list", client = CsrfClient)]
pub async fn class_list(class_id: i64) -> Result<(String, Vec<ClassListEntry>), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReadClassList { class_id }).await?;
    let mut conn = grant.conn().await?;
    let (school_id, name): (i64, String) =
        sqlx::query_as("SELECT school_id, name FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_one(&mut *conn)
            .await?;
    let list =
        super::store::class_list(&mut conn, &grant.actor, school_id, class_id, grant.now()).await?;
    Ok((name, list))
}

/// A guardian's children in the school of the persona they act as.
#[server(prefix = "/api", endpoint = "my_children", client = CsrfClient)]
pub async fn my_children() -> Result<Vec<ChildSummary>, AppError> {
    use crate::identity::authz::{Action, ActivePersona, authorize};
    let grant = authorize(Action::GuardianHome).await?;
    let Some(ActivePersona::Guardian {
        school_id,
        guardian_id,
    }) = grant.persona.clone()
    else {
        return Err(crate::platform::error::ErrorCode::Forbidden.into());
    };
    let mut conn = grant.conn().await?;
    super::store::guardian_children(&mut conn, &grant.actor, school_id, guardian_id, grant.now())
        .await
}
