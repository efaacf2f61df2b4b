//! Server functions of the timetable feature. Each starts with `authorize`: building the
//! timetable needs the timetabler or school-admin role of that school; reading a week follows
//! who may see that class or teacher; feeds and notices belong to their owner.
//!
//! Structured arguments (edits, a reviewed FET mapping, the week's settings) travel as JSON text
//! in one argument, like the passkey ceremonies, so every endpoint takes plain form fields.

#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::fet::NameMapping;
use super::views::{
    DraftState, EditOutcome, EditorData, EditorHome, FeedView, FollowedWeeks, GridView,
    ImportPreview, NewFeed, NoticeView, PublishPreview, SettingsView, SubstitutionPlan,
    TimetableMeta, WeekView,
};
use crate::identity::client::CsrfClient;
use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
mod server {
    pub use crate::identity::authz::{Action, ActivePersona, Grant, authorize};
    pub use crate::platform::error::{AppError, ErrorCode};
    pub use crate::timetable::store::{days, drafts, feeds, model, school_today};

    /// Today at the school, or the date asked for.
    pub fn date_or_today(grant: &Grant, date: Option<String>) -> Result<time::Date, AppError> {
        match date.filter(|d| !d.trim().is_empty()) {
            Some(date) => drafts::date_argument(&date, "date"),
            None => Ok(school_today(grant.now())),
        }
    }

    pub fn parse_json<T: serde::de::DeserializeOwned>(
        text: &str,
        field: &str,
    ) -> Result<T, AppError> {
        serde_json::from_str(text).map_err(|_| AppError::for_field(ErrorCode::InvalidInput, field))
    }

    /// The school of the staff persona that acts.
    pub fn staff_school(grant: &Grant) -> Result<i64, AppError> {
        match &grant.persona {
            Some(ActivePersona::Staff { school_id, .. }) => Ok(*school_id),
            _ => Err(ErrorCode::Forbidden.into()),
        }
    }

    pub fn persona_school(grant: &Grant) -> Result<i64, AppError> {
        grant
            .persona
            .as_ref()
            .and_then(|p| p.school_id())
            .ok_or_else(|| ErrorCode::Forbidden.into())
    }
}

// ---------------------------------------------------------------- building the timetable

/// The editors' start page: drafts, versions, classes and teachers.
#[server(prefix = "/api", endpoint = "timetable_home", client = CsrfClient)]
pub async fn timetable_home(school_id: i64) -> Result<EditorHome, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mut conn = grant.conn().await?;
    let today = school_today(grant.now());
    let versions = drafts::list(&mut conn, school_id).await?;
    let published = drafts::published_versions(&mut conn, school_id).await?;
    let year = model::require_current_year(&mut conn, school_id).await?;
    let school = model::school_model(&mut conn, school_id, &year).await?;
    let school_name: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(EditorHome {
        school_id,
        school_name,
        today: crate::platform::format::iso_date(today),
        versions,
        in_force: drafts::in_force(&published, today).map(|v| v.id),
        classes: school
            .school
            .classes
            .iter()
            .map(|c| (c.id.0, c.name.clone()))
            .collect(),
        teachers: school
            .school
            .teachers
            .iter()
            .map(|t| (t.id.0, t.name.clone()))
            .collect(),
    })
}

/// The school week's settings, rooms, weekly counts and unavailable periods.
#[server(prefix = "/api", endpoint = "timetable_settings", client = CsrfClient)]
pub async fn timetable_settings(school_id: i64) -> Result<SettingsView, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mut conn = grant.conn().await?;
    let year = model::require_current_year(&mut conn, school_id).await?;
    let school = model::school_model(&mut conn, school_id, &year).await?;
    let unavailability = model::unavailability(&mut conn, school_id).await?;
    Ok(SettingsView {
        school_id,
        week: school.settings.week.clone(),
        rules: school.settings.rules.clone(),
        first_semester_weeks: school.settings.first_semester_weeks,
        second_semester_weeks: school.settings.second_semester_weeks,
        classes: school.class_settings.clone(),
        rooms: school.school.rooms.clone(),
        requirements: school.requirements.clone(),
        unavailability,
        teachers: school
            .school
            .teachers
            .iter()
            .map(|t| (t.id.0, t.name.clone()))
            .collect(),
    })
}

/// Saves the week (days, sessions and period times) and the soft rules' thresholds, given as the
/// JSON of the rules' `SchoolWeek` and `TimetableSettings`.
#[server(prefix = "/api", endpoint = "save_timetable_week", client = CsrfClient)]
pub async fn save_timetable_week(
    school_id: i64,
    week: String,
    rules: String,
    first_semester_weeks: u16,
    second_semester_weeks: u16,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let week: crate::timetable::rules::SchoolWeek = parse_json(&week, "week")?;
    let rules: crate::timetable::rules::TimetableSettings = parse_json(&rules, "rules")?;
    // The rules refuse a week they cannot check (no days, too many periods, a misplaced break).
    let probe = crate::timetable::rules::School {
        week: week.clone(),
        ..Default::default()
    };
    let empty = crate::timetable::rules::Timetable {
        semester: crate::timetable::rules::Semester::First,
        lessons: Vec::new(),
    };
    if crate::timetable::rules::check(&probe, &rules, &empty).is_err()
        || !(1..=30).contains(&first_semester_weeks)
        || !(1..=30).contains(&second_semester_weeks)
    {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "week"));
    }
    let mut conn = grant.conn().await?;
    model::save_settings(
        &mut conn,
        school_id,
        &model::StoredSettings {
            week,
            rules,
            first_semester_weeks,
            second_semester_weeks,
        },
        grant.now(),
    )
    .await
}

/// Which session a class studies in: `morning`, `afternoon` or `full_day`.
#[server(prefix = "/api", endpoint = "save_class_session", client = CsrfClient)]
pub async fn save_class_session(
    school_id: i64,
    class_id: i64,
    session: String,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mut conn = grant.conn().await?;
    model::set_class_session(&mut conn, school_id, class_id, &session).await
}

/// A room that is booked (lab, computer room, gym).
#[server(prefix = "/api", endpoint = "add_timetable_room", client = CsrfClient)]
pub async fn add_timetable_room(school_id: i64, name: String) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mut conn = grant.conn().await?;
    model::add_room(&mut conn, school_id, &name).await
}

/// A class × subject's weekly count per semester (empty: the curriculum's), doubles and room.
#[server(prefix = "/api", endpoint = "save_timetable_requirement", client = CsrfClient)]
pub async fn save_timetable_requirement(
    school_id: i64,
    class_id: i64,
    subject_id: i64,
    first_semester: Option<u8>,
    second_semester: Option<u8>,
    double_periods: u8,
    room_id: Option<i64>,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mut conn = grant.conn().await?;
    model::save_requirement(
        &mut conn,
        school_id,
        &model::RequirementChange {
            class_id,
            subject_id,
            first_semester,
            second_semester,
            double_periods,
            room_id,
        },
    )
    .await
}

/// A period, session (`period` empty) or day (`session` empty) a teacher cannot teach.
#[server(prefix = "/api", endpoint = "add_teacher_unavailability", client = CsrfClient)]
pub async fn add_teacher_unavailability(
    school_id: i64,
    staff_id: i64,
    day: String,
    session: Option<String>,
    period: Option<u8>,
) -> Result<i64, AppError> {
    use crate::timetable::views::{day_from_code, session_from_code};
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let day =
        day_from_code(&day).ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "day"))?;
    let session = match session.filter(|s| !s.is_empty()) {
        Some(code) => Some(
            session_from_code(&code)
                .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "session"))?,
        ),
        None => None,
    };
    let mut conn = grant.conn().await?;
    model::add_unavailability(
        &mut conn,
        school_id,
        staff_id,
        crate::timetable::rules::Unavailable {
            day,
            session,
            period,
        },
    )
    .await
}

#[server(prefix = "/api", endpoint = "remove_teacher_unavailability", client = CsrfClient)]
pub async fn remove_teacher_unavailability(school_id: i64, id: i64) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mut conn = grant.conn().await?;
    model::remove_unavailability(&mut conn, school_id, id).await
}

/// A new draft for a semester (1 or 2), empty or copied from another timetable of the school.
#[server(prefix = "/api", endpoint = "create_timetable_draft", client = CsrfClient)]
pub async fn create_timetable_draft(
    school_id: i64,
    semester: u8,
    name: String,
    copy_from: Option<i64>,
) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mut tx = grant.state.db.pool().begin().await?;
    let id = drafts::create_draft(
        &mut tx,
        &grant.actor,
        school_id,
        i64::from(semester),
        &name,
        copy_from,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Everything the editor needs; published versions open read-only.
#[server(prefix = "/api", endpoint = "timetable_editor", client = CsrfClient)]
pub async fn timetable_editor(timetable_id: i64) -> Result<EditorData, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetableVersion { timetable_id }).await?;
    let school_id = staff_school(&grant)?;
    let mut conn = grant.conn().await?;
    let meta = drafts::meta(&mut conn, school_id, timetable_id).await?;
    let year = model::require_current_year(&mut conn, school_id).await?;
    let school = model::school_model(&mut conn, school_id, &year).await?;
    let lessons = drafts::lessons(&mut conn, school_id, timetable_id).await?;
    Ok(EditorData {
        school_id,
        today: crate::platform::format::iso_date(school_today(grant.now())),
        meta,
        school: school.school,
        settings: school.settings.rules,
        assignments: school.assignments,
        lessons,
    })
}

/// Applies a batch of edits (JSON list of the rules' `Edit`) made on a device from
/// `base_revision`. `batch_id` is the device's id for the batch: sending it again is harmless.
#[server(prefix = "/api", endpoint = "apply_timetable_edits", client = CsrfClient)]
pub async fn apply_timetable_edits(
    timetable_id: i64,
    base_revision: i64,
    batch_id: String,
    edits: String,
) -> Result<EditOutcome, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetableVersion { timetable_id }).await?;
    let school_id = staff_school(&grant)?;
    let edits: Vec<crate::timetable::rules::Edit> = parse_json(&edits, "edits")?;
    let mut tx = grant.state.db.pool().begin().await?;
    let outcome = drafts::apply_edits(
        &mut tx,
        &grant.actor,
        school_id,
        timetable_id,
        base_revision,
        &batch_id,
        &edits,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The draft's revision, with its lessons if another editor changed it since `known_revision`.
#[server(prefix = "/api", endpoint = "timetable_state", client = CsrfClient)]
pub async fn timetable_state(
    timetable_id: i64,
    known_revision: i64,
) -> Result<DraftState, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetableVersion { timetable_id }).await?;
    let school_id = staff_school(&grant)?;
    let mut conn = grant.conn().await?;
    drafts::state_since(&mut conn, school_id, timetable_id, known_revision).await
}

/// What publishing from `effective_from` (ISO date) would change, for whom, and the conflicts.
#[server(prefix = "/api", endpoint = "timetable_publish_preview", client = CsrfClient)]
pub async fn timetable_publish_preview(
    timetable_id: i64,
    effective_from: String,
) -> Result<PublishPreview, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetableVersion { timetable_id }).await?;
    let school_id = staff_school(&grant)?;
    let from = drafts::date_argument(&effective_from, "effective_from")?;
    let mut conn = grant.conn().await?;
    drafts::publish_preview(&mut conn, school_id, timetable_id, from).await
}

/// Publishes the draft as seen at `revision` from `effective_from`; refused while a hard
/// conflict remains. Teachers and families whose week changes get a notice.
#[server(prefix = "/api", endpoint = "publish_timetable", client = CsrfClient)]
pub async fn publish_timetable(
    timetable_id: i64,
    revision: i64,
    effective_from: String,
) -> Result<TimetableMeta, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetableVersion { timetable_id }).await?;
    let school_id = staff_school(&grant)?;
    let from = drafts::date_argument(&effective_from, "effective_from")?;
    let mut tx = grant.state.db.pool().begin().await?;
    let meta = drafts::publish(
        &mut tx,
        &grant.actor,
        school_id,
        timetable_id,
        revision,
        from,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(meta)
}

#[server(prefix = "/api", endpoint = "delete_timetable_draft", client = CsrfClient)]
pub async fn delete_timetable_draft(timetable_id: i64) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetableVersion { timetable_id }).await?;
    let school_id = staff_school(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    drafts::delete_draft(&mut tx, school_id, timetable_id).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- FET import

/// Reads a FET file (`.fet` with its placed timetable, or the `*_timetable.csv` export) and
/// proposes how its names map to the school's. Nothing is saved. `mapping`, when given, is a
/// reviewed mapping (JSON) to check instead of the proposed one.
#[server(prefix = "/api", endpoint = "fet_preview", client = CsrfClient)]
pub async fn fet_preview(
    school_id: i64,
    content: String,
    mapping: Option<String>,
    semester: u8,
) -> Result<ImportPreview, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mut conn = grant.conn().await?;
    let year = model::require_current_year(&mut conn, school_id).await?;
    let school = model::school_model(&mut conn, school_id, &year).await?;
    let mapping: Option<NameMapping> = match mapping.filter(|m| !m.trim().is_empty()) {
        Some(text) => Some(parse_json(&text, "mapping")?),
        None => None,
    };
    Ok(crate::timetable::import::preview(
        &content,
        &school.school,
        &school.settings.rules,
        mapping,
        crate::timetable::store::semester_from_number(i64::from(semester)),
    ))
}

/// Imports a FET file with the reviewed mapping as a new draft; returns its id. A file that
/// cannot be read is refused and nothing is saved.
#[server(prefix = "/api", endpoint = "fet_apply", client = CsrfClient)]
pub async fn fet_apply(
    school_id: i64,
    content: String,
    mapping: String,
    semester: u8,
    name: String,
) -> Result<i64, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let mapping: NameMapping = parse_json(&mapping, "mapping")?;
    let mut tx = grant.state.db.pool().begin().await?;
    let year = model::require_current_year(&mut tx, school_id).await?;
    let school = model::school_model(&mut tx, school_id, &year).await?;
    let imported = crate::timetable::import::convert(
        &content,
        &school.school,
        &mapping,
        crate::timetable::store::semester_from_number(i64::from(semester)),
    )
    .map_err(|_| AppError::new(ErrorCode::TimetableImportInvalid))?;
    let id = drafts::create(
        &mut tx,
        &drafts::NewTimetable {
            school_id,
            school_year_id: year.id,
            semester: i64::from(semester),
            name: &name,
            source: "fet",
            based_on: None,
            created_by: grant.actor.id,
        },
        grant.now(),
    )
    .await?;
    drafts::insert_lessons(&mut tx, school_id, id, &imported.timetable.lessons).await?;
    crate::platform::audit::record(
        &mut tx,
        &grant.actor,
        crate::platform::audit::AuditEvent {
            school_id: Some(school_id),
            action: crate::platform::audit::AuditAction::Import,
            entity: "timetable",
            entity_id: Some(id),
            reason: None,
            detail: serde_json::json!({
                "lessons": imported.timetable.lessons.len(),
                "issues": imported.issues.len(),
            }),
        },
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ---------------------------------------------------------------- substitutions

/// The absent teachers of a date (ISO; default today), their lessons and free colleagues, same
/// subject first.
#[server(prefix = "/api", endpoint = "substitution_day", client = CsrfClient)]
pub async fn substitution_day(
    school_id: i64,
    date: Option<String>,
) -> Result<SubstitutionPlan, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let date = date_or_today(&grant, date)?;
    let mut conn = grant.conn().await?;
    days::substitution_day(&mut conn, school_id, date).await
}

#[server(prefix = "/api", endpoint = "mark_teacher_absent", client = CsrfClient)]
pub async fn mark_teacher_absent(
    school_id: i64,
    staff_id: i64,
    date: String,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let date = drafts::date_argument(&date, "date")?;
    let mut tx = grant.state.db.pool().begin().await?;
    days::mark_absent(
        &mut tx,
        &grant.actor,
        school_id,
        staff_id,
        date,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "clear_teacher_absence", client = CsrfClient)]
pub async fn clear_teacher_absence(
    school_id: i64,
    staff_id: i64,
    date: String,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let date = drafts::date_argument(&date, "date")?;
    let mut tx = grant.state.db.pool().begin().await?;
    days::clear_absence(
        &mut tx,
        &grant.actor,
        school_id,
        staff_id,
        date,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Who takes an absent teacher's lesson on a date; no substitute: the lesson is not held.
#[server(prefix = "/api", endpoint = "choose_substitute", client = CsrfClient)]
pub async fn choose_substitute(
    school_id: i64,
    date: String,
    lesson_id: i64,
    substitute: Option<i64>,
) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let date = drafts::date_argument(&date, "date")?;
    let mut tx = grant.state.db.pool().begin().await?;
    days::set_substitution(
        &mut tx,
        &grant.actor,
        school_id,
        date,
        lesson_id,
        substitute,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Shows the day's substitutions to families and teachers, with notices.
#[server(prefix = "/api", endpoint = "publish_substitutions", client = CsrfClient)]
pub async fn publish_substitutions(school_id: i64, date: String) -> Result<usize, AppError> {
    use server::*;
    let grant = authorize(Action::EditTimetable { school_id }).await?;
    let date = drafts::date_argument(&date, "date")?;
    let mut tx = grant.state.db.pool().begin().await?;
    let count =
        days::publish_substitutions(&mut tx, &grant.actor, school_id, date, grant.now()).await?;
    tx.commit().await?;
    Ok(count)
}

// ---------------------------------------------------------------- seeing it

/// The next school days of a class from `date` (default today), today first.
#[server(prefix = "/api", endpoint = "class_week", client = CsrfClient)]
pub async fn class_week(class_id: i64, date: Option<String>) -> Result<WeekView, AppError> {
    use server::*;
    let grant = authorize(Action::ReadClassTimetable { class_id }).await?;
    let today = date_or_today(&grant, date)?;
    let mut conn = grant.conn().await?;
    let school_id: i64 = sqlx::query_scalar("SELECT school_id FROM classes WHERE id = $1")
        .bind(class_id)
        .fetch_one(&mut *conn)
        .await?;
    days::week_view(
        &mut conn,
        school_id,
        crate::timetable::views::WeekOf::Class(class_id),
        today,
        6,
    )
    .await
}

/// The next school days of a teacher, with the lessons they take for absent colleagues.
#[server(prefix = "/api", endpoint = "teacher_week", client = CsrfClient)]
pub async fn teacher_week(staff_id: i64, date: Option<String>) -> Result<WeekView, AppError> {
    use server::*;
    let grant = authorize(Action::ReadTeacherTimetable { staff_id }).await?;
    let today = date_or_today(&grant, date)?;
    let mut conn = grant.conn().await?;
    let school_id: i64 = sqlx::query_scalar("SELECT school_id FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_one(&mut *conn)
        .await?;
    days::week_view(
        &mut conn,
        school_id,
        crate::timetable::views::WeekOf::Teacher(staff_id),
        today,
        6,
    )
    .await
}

/// A class's week as one table, for printing.
#[server(prefix = "/api", endpoint = "class_grid", client = CsrfClient)]
pub async fn class_grid(class_id: i64) -> Result<GridView, AppError> {
    use server::*;
    let grant = authorize(Action::ReadClassTimetable { class_id }).await?;
    let mut conn = grant.conn().await?;
    let school_id: i64 = sqlx::query_scalar("SELECT school_id FROM classes WHERE id = $1")
        .bind(class_id)
        .fetch_one(&mut *conn)
        .await?;
    days::grid_view(
        &mut conn,
        school_id,
        crate::timetable::views::WeekOf::Class(class_id),
        school_today(grant.now()),
    )
    .await
}

/// A teacher's week as one table, for printing.
#[server(prefix = "/api", endpoint = "teacher_grid", client = CsrfClient)]
pub async fn teacher_grid(staff_id: i64) -> Result<GridView, AppError> {
    use server::*;
    let grant = authorize(Action::ReadTeacherTimetable { staff_id }).await?;
    let mut conn = grant.conn().await?;
    let school_id: i64 = sqlx::query_scalar("SELECT school_id FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_one(&mut *conn)
        .await?;
    days::grid_view(
        &mut conn,
        school_id,
        crate::timetable::views::WeekOf::Teacher(staff_id),
        school_today(grant.now()),
    )
    .await
}

/// The weeks the persona follows: a teacher's own and classes, a student's class, a guardian's
/// children's classes.
#[server(prefix = "/api", endpoint = "my_timetables", client = CsrfClient)]
pub async fn my_timetables() -> Result<FollowedWeeks, AppError> {
    use server::*;
    let grant = authorize(Action::OwnTimetable).await?;
    let mut conn = grant.conn().await?;
    crate::timetable::store::days::my_timetables(&mut conn, &grant).await
}

/// A teacher's own week, or a student's class's week.
#[server(prefix = "/api", endpoint = "my_week", client = CsrfClient)]
pub async fn my_week(date: Option<String>) -> Result<WeekView, AppError> {
    use crate::timetable::views::WeekOf;
    use server::*;
    let grant = authorize(Action::OwnTimetable).await?;
    let today = date_or_today(&grant, date)?;
    let school_id = persona_school(&grant)?;
    let mut conn = grant.conn().await?;
    let mine = crate::timetable::store::days::my_timetables(&mut conn, &grant).await?;
    let Some(own) = mine.own else {
        return Err(ErrorCode::NotFound.into());
    };
    if let (WeekOf::Class(_), Some(ActivePersona::Student { student_id, .. })) =
        (own.of, &grant.persona)
    {
        crate::platform::audit::record(
            &mut conn,
            &grant.actor,
            crate::platform::audit::AuditEvent {
                school_id: Some(school_id),
                action: crate::platform::audit::AuditAction::Read,
                entity: "student_timetable",
                entity_id: Some(*student_id),
                reason: None,
                detail: serde_json::json!({}),
            },
            grant.now(),
        )
        .await?;
    }
    days::week_view(&mut conn, school_id, own.of, today, 6).await
}

// ---------------------------------------------------------------- calendar feeds

/// A secret calendar URL for a class's week (shown once; revocable).
#[server(prefix = "/api", endpoint = "create_class_feed", client = CsrfClient)]
pub async fn create_class_feed(class_id: i64) -> Result<NewFeed, AppError> {
    use server::*;
    let grant = authorize(Action::ReadClassTimetable { class_id }).await?;
    create_feed(grant, crate::timetable::views::WeekOf::Class(class_id)).await
}

/// A secret calendar URL for a teacher's week.
#[server(prefix = "/api", endpoint = "create_teacher_feed", client = CsrfClient)]
pub async fn create_teacher_feed(staff_id: i64) -> Result<NewFeed, AppError> {
    use server::*;
    let grant = authorize(Action::ReadTeacherTimetable { staff_id }).await?;
    create_feed(grant, crate::timetable::views::WeekOf::Teacher(staff_id)).await
}

#[cfg(feature = "ssr")]
async fn create_feed(
    grant: server::Grant,
    of: crate::timetable::views::WeekOf,
) -> Result<NewFeed, AppError> {
    use server::*;
    let session = grant.session()?;
    let persona = session
        .persona
        .clone()
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden))?;
    let school_id = match of {
        crate::timetable::views::WeekOf::Class(id) => {
            let mut conn = grant.conn().await?;
            sqlx::query_scalar::<_, i64>("SELECT school_id FROM classes WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?
        }
        crate::timetable::views::WeekOf::Teacher(id) => {
            let mut conn = grant.conn().await?;
            sqlx::query_scalar::<_, i64>("SELECT school_id FROM staff WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?
        }
    };
    let mut tx = grant.state.db.pool().begin().await?;
    let (id, secret) = feeds::create_feed(
        &mut tx,
        &grant.actor,
        school_id,
        of,
        session.account_id,
        &persona,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(NewFeed {
        id,
        url: format!(
            "{}/ics/{id}.{secret}.ics",
            grant.state.settings.public_url.trim_end_matches('/')
        ),
    })
}

/// The account's calendar feeds.
#[server(prefix = "/api", endpoint = "my_feeds", client = CsrfClient)]
pub async fn my_feeds() -> Result<Vec<FeedView>, AppError> {
    use server::*;
    let grant = authorize(Action::OwnAccount).await?;
    let account = grant.account()?.id;
    let mut conn = grant.conn().await?;
    Ok(feeds::feeds_of(&mut conn, account).await?)
}

/// Stops a feed's URL from working.
#[server(prefix = "/api", endpoint = "revoke_feed", client = CsrfClient)]
pub async fn revoke_feed(feed_id: i64) -> Result<(), AppError> {
    use server::*;
    let grant = authorize(Action::ManageFeed { feed_id }).await?;
    let account = grant.account()?.id;
    let mut tx = grant.state.db.pool().begin().await?;
    feeds::revoke_feed(&mut tx, &grant.actor, account, feed_id, grant.now()).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- notices

/// The persona's newest notices, unread first.
#[server(prefix = "/api", endpoint = "my_notices", client = CsrfClient)]
pub async fn my_notices() -> Result<Vec<NoticeView>, AppError> {
    use server::*;
    let grant = authorize(Action::OwnNotices).await?;
    let school_id = persona_school(&grant)?;
    let recipient = grant
        .persona
        .as_ref()
        .and_then(feeds::recipient_of)
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden))?;
    let mut conn = grant.conn().await?;
    Ok(feeds::notices_for(&mut conn, school_id, recipient).await?)
}

/// Marks the persona's notices read.
#[server(prefix = "/api", endpoint = "read_my_notices", client = CsrfClient)]
pub async fn read_my_notices() -> Result<u64, AppError> {
    use server::*;
    let grant = authorize(Action::OwnNotices).await?;
    let school_id = persona_school(&grant)?;
    let recipient = grant
        .persona
        .as_ref()
        .and_then(feeds::recipient_of)
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden))?;
    let mut conn = grant.conn().await?;
    Ok(feeds::mark_notices_read(&mut conn, school_id, recipient, grant.now()).await?)
}
