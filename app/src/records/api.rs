//! Server functions of the records feature. Files (imports, exports, the police's lists) go
//! through the plain endpoints in `routes`; everything else is here.

use leptos::prelude::*;

use super::{
    CorrectionRequestView, FamilyData, GuardianForm, PoliceCorrectionView, RecordSummary,
    RolloverSummary, SchoolClasses, StaffForm, StudentDetail, StudentForm,
};
use crate::identity::client::CsrfClient;
use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
mod server {
    pub use crate::identity::authz::{Action, ActivePersona, Grant, authorize};
    pub use crate::platform::error::{AppError, ErrorCode};

    /// The guardian persona the grant acts as.
    pub fn guardian(grant: &Grant) -> Result<(i64, i64), AppError> {
        match &grant.persona {
            Some(ActivePersona::Guardian {
                school_id,
                guardian_id,
            }) => Ok((*school_id, *guardian_id)),
            _ => Err(AppError::new(ErrorCode::Forbidden)),
        }
    }

    pub async fn begin(grant: &Grant) -> Result<sqlx::Transaction<'static, sqlx::Any>, AppError> {
        Ok(grant.state.db.pool().begin().await?)
    }
}

/// A school's school id for the office screens: the staff persona's school.
#[server(prefix = "/api", endpoint = "records_home", client = CsrfClient)]
pub async fn records_home() -> Result<(i64, String), AppError> {
    use server::*;
    let grant = authorize(Action::StaffHome).await?;
    let school_id = grant
        .persona
        .as_ref()
        .and_then(|p| p.school_id())
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden))?;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut conn = grant.conn().await?;
    let (_, name, _) = super::store::school_info(&mut conn, school_id).await?;
    Ok((school_id, name))
}

/// Finds students, staff or guardians of a school by name (with or without diacritics), code or
/// personal ID number.
#[server(prefix = "/api", endpoint = "records_search", client = CsrfClient)]
pub async fn records_search(
    school_id: i64,
    kind: String,
    query: String,
    archived: bool,
) -> Result<Vec<RecordSummary>, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let kind = super::store::Kind::from_code(&kind)
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "kind"))?;
    let mut tx = begin(&grant).await?;
    let found = super::store::search(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        kind,
        &query,
        archived,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(found)
}

#[server(prefix = "/api", endpoint = "student_record", client = CsrfClient)]
pub async fn student_record(school_id: i64, student_id: i64) -> Result<StudentDetail, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    let detail = super::store::student_detail(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        student_id,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(detail)
}

#[server(prefix = "/api", endpoint = "save_student", client = CsrfClient)]
pub async fn save_student(school_id: i64, form: StudentForm) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    let now = grant.now();
    let id = super::store::save_student(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        &form,
        super::local_date(now),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Moves a student to another class, or records leaving, graduation, a transfer out of the
/// district, or a return. `on` is dd/mm/yyyy (today when empty).
#[server(prefix = "/api", endpoint = "student_life_event", client = CsrfClient)]
pub async fn student_life_event(
    school_id: i64,
    student_id: i64,
    event: String,
    class_id: Option<i64>,
    on: String,
) -> Result<(), AppError> {
    use super::store::LifeEvent;
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let event = match (event.as_str(), class_id) {
        ("move_class", Some(class)) => LifeEvent::MoveClass(class),
        ("left", _) => LifeEvent::Left,
        ("transferred_out", _) => LifeEvent::TransferredOut,
        ("graduated", _) => LifeEvent::Graduated,
        ("restore", _) => LifeEvent::Restore,
        _ => return Err(AppError::for_field(ErrorCode::InvalidInput, "event")),
    };
    let now = grant.now();
    let on = match on.trim() {
        "" => super::local_date(now),
        text => crate::platform::format::parse_date(text)
            .ok_or_else(|| AppError::for_field(ErrorCode::InvalidDate, "on"))?,
    };
    let mut tx = begin(&grant).await?;
    super::store::life_event(&mut tx, &grant.actor, school_id, student_id, event, on, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a student to another school of the district (district admins).
#[server(prefix = "/api", endpoint = "transfer_student", client = CsrfClient)]
pub async fn transfer_student(
    from_school_id: i64,
    student_id: i64,
    to_school_id: i64,
    to_class_id: i64,
) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::TransferStudent {
        from_school: from_school_id,
        to_school: to_school_id,
    })
    .await?;
    let now = grant.now();
    let mut tx = begin(&grant).await?;
    let id = super::store::transfer_between_schools(
        &mut tx,
        &grant.actor,
        from_school_id,
        student_id,
        to_school_id,
        to_class_id,
        super::local_date(now),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Shows a full personal ID number; the reason is required and kept in the audit trail.
#[server(prefix = "/api", endpoint = "reveal_personal_id", client = CsrfClient)]
pub async fn reveal_personal_id(
    school_id: i64,
    kind: String,
    record_id: i64,
    reason: String,
) -> Result<Option<String>, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let kind = super::store::Kind::from_code(&kind)
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "kind"))?;
    let mut tx = begin(&grant).await?;
    let id = super::store::reveal_personal_id(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        kind,
        record_id,
        &reason,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "save_staff", client = CsrfClient)]
pub async fn save_staff(school_id: i64, form: StaffForm) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    // Only the school's admins (and the district) may hand out the admin role.
    if form.roles.iter().any(|r| r == "school_admin") {
        authorize(Action::ManageSchool { school_id }).await?;
    }
    let mut tx = begin(&grant).await?;
    let id = super::store::save_staff(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        &form,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "archive_staff", client = CsrfClient)]
pub async fn archive_staff(school_id: i64, staff_id: i64) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    super::store::archive_staff(&mut tx, &grant.actor, school_id, staff_id, grant.now()).await?;
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "save_guardian", client = CsrfClient)]
pub async fn save_guardian(school_id: i64, form: GuardianForm) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    let id = super::store::save_guardian(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        &form,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "school_classes", client = CsrfClient)]
pub async fn load_school_classes(school_id: i64) -> Result<SchoolClasses, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut conn = grant.conn().await?;
    super::store::school_classes(&mut conn, school_id).await
}

#[server(prefix = "/api", endpoint = "save_class", client = CsrfClient)]
pub async fn save_class(
    school_id: i64,
    class_id: Option<i64>,
    grade: i64,
    name: String,
) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    let id = super::store::save_class(
        &mut tx,
        &grant.actor,
        school_id,
        class_id,
        grade,
        &name,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Who teaches a subject in a class (`subject_id` empty: the homeroom teacher); no teacher removes it.
#[server(prefix = "/api", endpoint = "save_assignment", client = CsrfClient)]
pub async fn save_assignment(
    school_id: i64,
    class_id: i64,
    subject_id: Option<i64>,
    staff_id: Option<i64>,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    super::store::save_assignment(
        &mut tx,
        &grant.actor,
        school_id,
        class_id,
        subject_id,
        staff_id,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new school year from the current one (school admins and the district); `apply` false previews.
#[server(prefix = "/api", endpoint = "year_rollover", client = CsrfClient)]
pub async fn year_rollover(
    school_id: i64,
    name: String,
    starts_on: String,
    ends_on: String,
    apply: bool,
) -> Result<RolloverSummary, AppError> {
    use server::*;
    let grant = authorize(Action::ManageSchool { school_id }).await?;
    let date = |text: &str, field: &str| {
        crate::platform::format::parse_date(text)
            .ok_or_else(|| AppError::for_field(ErrorCode::InvalidDate, field))
    };
    let (starts, ends) = (date(&starts_on, "starts_on")?, date(&ends_on, "ends_on")?);
    let mut tx = begin(&grant).await?;
    let summary = super::store::year_rollover(
        &mut tx,
        &grant.actor,
        school_id,
        &name,
        starts,
        ends,
        apply,
        grant.now(),
    )
    .await?;
    if apply {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(summary)
}

/// A school of the district as its admin sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DistrictSchool {
    pub id: i64,
    pub moet_code: String,
    pub name: String,
    pub admins: i64,
}

#[server(prefix = "/api", endpoint = "district_schools", client = CsrfClient)]
pub async fn district_schools() -> Result<Vec<DistrictSchool>, AppError> {
    use server::*;
    let grant = authorize(Action::ManageDistrict).await?;
    let Some(ActivePersona::DistrictAdmin { district_id, .. }) = grant.persona.clone() else {
        return Err(AppError::new(ErrorCode::Forbidden));
    };
    let mut conn = grant.conn().await?;
    Ok(super::store::district_schools(&mut conn, district_id)
        .await?
        .into_iter()
        .map(|(id, moet_code, name, admins)| DistrictSchool {
            id,
            moet_code,
            name,
            admins,
        })
        .collect())
}

/// A new school of the district (its data apart from every other school's).
#[server(prefix = "/api", endpoint = "create_school", client = CsrfClient)]
pub async fn create_school(moet_code: String, name: String) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::ManageDistrict).await?;
    let Some(ActivePersona::DistrictAdmin { district_id, .. }) = grant.persona.clone() else {
        return Err(AppError::new(ErrorCode::Forbidden));
    };
    let mut tx = begin(&grant).await?;
    let id = super::store::create_school(
        &mut tx,
        &grant.actor,
        district_id,
        &moet_code,
        &name,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A school's admin (principal), named by the district; they log in with VNeID by ID number.
#[server(prefix = "/api", endpoint = "create_school_admin", client = CsrfClient)]
pub async fn create_school_admin(school_id: i64, form: StaffForm) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::ManageDistrict).await?;
    let grant = authorize(Action::ManageSchool { school_id })
        .await
        .map(|_| grant)?;
    if form.personal_id.trim().is_empty() {
        return Err(AppError::for_field(
            ErrorCode::InvalidPersonalId,
            "personal_id",
        ));
    }
    let form = StaffForm {
        id: None,
        roles: vec!["school_admin".into()],
        ..form
    };
    let mut tx = begin(&grant).await?;
    let id = super::store::save_staff(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        &form,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "police_queue", client = CsrfClient)]
pub async fn police_queue(school_id: i64) -> Result<Vec<PoliceCorrectionView>, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    let list = super::store::police::queue(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(list)
}

/// Applies (or rejects) a correction the police returned.
#[server(prefix = "/api", endpoint = "resolve_police_correction", client = CsrfClient)]
pub async fn resolve_police_correction(
    school_id: i64,
    correction_id: i64,
    apply: bool,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    super::store::police::resolve(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        correction_id,
        apply,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The families' correction requests waiting for the office.
#[server(prefix = "/api", endpoint = "correction_requests", client = CsrfClient)]
pub async fn correction_requests(school_id: i64) -> Result<Vec<CorrectionRequestView>, AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut conn = grant.conn().await?;
    super::store::family::requests_of(&mut conn, school_id, None, true).await
}

#[server(prefix = "/api", endpoint = "resolve_correction_request", client = CsrfClient)]
pub async fn resolve_correction_request(
    school_id: i64,
    request_id: i64,
    done: bool,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::ManageRecords { school_id }).await?;
    let mut tx = begin(&grant).await?;
    super::store::family::resolve_request(
        &mut tx,
        &grant.actor,
        school_id,
        request_id,
        done,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Everything the school holds about the guardian and their children, and who read it.
#[server(prefix = "/api", endpoint = "family_data", client = CsrfClient)]
pub async fn load_family_data() -> Result<FamilyData, AppError> {
    use server::*;
    let grant = authorize(Action::OwnFamilyData).await?;
    let (school_id, guardian_id) = guardian(&grant)?;
    let mut tx = begin(&grant).await?;
    let data = super::store::family::family_data(
        &mut tx,
        &grant.state.crypto,
        &grant.actor,
        school_id,
        guardian_id,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(data)
}

/// Gives or withdraws consent for one child and purpose.
#[server(prefix = "/api", endpoint = "set_consent", client = CsrfClient)]
pub async fn set_consent(student_id: i64, purpose: String, give: bool) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::ChildConsent { student_id }).await?;
    let (school_id, guardian_id) = guardian(&grant)?;
    let purpose = super::Purpose::from_code(&purpose)
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "purpose"))?;
    let mut tx = begin(&grant).await?;
    super::store::family::set_consent(
        &mut tx,
        &grant.actor,
        school_id,
        guardian_id,
        student_id,
        purpose,
        give,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Asks the school to correct something it holds about the guardian or a child.
#[server(prefix = "/api", endpoint = "request_correction", client = CsrfClient)]
pub async fn request_correction(
    student_id: Option<i64>,
    field: String,
    requested: String,
) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::OwnFamilyData).await?;
    let (school_id, guardian_id) = guardian(&grant)?;
    let mut tx = begin(&grant).await?;
    let id = super::store::family::request_correction(
        &mut tx,
        &grant.actor,
        school_id,
        guardian_id,
        student_id,
        &field,
        &requested,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
