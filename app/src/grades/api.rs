//! Server functions of grades. Each starts with `authorize` and works only through its `Grant`.

use leptos::prelude::*;

use super::model::{
    CellEdit, ChildGradesView, ClassResultsView, Column, EditOutcome, ExcelFile, GradeAdminView,
    GradesHome, HistoryEntry, ImportPreview, SheetView, WindowStatus,
};
use crate::identity::client::CsrfClient;
use crate::platform::error::AppError;

/// Most edits one call may carry (a full sheet of 50 students × 11 columns fits).
pub const MAX_EDITS_PER_CALL: usize = 1_000;

#[cfg(feature = "ssr")]
mod server {
    use sqlx::AnyConnection;

    use super::super::store::{self, ClassContext, SubjectInfo};
    use crate::identity::authz::{ActivePersona, Grant};
    use crate::platform::error::{AppError, ErrorCode};

    pub fn invalid(field: &str) -> AppError {
        AppError::for_field(ErrorCode::InvalidInput, field)
    }

    pub fn check_semester(semester: u8) -> Result<(), AppError> {
        if (1..=2).contains(&semester) {
            Ok(())
        } else {
            Err(invalid("semester"))
        }
    }

    /// The staff member acting (school, staff id).
    pub fn staff(grant: &Grant) -> Result<(i64, i64), AppError> {
        match &grant.persona {
            Some(ActivePersona::Staff {
                school_id,
                staff_id,
                ..
            }) => Ok((*school_id, *staff_id)),
            _ => Err(AppError::new(ErrorCode::Forbidden)),
        }
    }

    pub async fn class_and_subject(
        conn: &mut AnyConnection,
        class_id: i64,
        subject_id: i64,
    ) -> Result<(ClassContext, SubjectInfo), AppError> {
        let class = store::class_context(conn, class_id).await?;
        let subject = store::subject_info(conn, class.school_id, subject_id, class.grade).await?;
        Ok((class, subject))
    }

    pub async fn is_assigned(
        conn: &mut AnyConnection,
        class: &ClassContext,
        staff_id: i64,
        subject_id: Option<i64>,
    ) -> Result<bool, AppError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM teaching_assignments WHERE school_id = $1 AND class_id = $2 AND staff_id = $3
               AND kind = $4 AND ($5 = 0 OR subject_id = $5)",
        )
        .bind(class.school_id)
        .bind(class.class_id)
        .bind(staff_id)
        .bind(if subject_id.is_some() { "subject" } else { "homeroom" })
        .bind(subject_id.unwrap_or(0))
        .fetch_one(conn)
        .await?;
        Ok(count > 0)
    }

    pub fn decode_file(base64_text: &str) -> Result<Vec<u8>, AppError> {
        use base64::Engine as _;
        let text = base64_text
            .split_once(',')
            .map_or(base64_text, |(_, data)| data)
            .trim();
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| AppError::new(ErrorCode::ImportNotASpreadsheet))
    }
}

/// The teacher's sheets and homeroom classes (and, for the school admin, every class).
#[server(prefix = "/api", endpoint = "my_grades", client = CsrfClient)]
pub async fn my_grades() -> Result<GradesHome, AppError> {
    use crate::identity::authz::{Action, ActivePersona, authorize};
    use crate::people::StaffRole;
    let grant = authorize(Action::StaffHome).await?;
    let (school_id, staff_id) = server::staff(&grant)?;
    let is_admin = matches!(&grant.persona, Some(ActivePersona::Staff { roles, .. }) if roles.contains(&StaffRole::SchoolAdmin));
    let mut conn = grant.conn().await?;
    super::store::my_grades(&mut conn, school_id, staff_id, is_admin).await
}

/// A class × subject × semester score sheet.
#[server(prefix = "/api", endpoint = "score_sheet", client = CsrfClient)]
pub async fn score_sheet(
    class_id: i64,
    subject_id: i64,
    semester: u8,
) -> Result<SheetView, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReadScoreSheet {
        class_id,
        subject_id,
    })
    .await?;
    server::check_semester(semester)?;
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let (class, subject) = server::class_and_subject(&mut tx, class_id, subject_id).await?;
    let can_edit = server::is_assigned(&mut tx, &class, staff_id, Some(subject_id)).await?;
    let request = super::store::SheetRequest {
        actor: &grant.actor,
        class: &class,
        subject: &subject,
        semester,
        can_edit,
        viewer_staff_id: staff_id,
    };
    let sheet = super::store::sheet(&mut tx, &request, grant.now()).await?;
    tx.commit().await?;
    Ok(sheet)
}

/// Stores what the teacher typed (queued on the device, online or not), each edit on its own
/// terms: applied once, a conflict with the other value, or refused with a code.
#[server(prefix = "/api", endpoint = "save_scores", client = CsrfClient)]
pub async fn save_scores(
    class_id: i64,
    subject_id: i64,
    semester: u8,
    edits: Vec<CellEdit>,
) -> Result<Vec<EditOutcome>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::EditScores {
        class_id,
        subject_id,
    })
    .await?;
    server::check_semester(semester)?;
    if edits.len() > MAX_EDITS_PER_CALL {
        return Err(server::invalid("edits"));
    }
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let (class, subject) = server::class_and_subject(&mut tx, class_id, subject_id).await?;
    let batch = super::store::EditBatch {
        actor: &grant.actor,
        staff_id,
        class: &class,
        subject: &subject,
        semester,
    };
    let outcomes = super::store::apply_edits(&mut tx, &batch, &edits, grant.now()).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Shows a column to parents and students, or hides it again.
#[server(prefix = "/api", endpoint = "release_column", client = CsrfClient)]
pub async fn release_column(
    class_id: i64,
    subject_id: i64,
    semester: u8,
    column: Column,
    released: bool,
) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::EditScores {
        class_id,
        subject_id,
    })
    .await?;
    server::check_semester(semester)?;
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let (class, _) = server::class_and_subject(&mut tx, class_id, subject_id).await?;
    super::store::set_release(
        &mut tx,
        &grant.actor,
        &class,
        subject_id,
        semester,
        column,
        released,
        staff_id,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Every change of one cell: who, when, old → new, why.
#[server(prefix = "/api", endpoint = "score_history", client = CsrfClient)]
pub async fn score_history(
    class_id: i64,
    subject_id: i64,
    semester: u8,
    student_id: i64,
    column: Column,
) -> Result<Vec<HistoryEntry>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReadScoreSheet {
        class_id,
        subject_id,
    })
    .await?;
    server::check_semester(semester)?;
    let mut conn = grant.conn().await?;
    let (class, _) = server::class_and_subject(&mut conn, class_id, subject_id).await?;
    let semester_id =
        super::store::semester_id(&mut conn, class.school_id, class.school_year_id, semester)
            .await?;
    let cell = super::store::CellRef {
        school_id: class.school_id,
        student_id,
        subject_id,
        semester_id,
        column,
    };
    super::store::history(&mut conn, &cell).await
}

/// After locking: asks the school admin to change a score, with a reason.
#[server(prefix = "/api", endpoint = "request_score_correction", client = CsrfClient)]
#[allow(clippy::too_many_arguments)]
pub async fn request_correction(
    class_id: i64,
    subject_id: i64,
    semester: u8,
    student_id: i64,
    column: Column,
    value: String,
    note: Option<String>,
    reason: String,
) -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::EditScores {
        class_id,
        subject_id,
    })
    .await?;
    server::check_semester(semester)?;
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let (class, subject) = server::class_and_subject(&mut tx, class_id, subject_id).await?;
    let request = super::store::CorrectionRequest {
        actor: &grant.actor,
        staff_id,
        class: &class,
        subject: &subject,
        semester,
        student_id,
        column,
        value: &value,
        note: note.as_deref(),
        reason: &reason,
    };
    let id = super::store::request_correction(&mut tx, &request, grant.now()).await?;
    tx.commit().await?;
    Ok(id)
}

/// The school admin's page: entry windows, corrections to decide, settings.
#[server(prefix = "/api", endpoint = "grade_admin", client = CsrfClient)]
pub async fn grade_admin() -> Result<GradeAdminView, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageGrades).await?;
    let (school_id, _) = server::staff(&grant)?;
    let mut conn = grant.conn().await?;
    let (windows, corrections) = super::store::admin_view(&mut conn, school_id).await?;
    let settings = super::store::grading_settings(&mut conn, school_id).await?;
    Ok(GradeAdminView {
        windows,
        corrections,
        settings,
    })
}

/// Opens a semester for entry, or locks it.
#[server(prefix = "/api", endpoint = "set_grade_window", client = CsrfClient)]
pub async fn set_grade_window(semester_id: i64, status: WindowStatus) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageGrades).await?;
    let (school_id, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    super::store::set_window(
        &mut tx,
        &grant.actor,
        school_id,
        semester_id,
        status,
        Some(staff_id),
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves (the change is written with its reason) or rejects a correction.
#[server(prefix = "/api", endpoint = "decide_correction", client = CsrfClient)]
pub async fn decide_correction(correction_id: i64, approve: bool) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageGrades).await?;
    let (school_id, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    super::store::decide_correction(
        &mut tx,
        &grant.actor,
        school_id,
        Some(staff_id),
        correction_id,
        approve,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the school's grading settings (JSON of `GradingSettings`; missing fields take the
/// reference's defaults).
#[server(prefix = "/api", endpoint = "save_grading_settings", client = CsrfClient)]
pub async fn save_grading_settings(settings: String) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageGrades).await?;
    let (school_id, staff_id) = server::staff(&grant)?;
    let parsed: super::rules::GradingSettings =
        serde_json::from_str(&settings).map_err(|_| server::invalid("settings"))?;
    let mut tx = grant.state.db.pool().begin().await?;
    super::store::save_grading_settings(
        &mut tx,
        &grant.actor,
        school_id,
        Some(staff_id),
        &parsed,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A class's results, conduct, absences, promotion and awards.
#[server(prefix = "/api", endpoint = "class_results", client = CsrfClient)]
pub async fn class_results(class_id: i64) -> Result<ClassResultsView, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReadClassResults { class_id }).await?;
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let class = super::store::class_context(&mut tx, class_id).await?;
    let can_edit = server::is_assigned(&mut tx, &class, staff_id, None).await?;
    let view =
        super::store::class_results(&mut tx, &grant.actor, &class, can_edit, grant.now()).await?;
    tx.commit().await?;
    Ok(view)
}

/// The homeroom teacher's conduct for a student and semester ("good", "fair", "pass",
/// "not_yet"; empty removes it).
#[server(prefix = "/api", endpoint = "save_conduct", client = CsrfClient)]
pub async fn save_conduct(
    class_id: i64,
    student_id: i64,
    semester: u8,
    level: String,
) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::HomeroomEntry { class_id }).await?;
    server::check_semester(semester)?;
    let level = match level.trim() {
        "" => None,
        code => Some(super::rules::Level::from_code(code).ok_or_else(|| server::invalid("level"))?),
    };
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let class = super::store::class_context(&mut tx, class_id).await?;
    super::store::save_conduct(
        &mut tx,
        &grant.actor,
        &class,
        student_id,
        semester,
        level,
        staff_id,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Days absent in the year, typed by the homeroom teacher (a stand-in until attendance records
/// them; empty removes the entry).
#[server(prefix = "/api", endpoint = "save_absences", client = CsrfClient)]
pub async fn save_absences(class_id: i64, student_id: i64, days: String) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::HomeroomEntry { class_id }).await?;
    let days = match days.trim() {
        "" => None,
        text => Some(text.parse::<u16>().map_err(|_| server::invalid("days"))?),
    };
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let class = super::store::class_context(&mut tx, class_id).await?;
    super::store::save_absences(
        &mut tx,
        &grant.actor,
        &class,
        student_id,
        days,
        staff_id,
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A child's released scores, averages and results, for their guardian or themselves.
#[server(prefix = "/api", endpoint = "child_grades", client = CsrfClient)]
pub async fn child_grades(student_id: i64) -> Result<ChildGradesView, AppError> {
    use crate::identity::authz::{Action, ActivePersona, authorize};
    let grant = authorize(Action::ReadChild { student_id }).await?;
    let viewer = match &grant.persona {
        Some(ActivePersona::Guardian { guardian_id, .. }) => super::store::Viewer {
            kind: "guardian",
            id: *guardian_id,
        },
        Some(ActivePersona::Student { student_id, .. }) => super::store::Viewer {
            kind: "student",
            id: *student_id,
        },
        _ => return Err(crate::platform::error::ErrorCode::Forbidden.into()),
    };
    let mut tx = grant.state.db.pool().begin().await?;
    let view =
        super::store::child_grades(&mut tx, &grant.actor, student_id, viewer, grant.now()).await?;
    tx.commit().await?;
    Ok(view)
}

/// The sheet as an Excel workbook with vnEdu-style headers.
#[server(prefix = "/api", endpoint = "export_score_sheet", client = CsrfClient)]
pub async fn export_score_sheet(
    class_id: i64,
    subject_id: i64,
    semester: u8,
) -> Result<ExcelFile, AppError> {
    use crate::identity::authz::{Action, authorize};
    use crate::platform::audit::{self, AuditAction, AuditEvent};
    use base64::Engine as _;
    let grant = authorize(Action::ReadScoreSheet {
        class_id,
        subject_id,
    })
    .await?;
    server::check_semester(semester)?;
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let (class, subject) = server::class_and_subject(&mut tx, class_id, subject_id).await?;
    let request = super::store::SheetRequest {
        actor: &grant.actor,
        class: &class,
        subject: &subject,
        semester,
        can_edit: false,
        viewer_staff_id: staff_id,
    };
    let sheet = super::store::sheet(&mut tx, &request, grant.now()).await?;
    let bytes = super::excel::export(&sheet)?;
    audit::record(
        &mut tx,
        &grant.actor,
        AuditEvent {
            school_id: Some(class.school_id),
            action: AuditAction::Export,
            entity: "score_sheet",
            entity_id: Some(class_id),
            reason: None,
            detail: serde_json::json!({ "subject_id": subject_id, "semester": semester }),
        },
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    let code: String = subject
        .name_vi
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    Ok(ExcelFile {
        file_name: format!("bang-diem-{}-{}-hk{}.xlsx", class.name, code, semester),
        base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

/// What importing this workbook would change, and every row that cannot be read.
#[server(prefix = "/api", endpoint = "preview_score_import", client = CsrfClient)]
pub async fn preview_score_import(
    class_id: i64,
    subject_id: i64,
    semester: u8,
    file: String,
) -> Result<ImportPreview, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::EditScores {
        class_id,
        subject_id,
    })
    .await?;
    server::check_semester(semester)?;
    let bytes = server::decode_file(&file)?;
    let (_, staff_id) = server::staff(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    let (class, subject) = server::class_and_subject(&mut tx, class_id, subject_id).await?;
    let request = super::store::SheetRequest {
        actor: &grant.actor,
        class: &class,
        subject: &subject,
        semester,
        can_edit: true,
        viewer_staff_id: staff_id,
    };
    let sheet = super::store::sheet(&mut tx, &request, grant.now()).await?;
    tx.commit().await?;
    super::excel::preview(&bytes, &sheet)
}

/// Imports a workbook: all of it, or (when any row is bad, or the semester is not open)
/// nothing. Returns how many cells changed.
#[server(prefix = "/api", endpoint = "apply_score_import", client = CsrfClient)]
pub async fn apply_score_import(
    class_id: i64,
    subject_id: i64,
    semester: u8,
    file: String,
) -> Result<usize, AppError> {
    use crate::identity::authz::{Action, authorize};
    use crate::platform::audit::{self, AuditAction, AuditEvent};
    use crate::platform::error::ErrorCode;
    let grant = authorize(Action::EditScores {
        class_id,
        subject_id,
    })
    .await?;
    server::check_semester(semester)?;
    let bytes = server::decode_file(&file)?;
    let (_, staff_id) = server::staff(&grant)?;
    let now = grant.now();
    let mut tx = grant.state.db.pool().begin().await?;
    let (class, subject) = server::class_and_subject(&mut tx, class_id, subject_id).await?;
    let request = super::store::SheetRequest {
        actor: &grant.actor,
        class: &class,
        subject: &subject,
        semester,
        can_edit: true,
        viewer_staff_id: staff_id,
    };
    let sheet = super::store::sheet(&mut tx, &request, now).await?;
    match sheet.window {
        WindowStatus::Open => {}
        WindowStatus::NotOpen => return Err(ErrorCode::GradeEntryClosed.into()),
        WindowStatus::Locked => return Err(ErrorCode::GradesLocked.into()),
    }
    let preview = super::excel::preview(&bytes, &sheet)?;
    if !preview.errors.is_empty() {
        return Err(ErrorCode::ImportHasErrors.into());
    }
    let semester_id =
        super::store::semester_id(&mut tx, class.school_id, class.school_year_id, semester).await?;
    for change in &preview.changes {
        let cell = super::store::CellRef {
            school_id: class.school_id,
            student_id: change.student_id,
            subject_id,
            semester_id,
            column: change.column,
        };
        let write = super::store::CellWrite {
            value: change.value.clone(),
            base_version: None,
            replaces: &[],
            client_id: None,
            source: super::store::ChangeSource::Import,
            reason: None,
            correction_id: None,
            staff_id: Some(staff_id),
        };
        if let super::store::WriteResult::Conflict(_) =
            super::store::write_cell(&mut tx, &cell, &write, now).await?
        {
            return Err(ErrorCode::Conflict.into());
        }
    }
    audit::record(
        &mut tx,
        &grant.actor,
        AuditEvent {
            school_id: Some(class.school_id),
            action: AuditAction::Import,
            entity: "score_sheet",
            entity_id: Some(class_id),
            reason: None,
            detail: serde_json::json!({ "subject_id": subject_id, "semester": semester, "cells": preview.changes.len() }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(preview.changes.len())
}
