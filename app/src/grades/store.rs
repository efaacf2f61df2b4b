//! Queries of the grades feature, written once for SQLite and PostgreSQL. Every query is scoped
//! by `school_id`; reads of a sheet or a child's grades and every change write the audit trail on
//! the same connection (callers pass a transaction where a change must be atomic).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::model::{
    CellEdit, CellValue, CellView, ChildGradesView, ChildScore, ChildSemester, ChildSubject,
    ClassLink, ClassResultsView, Column, ColumnView, CorrectionView, EditOutcome, GradesHome,
    HistoryEntry, SheetLink, SheetStudent, SheetView, StudentResults, WindowStatus, WindowView,
    comment_code, comment_from_code, parse_cell, row_average, row_year_average,
};
use super::rules::{
    CommentResult, GradingSettings, Level, RetestResult, Score, SubjectConfig, SubjectResult,
    YearEndRecord, YearEndStatus, learning_result, year_end_decision,
};
use crate::people::{Assessment, FullName, sort_class_list};
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::error::{AppError, ErrorCode};

/// The class a sheet or summary is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassContext {
    pub class_id: i64,
    pub school_id: i64,
    pub school_year_id: i64,
    pub grade: i64,
    pub name: String,
}

pub async fn class_context(
    conn: &mut AnyConnection,
    class_id: i64,
) -> Result<ClassContext, AppError> {
    let row =
        sqlx::query("SELECT id, school_id, school_year_id, grade, name FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(ClassContext {
        class_id: row.try_get("id")?,
        school_id: row.try_get("school_id")?,
        school_year_id: row.try_get("school_year_id")?,
        grade: row.try_get("grade")?,
        name: row.try_get("name")?,
    })
}

/// A subject as taught in one grade.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectInfo {
    pub id: i64,
    pub name_vi: String,
    pub name_en: String,
    pub config: SubjectConfig,
}

fn assessment_of(code: &str) -> Assessment {
    match code {
        "comment" => Assessment::Comment,
        _ => Assessment::Scored,
    }
}

fn subject_from_row(row: &sqlx::any::AnyRow) -> Result<SubjectInfo, sqlx::Error> {
    let assessment: String = row.try_get("assessment")?;
    let periods: Option<i64> = row.try_get("periods_per_year")?;
    let regular: Option<i64> = row.try_get("regular_assessments")?;
    Ok(SubjectInfo {
        id: row.try_get("id")?,
        name_vi: row.try_get("name_vi")?,
        name_en: row.try_get("name_en")?,
        config: SubjectConfig {
            assessment: assessment_of(&assessment),
            periods_per_year: u16::try_from(periods.unwrap_or(0)).unwrap_or(0),
            regular_assessments: regular.and_then(|n| u8::try_from(n).ok()),
        },
    })
}

const SUBJECT_COLUMNS: &str =
    "s.id, s.name_vi, s.name_en, s.assessment, g.periods_per_year, g.regular_assessments";

pub async fn subject_info(
    conn: &mut AnyConnection,
    school_id: i64,
    subject_id: i64,
    grade: i64,
) -> Result<SubjectInfo, AppError> {
    let row = sqlx::query(&format!(
        "SELECT {SUBJECT_COLUMNS} FROM subjects s
         LEFT JOIN subject_grades g ON g.subject_id = s.id AND g.grade = $3
         WHERE s.school_id = $1 AND s.id = $2"
    ))
    .bind(school_id)
    .bind(subject_id)
    .bind(grade)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(subject_from_row(&row)?)
}

/// The school's subjects in their order, as taught in `grade`.
pub async fn school_subjects(
    conn: &mut AnyConnection,
    school_id: i64,
    grade: i64,
) -> Result<Vec<SubjectInfo>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {SUBJECT_COLUMNS} FROM subjects s
         LEFT JOIN subject_grades g ON g.subject_id = s.id AND g.grade = $2
         WHERE s.school_id = $1 ORDER BY s.sort_order, s.id"
    ))
    .bind(school_id)
    .bind(grade)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(subject_from_row)
        .collect::<Result<_, _>>()?)
}

/// The school's settings; the reference's defaults when it stored none.
pub async fn grading_settings(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<GradingSettings, AppError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT settings FROM grading_settings WHERE school_id = $1")
            .bind(school_id)
            .fetch_optional(conn)
            .await?;
    match stored {
        None => Ok(GradingSettings::default()),
        Some(text) => serde_json::from_str(&text).map_err(|error| {
            tracing::error!(school_id, %error, "stored grading settings cannot be read");
            AppError::new(ErrorCode::Internal)
        }),
    }
}

pub async fn save_grading_settings(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    staff_id: Option<i64>,
    settings: &GradingSettings,
    now: i64,
) -> Result<(), AppError> {
    settings.validate()?;
    let text = serde_json::to_string(settings).map_err(|_| AppError::new(ErrorCode::Internal))?;
    sqlx::query(
        "INSERT INTO grading_settings (school_id, settings, updated_at, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (school_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(school_id)
    .bind(&text)
    .bind(now)
    .bind(staff_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "grading_settings",
            entity_id: Some(school_id),
            reason: None,
            detail: json!({}),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The id of semester 1 or 2 of a school year.
pub async fn semester_id(
    conn: &mut AnyConnection,
    school_id: i64,
    school_year_id: i64,
    number: u8,
) -> Result<i64, AppError> {
    sqlx::query_scalar(
        "SELECT id FROM semesters WHERE school_id = $1 AND school_year_id = $2 AND number = $3",
    )
    .bind(school_id)
    .bind(school_year_id)
    .bind(i64::from(number))
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

pub async fn window_status(
    conn: &mut AnyConnection,
    school_id: i64,
    semester_id: i64,
) -> Result<WindowStatus, AppError> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM grade_windows WHERE school_id = $1 AND semester_id = $2",
    )
    .bind(school_id)
    .bind(semester_id)
    .fetch_optional(conn)
    .await?;
    Ok(match status.as_deref() {
        Some("open") => WindowStatus::Open,
        Some("locked") => WindowStatus::Locked,
        _ => WindowStatus::NotOpen,
    })
}

/// Opens a semester for entry, or locks it. Only forward: not opened → open → locked.
pub async fn set_window(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    semester_id: i64,
    status: WindowStatus,
    staff_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let current = window_status(conn, school_id, semester_id).await?;
    let allowed = matches!(
        (current, status),
        (WindowStatus::NotOpen, WindowStatus::Open) | (WindowStatus::Open, WindowStatus::Locked)
    );
    if !allowed {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "status"));
    }
    sqlx::query(
        "INSERT INTO grade_windows (school_id, semester_id, status, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (semester_id) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at, changed_by = excluded.changed_by",
    )
    .bind(school_id)
    .bind(semester_id)
    .bind(status.code())
    .bind(now)
    .bind(staff_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "grade_window",
            entity_id: Some(semester_id),
            reason: None,
            detail: json!({ "status": status.code() }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The students enrolled in a class now, in class-list order.
pub async fn class_students(
    conn: &mut AnyConnection,
    school_id: i64,
    class_id: i64,
) -> Result<Vec<SheetStudent>, AppError> {
    let rows = sqlx::query(
        "SELECT s.id, s.moet_code, s.family_name, s.middle_name, s.given_name
         FROM class_enrollments e JOIN students s ON s.id = e.student_id
         WHERE e.school_id = $1 AND s.school_id = $1 AND e.class_id = $2 AND e.left_on IS NULL",
    )
    .bind(school_id)
    .bind(class_id)
    .fetch_all(conn)
    .await?;
    let mut entries = rows
        .iter()
        .map(|r| -> Result<crate::people::ClassListEntry, sqlx::Error> {
            Ok(crate::people::ClassListEntry {
                student_id: r.try_get("id")?,
                moet_code: r.try_get("moet_code")?,
                name: FullName {
                    family: r.try_get("family_name")?,
                    middle: r.try_get("middle_name")?,
                    given: r.try_get("given_name")?,
                },
                date_of_birth: String::new(),
                sex: crate::platform::personal_id::Sex::Female,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    sort_class_list(&mut entries);
    Ok(entries
        .into_iter()
        .map(|e| SheetStudent {
            student_id: e.student_id,
            moet_code: e.moet_code,
            name: e.name,
        })
        .collect())
}

fn value_from_row(row: &sqlx::any::AnyRow) -> Result<Option<CellValue>, sqlx::Error> {
    let tenths: Option<i64> = row.try_get("value_tenths")?;
    let result: Option<String> = row.try_get("comment_result")?;
    let note: Option<String> = row.try_get("comment")?;
    Ok(match (tenths, result) {
        (Some(tenths), _) => u8::try_from(tenths)
            .ok()
            .and_then(Score::from_tenths)
            .map(CellValue::Score),
        (None, Some(code)) => comment_from_code(&code).map(|result| CellValue::Comment {
            result,
            note: note.unwrap_or_default(),
        }),
        (None, None) => None,
    })
}

/// Every cell of one subject and semester for the students of a class.
async fn sheet_cells(
    conn: &mut AnyConnection,
    school_id: i64,
    class_id: i64,
    subject_id: i64,
    semester_id: i64,
) -> Result<Vec<CellView>, AppError> {
    let rows = sqlx::query(
        "SELECT sc.student_id, sc.column_key, sc.value_tenths, sc.comment_result, sc.comment, sc.version
         FROM scores sc JOIN class_enrollments e ON e.student_id = sc.student_id
         WHERE sc.school_id = $1 AND e.school_id = $1 AND e.class_id = $2 AND e.left_on IS NULL
           AND sc.subject_id = $3 AND sc.semester_id = $4",
    )
    .bind(school_id)
    .bind(class_id)
    .bind(subject_id)
    .bind(semester_id)
    .fetch_all(conn)
    .await?;
    let mut cells = Vec::with_capacity(rows.len());
    for row in rows {
        let code: String = row.try_get("column_key")?;
        let Some(column) = Column::from_code(&code) else {
            continue;
        };
        cells.push(CellView {
            student_id: row.try_get("student_id")?,
            column,
            value: value_from_row(&row)?,
            version: row.try_get("version")?,
        });
    }
    Ok(cells)
}

async fn released_columns(
    conn: &mut AnyConnection,
    school_id: i64,
    class_id: i64,
    subject_id: i64,
    semester_id: i64,
) -> Result<HashSet<Column>, AppError> {
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT column_key FROM score_releases WHERE school_id = $1 AND class_id = $2 AND subject_id = $3 AND semester_id = $4",
    )
    .bind(school_id)
    .bind(class_id)
    .bind(subject_id)
    .bind(semester_id)
    .fetch_all(conn)
    .await?;
    Ok(codes.iter().filter_map(|c| Column::from_code(c)).collect())
}

/// Who is asking for a sheet, and what they may do with it.
pub struct SheetRequest<'a> {
    pub actor: &'a Actor,
    pub class: &'a ClassContext,
    pub subject: &'a SubjectInfo,
    pub semester: u8,
    pub can_edit: bool,
    pub viewer_staff_id: i64,
}

/// The score sheet of a class × subject × semester. An audited read.
pub async fn sheet(
    conn: &mut AnyConnection,
    request: &SheetRequest<'_>,
    now: i64,
) -> Result<SheetView, AppError> {
    let class = request.class;
    let school_id = class.school_id;
    let settings = grading_settings(conn, school_id).await?;
    let semester_id = semester_id(conn, school_id, class.school_year_id, request.semester).await?;
    let window = window_status(conn, school_id, semester_id).await?;
    let students = class_students(conn, school_id, class.class_id).await?;
    let cells = sheet_cells(
        conn,
        school_id,
        class.class_id,
        request.subject.id,
        semester_id,
    )
    .await?;
    let released = released_columns(
        conn,
        school_id,
        class.class_id,
        request.subject.id,
        semester_id,
    )
    .await?;
    let config = request.subject.config;
    let planned = config.planned_regular_assessments(&settings).unwrap_or(0);
    let columns = Column::for_subject(config.assessment, planned)
        .into_iter()
        .map(|column| ColumnView {
            column,
            released: released.contains(&column),
        })
        .collect();
    let first_semester = if request.semester == 2 && config.assessment == Assessment::Scored {
        let first_id = self::semester_id(conn, school_id, class.school_year_id, 1).await?;
        let first_cells = sheet_cells(
            conn,
            school_id,
            class.class_id,
            request.subject.id,
            first_id,
        )
        .await?;
        averages_by_student(&first_cells, planned, &settings)
    } else {
        Vec::new()
    };
    audit::record(
        conn,
        request.actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Read,
            entity: "score_sheet",
            entity_id: Some(class.class_id),
            reason: None,
            detail: json!({ "subject_id": request.subject.id, "semester": request.semester }),
        },
        now,
    )
    .await?;
    Ok(SheetView {
        class_id: class.class_id,
        class_name: class.name.clone(),
        subject_id: request.subject.id,
        subject_vi: request.subject.name_vi.clone(),
        subject_en: request.subject.name_en.clone(),
        semester: request.semester,
        assessment: config.assessment,
        planned_regular: planned,
        columns,
        students,
        cells,
        first_semester,
        window,
        can_edit: request.can_edit,
        viewer_staff_id: request.viewer_staff_id,
        settings,
        fetched_at: now,
    })
}

fn averages_by_student(
    cells: &[CellView],
    planned: u8,
    settings: &GradingSettings,
) -> Vec<(i64, Score)> {
    let mut by_student: BTreeMap<i64, Vec<&CellView>> = BTreeMap::new();
    for cell in cells {
        by_student.entry(cell.student_id).or_default().push(cell);
    }
    by_student
        .into_iter()
        .filter_map(|(student, cells)| {
            row_average(
                cells.iter().map(|c| (c.column, c.value.as_ref())),
                planned,
                settings,
            )
            .into_value()
            .map(|average| (student, average))
        })
        .collect()
}

/// Where a change comes from, for the history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeSource {
    Sheet,
    Import,
    Correction,
}

impl ChangeSource {
    fn code(self) -> &'static str {
        match self {
            ChangeSource::Sheet => "sheet",
            ChangeSource::Import => "import",
            ChangeSource::Correction => "correction",
        }
    }
}

/// The cell a change is about.
#[derive(Clone, Copy, Debug)]
pub struct CellRef {
    pub school_id: i64,
    pub student_id: i64,
    pub subject_id: i64,
    pub semester_id: i64,
    pub column: Column,
}

/// A change to write, with what the writer saw.
pub struct CellWrite<'a> {
    pub value: Option<CellValue>,
    /// `None`: write whatever the cell holds now (imports and approved corrections).
    pub base_version: Option<i64>,
    /// Client ids of the writer's own earlier edits of this cell that this one replaces.
    pub replaces: &'a [String],
    pub client_id: Option<&'a str>,
    pub source: ChangeSource,
    pub reason: Option<&'a str>,
    pub correction_id: Option<i64>,
    pub staff_id: Option<i64>,
}

/// What a cell holds now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCell {
    pub id: Option<i64>,
    pub value: Option<CellValue>,
    pub version: i64,
    pub updated_by: Option<i64>,
}

pub async fn stored_cell(conn: &mut AnyConnection, cell: &CellRef) -> Result<StoredCell, AppError> {
    let row = sqlx::query(
        "SELECT id, value_tenths, comment_result, comment, version, updated_by FROM scores
         WHERE school_id = $1 AND semester_id = $2 AND subject_id = $3 AND student_id = $4 AND column_key = $5",
    )
    .bind(cell.school_id)
    .bind(cell.semester_id)
    .bind(cell.subject_id)
    .bind(cell.student_id)
    .bind(cell.column.code())
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        None => StoredCell {
            id: None,
            value: None,
            version: 0,
            updated_by: None,
        },
        Some(row) => StoredCell {
            id: Some(row.try_get("id")?),
            value: value_from_row(&row)?,
            version: row.try_get("version")?,
            updated_by: row.try_get("updated_by")?,
        },
    })
}

async fn staff_name(
    conn: &mut AnyConnection,
    staff_id: Option<i64>,
) -> Result<Option<String>, AppError> {
    let Some(staff_id) = staff_id else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT family_name, middle_name, given_name FROM staff WHERE id = $1")
        .bind(staff_id)
        .fetch_optional(conn)
        .await?;
    Ok(match row {
        Some(row) => Some(
            FullName {
                family: row.try_get("family_name")?,
                middle: row.try_get("middle_name")?,
                given: row.try_get("given_name")?,
            }
            .full(),
        ),
        None => None,
    })
}

/// The result of a write: stored, or refused because the cell moved on.
pub enum WriteResult {
    Written { version: i64 },
    Unchanged { version: i64 },
    Conflict(StoredCell),
}

fn split_value(value: &Option<CellValue>) -> (Option<i64>, Option<&'static str>, Option<String>) {
    match value {
        None => (None, None, None),
        Some(CellValue::Score(score)) => (Some(i64::from(score.tenths())), None, None),
        Some(CellValue::Comment { result, note }) => (
            None,
            Some(comment_code(*result)),
            (!note.is_empty()).then(|| note.clone()),
        ),
    }
}

fn note_of(value: &Option<CellValue>) -> Option<String> {
    match value {
        Some(CellValue::Comment { note, .. }) if !note.is_empty() => Some(note.clone()),
        _ => None,
    }
}

/// Writes one cell with its history line, refusing a stale write (optimistic: the version the
/// writer saw must still be the cell's, unless the change since was one the writer replaces).
pub async fn write_cell(
    conn: &mut AnyConnection,
    cell: &CellRef,
    write: &CellWrite<'_>,
    now: i64,
) -> Result<WriteResult, AppError> {
    let current = stored_cell(conn, cell).await?;
    if let Some(base) = write.base_version
        && base != current.version
    {
        let replaced_own = match current.id {
            Some(id) if !write.replaces.is_empty() => {
                let last: Option<Option<String>> = sqlx::query_scalar(
                    "SELECT client_id FROM score_history WHERE school_id = $1 AND score_id = $2 ORDER BY id DESC LIMIT 1",
                )
                .bind(cell.school_id)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
                last.flatten().is_some_and(|c| write.replaces.contains(&c))
            }
            _ => false,
        };
        if !replaced_own {
            return Ok(WriteResult::Conflict(current));
        }
    }
    if current.value == write.value && current.id.is_some() {
        return Ok(WriteResult::Unchanged {
            version: current.version,
        });
    }
    if current.id.is_none() && write.value.is_none() {
        return Ok(WriteResult::Unchanged { version: 0 });
    }
    let (tenths, result, note) = split_value(&write.value);
    let (score_id, version) = match current.id {
        None => {
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO scores (school_id, student_id, subject_id, semester_id, column_key, value_tenths,
                                     comment_result, comment, version, updated_at, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)
                 ON CONFLICT (semester_id, subject_id, student_id, column_key) DO NOTHING RETURNING id",
            )
            .bind(cell.school_id)
            .bind(cell.student_id)
            .bind(cell.subject_id)
            .bind(cell.semester_id)
            .bind(cell.column.code())
            .bind(tenths)
            .bind(result)
            .bind(note.clone())
            .bind(now)
            .bind(write.staff_id)
            .fetch_optional(&mut *conn)
            .await?;
            match inserted {
                Some(id) => (id, 1),
                None => return Ok(WriteResult::Conflict(stored_cell(conn, cell).await?)),
            }
        }
        Some(id) => {
            let changed = sqlx::query(
                "UPDATE scores SET value_tenths = $1, comment_result = $2, comment = $3, version = version + 1,
                        updated_at = $4, updated_by = $5
                 WHERE school_id = $6 AND id = $7 AND version = $8",
            )
            .bind(tenths)
            .bind(result)
            .bind(note.clone())
            .bind(now)
            .bind(write.staff_id)
            .bind(cell.school_id)
            .bind(id)
            .bind(current.version)
            .execute(&mut *conn)
            .await?;
            if changed.rows_affected() == 0 {
                return Ok(WriteResult::Conflict(stored_cell(conn, cell).await?));
            }
            (id, current.version + 1)
        }
    };
    sqlx::query(
        "INSERT INTO score_history (school_id, score_id, student_id, subject_id, semester_id, column_key,
                                    old_value, new_value, old_comment, new_comment, changed_by, changed_at,
                                    source, reason, correction_id, client_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(cell.school_id)
    .bind(score_id)
    .bind(cell.student_id)
    .bind(cell.subject_id)
    .bind(cell.semester_id)
    .bind(cell.column.code())
    .bind(current.value.as_ref().map(CellValue::history_text))
    .bind(write.value.as_ref().map(CellValue::history_text))
    .bind(note_of(&current.value))
    .bind(note)
    .bind(write.staff_id)
    .bind(now)
    .bind(write.source.code())
    .bind(write.reason)
    .bind(write.correction_id)
    .bind(write.client_id)
    .execute(&mut *conn)
    .await?;
    Ok(WriteResult::Written { version })
}

/// The cell an earlier edit with this client id wrote, if it was applied.
async fn applied_edit(
    conn: &mut AnyConnection,
    school_id: i64,
    client_id: &str,
) -> Result<Option<(i64, String)>, AppError> {
    let row = sqlx::query(
        "SELECT student_id, column_key FROM score_history WHERE school_id = $1 AND client_id = $2",
    )
    .bind(school_id)
    .bind(client_id)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(row) => Some((row.try_get("student_id")?, row.try_get("column_key")?)),
        None => None,
    })
}

/// A batch of a teacher's edits to one sheet (what the device queued, online or not).
pub struct EditBatch<'a> {
    pub actor: &'a Actor,
    pub staff_id: i64,
    pub class: &'a ClassContext,
    pub subject: &'a SubjectInfo,
    pub semester: u8,
}

/// Applies each edit on its own terms: a resent edit (same client id) is reported applied without
/// being applied again; a stale one comes back as a conflict with the other value; a bad value or
/// a closed window is refused. The caller runs this in one transaction.
pub async fn apply_edits(
    conn: &mut AnyConnection,
    batch: &EditBatch<'_>,
    edits: &[CellEdit],
    now: i64,
) -> Result<Vec<EditOutcome>, AppError> {
    let school_id = batch.class.school_id;
    let settings = grading_settings(conn, school_id).await?;
    let semester_id =
        semester_id(conn, school_id, batch.class.school_year_id, batch.semester).await?;
    let window = window_status(conn, school_id, semester_id).await?;
    let students: HashSet<i64> = class_students(conn, school_id, batch.class.class_id)
        .await?
        .into_iter()
        .map(|s| s.student_id)
        .collect();
    let config = batch.subject.config;
    let columns = Column::for_subject(
        config.assessment,
        config.planned_regular_assessments(&settings).unwrap_or(0),
    );
    let mut outcomes = Vec::with_capacity(edits.len());
    let mut written = 0usize;
    for edit in edits {
        let cell = CellRef {
            school_id,
            student_id: edit.student_id,
            subject_id: batch.subject.id,
            semester_id,
            column: edit.column,
        };
        if edit.client_id.is_empty() || edit.client_id.len() > 64 {
            outcomes.push(refused(edit, ErrorCode::InvalidInput));
            continue;
        }
        if let Some((student, column)) = applied_edit(conn, school_id, &edit.client_id).await? {
            if student != edit.student_id || column != edit.column.code() {
                outcomes.push(refused(edit, ErrorCode::Duplicate));
                continue;
            }
            let stored = stored_cell(conn, &cell).await?;
            outcomes.push(EditOutcome::Applied {
                client_id: edit.client_id.clone(),
                version: stored.version,
                value: stored.value,
            });
            continue;
        }
        if !students.contains(&edit.student_id) {
            outcomes.push(refused(edit, ErrorCode::NotFound));
            continue;
        }
        if !columns.contains(&edit.column) {
            outcomes.push(refused(edit, ErrorCode::InvalidInput));
            continue;
        }
        let value = match parse_cell(config.assessment, &edit.value, edit.note.as_deref()) {
            Ok(value) => value,
            Err(error) => {
                outcomes.push(EditOutcome::refused(&edit.client_id, error));
                continue;
            }
        };
        match window {
            WindowStatus::Open => {}
            WindowStatus::NotOpen => {
                outcomes.push(refused(edit, ErrorCode::GradeEntryClosed));
                continue;
            }
            WindowStatus::Locked => {
                outcomes.push(refused(edit, ErrorCode::GradesLocked));
                continue;
            }
        }
        let write = CellWrite {
            value: value.clone(),
            base_version: Some(edit.base_version),
            replaces: &edit.replaces,
            client_id: Some(&edit.client_id),
            source: ChangeSource::Sheet,
            reason: None,
            correction_id: None,
            staff_id: Some(batch.staff_id),
        };
        outcomes.push(match write_cell(conn, &cell, &write, now).await? {
            WriteResult::Written { version } => {
                written += 1;
                EditOutcome::Applied {
                    client_id: edit.client_id.clone(),
                    version,
                    value,
                }
            }
            WriteResult::Unchanged { version } => EditOutcome::Applied {
                client_id: edit.client_id.clone(),
                version,
                value,
            },
            WriteResult::Conflict(current) => EditOutcome::Conflict {
                client_id: edit.client_id.clone(),
                version: current.version,
                theirs: current.value,
                changed_by: staff_name(conn, current.updated_by).await?,
            },
        });
    }
    if written > 0 {
        audit::record(
            conn,
            batch.actor,
            AuditEvent {
                school_id: Some(school_id),
                action: AuditAction::Update,
                entity: "scores",
                entity_id: Some(batch.class.class_id),
                reason: None,
                detail: json!({ "subject_id": batch.subject.id, "semester": batch.semester, "cells": written }),
            },
            now,
        )
        .await?;
    }
    Ok(outcomes)
}

fn refused(edit: &CellEdit, code: ErrorCode) -> EditOutcome {
    EditOutcome::Refused {
        client_id: edit.client_id.clone(),
        error: code.as_str().to_string(),
        suggestion: None,
    }
}

/// "A new score is out" to each student of the class and their guardians: no score in the
/// message (it is read in the app, by those who may).
async fn tell_families_of_release(
    conn: &mut AnyConnection,
    class: &ClassContext,
    subject_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    use crate::notifications::NotificationKind;
    use crate::notifications::store::{MessageText, Recipient, deliver, deliver_to_guardians};
    let (subject_vi, subject_en): (String, String) =
        sqlx::query_as("SELECT name_vi, name_en FROM subjects WHERE id = $1")
            .bind(subject_id)
            .fetch_one(&mut *conn)
            .await?;
    let students: Vec<i64> = sqlx::query_scalar(
        "SELECT student_id FROM class_enrollments WHERE school_id = $1 AND class_id = $2 AND left_on IS NULL",
    )
    .bind(class.school_id)
    .bind(class.class_id)
    .fetch_all(&mut *conn)
    .await?;
    for student in students {
        let text = MessageText {
            title_vi: format!("Có điểm mới môn {subject_vi}"),
            title_en: format!("A new {subject_en} score is out"),
            body_vi: format!("Lớp {}: xem điểm trong ứng dụng.", class.name),
            body_en: format!("Class {}: see the score in the app.", class.name),
            link: Some(format!("/grades/child/{student}")),
        };
        deliver_to_guardians(
            conn,
            class.school_id,
            student,
            NotificationKind::ScoreReleased,
            &text,
            now,
        )
        .await?;
        deliver(
            conn,
            class.school_id,
            Recipient::Student(student),
            NotificationKind::ScoreReleased,
            Some(student),
            &text,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Releases a column to parents and students, or takes it back.
#[allow(clippy::too_many_arguments)]
pub async fn set_release(
    conn: &mut AnyConnection,
    actor: &Actor,
    class: &ClassContext,
    subject_id: i64,
    semester: u8,
    column: Column,
    released: bool,
    staff_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let school_id = class.school_id;
    let semester_id = semester_id(conn, school_id, class.school_year_id, semester).await?;
    if released {
        let newly_released = sqlx::query(
            "INSERT INTO score_releases (school_id, class_id, subject_id, semester_id, column_key, released_at, released_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (class_id, subject_id, semester_id, column_key) DO NOTHING",
        )
        .bind(school_id)
        .bind(class.class_id)
        .bind(subject_id)
        .bind(semester_id)
        .bind(column.code())
        .bind(now)
        .bind(staff_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if newly_released > 0 {
            tell_families_of_release(conn, class, subject_id, now).await?;
        }
    } else {
        sqlx::query(
            "DELETE FROM score_releases WHERE school_id = $1 AND class_id = $2 AND subject_id = $3 AND semester_id = $4 AND column_key = $5",
        )
        .bind(school_id)
        .bind(class.class_id)
        .bind(subject_id)
        .bind(semester_id)
        .bind(column.code())
        .execute(&mut *conn)
        .await?;
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "score_release",
            entity_id: Some(class.class_id),
            reason: None,
            detail: json!({ "subject_id": subject_id, "semester": semester, "column": column.code(), "released": released }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Every change of one cell, oldest first.
pub async fn history(
    conn: &mut AnyConnection,
    cell: &CellRef,
) -> Result<Vec<HistoryEntry>, AppError> {
    let rows = sqlx::query(
        "SELECT h.changed_at, h.old_value, h.new_value, h.source, h.reason,
                st.family_name, st.middle_name, st.given_name
         FROM score_history h LEFT JOIN staff st ON st.id = h.changed_by
         WHERE h.school_id = $1 AND h.semester_id = $2 AND h.subject_id = $3 AND h.student_id = $4 AND h.column_key = $5
         ORDER BY h.id",
    )
    .bind(cell.school_id)
    .bind(cell.semester_id)
    .bind(cell.subject_id)
    .bind(cell.student_id)
    .bind(cell.column.code())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let given: Option<String> = row.try_get("given_name")?;
            let changed_by = match given {
                Some(given) => Some(
                    FullName {
                        family: row
                            .try_get::<Option<String>, _>("family_name")?
                            .unwrap_or_default(),
                        middle: row
                            .try_get::<Option<String>, _>("middle_name")?
                            .unwrap_or_default(),
                        given,
                    }
                    .full(),
                ),
                None => None,
            };
            Ok(HistoryEntry {
                changed_at: row.try_get("changed_at")?,
                changed_by,
                old_value: row.try_get("old_value")?,
                new_value: row.try_get("new_value")?,
                source: row.try_get("source")?,
                reason: row.try_get("reason")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

/// A teacher asks to change a score after the semester was locked.
pub struct CorrectionRequest<'a> {
    pub actor: &'a Actor,
    pub staff_id: i64,
    pub class: &'a ClassContext,
    pub subject: &'a SubjectInfo,
    pub semester: u8,
    pub student_id: i64,
    pub column: Column,
    pub value: &'a str,
    pub note: Option<&'a str>,
    pub reason: &'a str,
}

/// The fewest characters a reason for a correction needs.
const MIN_REASON_CHARS: usize = 5;

pub async fn request_correction(
    conn: &mut AnyConnection,
    request: &CorrectionRequest<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let school_id = request.class.school_id;
    let semester_id = semester_id(
        conn,
        school_id,
        request.class.school_year_id,
        request.semester,
    )
    .await?;
    if window_status(conn, school_id, semester_id).await? != WindowStatus::Locked {
        return Err(AppError::new(ErrorCode::CorrectionNotNeeded));
    }
    let reason = request.reason.trim();
    if reason.chars().count() < MIN_REASON_CHARS {
        return Err(AppError::for_field(
            ErrorCode::CorrectionReasonRequired,
            "reason",
        ));
    }
    let settings = grading_settings(conn, school_id).await?;
    let config = request.subject.config;
    let columns = Column::for_subject(
        config.assessment,
        config.planned_regular_assessments(&settings).unwrap_or(0),
    );
    let enrolled = class_students(conn, school_id, request.class.class_id)
        .await?
        .iter()
        .any(|s| s.student_id == request.student_id);
    if !enrolled || !columns.contains(&request.column) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let value = parse_cell(config.assessment, request.value, request.note)
        .map_err(|e| AppError::for_field(super::errors::score_error_code(e), "value"))?;
    let cell = CellRef {
        school_id,
        student_id: request.student_id,
        subject_id: request.subject.id,
        semester_id,
        column: request.column,
    };
    let current = stored_cell(conn, &cell).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO score_corrections (school_id, class_id, student_id, subject_id, semester_id, column_key,
                                        old_value, new_value, new_comment, reason, requested_by, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(school_id)
    .bind(request.class.class_id)
    .bind(request.student_id)
    .bind(request.subject.id)
    .bind(semester_id)
    .bind(request.column.code())
    .bind(current.value.as_ref().map(CellValue::history_text))
    .bind(value.as_ref().map(CellValue::history_text))
    .bind(note_of(&value))
    .bind(reason)
    .bind(request.staff_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        request.actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "score_correction",
            entity_id: Some(id),
            reason: Some(reason),
            detail: json!({ "student_id": request.student_id, "column": request.column.code() }),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// The school admin approves (the change is written, with the reason, into the history) or
/// rejects a correction.
pub async fn decide_correction(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    admin_staff_id: Option<i64>,
    correction_id: i64,
    approve: bool,
    now: i64,
) -> Result<(), AppError> {
    let row = sqlx::query(
        "SELECT c.student_id, c.subject_id, c.semester_id, c.column_key, c.new_value, c.new_comment, c.reason, s.assessment
         FROM score_corrections c JOIN subjects s ON s.id = c.subject_id
         WHERE c.school_id = $1 AND c.id = $2 AND c.status = 'pending'",
    )
    .bind(school_id)
    .bind(correction_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let column_code: String = row.try_get("column_key")?;
    let column =
        Column::from_code(&column_code).ok_or_else(|| AppError::new(ErrorCode::Internal))?;
    let reason: String = row.try_get("reason")?;
    if approve {
        let assessment: String = row.try_get("assessment")?;
        let new_value: Option<String> = row.try_get("new_value")?;
        let note: Option<String> = row.try_get("new_comment")?;
        let value = parse_cell(
            assessment_of(&assessment),
            new_value.as_deref().unwrap_or_default(),
            note.as_deref(),
        )
        .map_err(|_| AppError::new(ErrorCode::Internal))?;
        let cell = CellRef {
            school_id,
            student_id: row.try_get("student_id")?,
            subject_id: row.try_get("subject_id")?,
            semester_id: row.try_get("semester_id")?,
            column,
        };
        let write = CellWrite {
            value,
            base_version: None,
            replaces: &[],
            client_id: None,
            source: ChangeSource::Correction,
            reason: Some(&reason),
            correction_id: Some(correction_id),
            staff_id: admin_staff_id,
        };
        if let WriteResult::Conflict(_) = write_cell(conn, &cell, &write, now).await? {
            return Err(AppError::new(ErrorCode::Conflict));
        }
    }
    sqlx::query(
        "UPDATE score_corrections SET status = $1, decided_by = $2, decided_at = $3 WHERE school_id = $4 AND id = $5",
    )
    .bind(if approve { "approved" } else { "rejected" })
    .bind(admin_staff_id)
    .bind(now)
    .bind(school_id)
    .bind(correction_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "score_correction",
            entity_id: Some(correction_id),
            reason: Some(&reason),
            detail: json!({ "approved": approve }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The school admin's view: semester windows of the current year and corrections to decide.
pub async fn admin_view(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<(Vec<WindowView>, Vec<CorrectionView>), AppError> {
    let rows = sqlx::query(
        "SELECT sem.id, sem.number, y.name, w.status FROM semesters sem
         JOIN school_years y ON y.id = sem.school_year_id AND y.is_current = 1
         LEFT JOIN grade_windows w ON w.semester_id = sem.id
         WHERE sem.school_id = $1 ORDER BY sem.number",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut windows = Vec::new();
    for row in rows {
        let status: Option<String> = row.try_get("status")?;
        windows.push(WindowView {
            semester_id: row.try_get("id")?,
            number: u8::try_from(row.try_get::<i64, _>("number")?).unwrap_or(1),
            school_year: row.try_get("name")?,
            status: match status.as_deref() {
                Some("open") => WindowStatus::Open,
                Some("locked") => WindowStatus::Locked,
                _ => WindowStatus::NotOpen,
            },
        });
    }
    let rows = sqlx::query(
        "SELECT c.id, c.column_key, c.old_value, c.new_value, c.reason, c.requested_at, c.status,
                cl.name AS class_name, sub.name_vi, sem.number,
                s.family_name, s.middle_name, s.given_name,
                st.family_name AS t_family, st.middle_name AS t_middle, st.given_name AS t_given
         FROM score_corrections c
         JOIN classes cl ON cl.id = c.class_id JOIN subjects sub ON sub.id = c.subject_id
         JOIN semesters sem ON sem.id = c.semester_id JOIN students s ON s.id = c.student_id
         JOIN staff st ON st.id = c.requested_by
         WHERE c.school_id = $1 AND c.status = 'pending' ORDER BY c.id",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut corrections = Vec::new();
    for row in rows {
        let column: String = row.try_get("column_key")?;
        corrections.push(CorrectionView {
            id: row.try_get("id")?,
            class_name: row.try_get("class_name")?,
            subject_vi: row.try_get("name_vi")?,
            student: FullName {
                family: row.try_get("family_name")?,
                middle: row.try_get("middle_name")?,
                given: row.try_get("given_name")?,
            },
            semester: u8::try_from(row.try_get::<i64, _>("number")?).unwrap_or(1),
            column: Column::from_code(&column).unwrap_or(Column::Final),
            old_value: row.try_get("old_value")?,
            new_value: row.try_get("new_value")?,
            reason: row.try_get("reason")?,
            requested_by: FullName {
                family: row.try_get("t_family")?,
                middle: row.try_get("t_middle")?,
                given: row.try_get("t_given")?,
            }
            .full(),
            requested_at: row.try_get("requested_at")?,
            status: row.try_get("status")?,
        });
    }
    Ok((windows, corrections))
}

/// A teacher's sheets (subject assignments) and homeroom classes in the current year.
pub async fn my_grades(
    conn: &mut AnyConnection,
    school_id: i64,
    staff_id: i64,
    is_school_admin: bool,
) -> Result<GradesHome, AppError> {
    let rows = sqlx::query(
        "SELECT c.id, c.name, t.kind, sub.id AS subject_id, sub.name_vi, sub.name_en
         FROM teaching_assignments t JOIN classes c ON c.id = t.class_id
         JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
         LEFT JOIN subjects sub ON sub.id = t.subject_id
         WHERE t.school_id = $1 AND t.staff_id = $2
         ORDER BY c.grade, c.name, sub.sort_order",
    )
    .bind(school_id)
    .bind(staff_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut grades = GradesHome {
        sheets: Vec::new(),
        homeroom: Vec::new(),
        is_school_admin,
    };
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let class_id: i64 = row.try_get("id")?;
        let class_name: String = row.try_get("name")?;
        if kind == "homeroom" {
            grades.homeroom.push(ClassLink {
                class_id,
                class_name,
            });
        } else {
            grades.sheets.push(SheetLink {
                class_id,
                class_name,
                subject_id: row.try_get("subject_id")?,
                subject_vi: row.try_get("name_vi")?,
                subject_en: row.try_get("name_en")?,
            });
        }
    }
    if is_school_admin {
        // The school admin sees every class's results (as its homeroom teacher does).
        let rows = sqlx::query(
            "SELECT c.id, c.name FROM classes c JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
             WHERE c.school_id = $1 ORDER BY c.grade, c.name",
        )
        .bind(school_id)
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            let class_id: i64 = row.try_get("id")?;
            if !grades.homeroom.iter().any(|c| c.class_id == class_id) {
                grades.homeroom.push(ClassLink {
                    class_id,
                    class_name: row.try_get("name")?,
                });
            }
        }
    }
    Ok(grades)
}

/// Conduct of one student in one semester (`None` removes it).
#[allow(clippy::too_many_arguments)]
pub async fn save_conduct(
    conn: &mut AnyConnection,
    actor: &Actor,
    class: &ClassContext,
    student_id: i64,
    semester: u8,
    level: Option<Level>,
    staff_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let school_id = class.school_id;
    ensure_enrolled(conn, class, student_id).await?;
    let semester_id = semester_id(conn, school_id, class.school_year_id, semester).await?;
    match window_status(conn, school_id, semester_id).await? {
        WindowStatus::Open => {}
        WindowStatus::NotOpen => return Err(AppError::new(ErrorCode::GradeEntryClosed)),
        WindowStatus::Locked => return Err(AppError::new(ErrorCode::GradesLocked)),
    }
    match level {
        Some(level) => {
            sqlx::query(
                "INSERT INTO conduct (school_id, student_id, semester_id, level, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (semester_id, student_id) DO UPDATE SET level = excluded.level, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(school_id)
            .bind(student_id)
            .bind(semester_id)
            .bind(level.code())
            .bind(now)
            .bind(staff_id)
            .execute(&mut *conn)
            .await?;
        }
        None => {
            sqlx::query(
                "DELETE FROM conduct WHERE school_id = $1 AND student_id = $2 AND semester_id = $3",
            )
            .bind(school_id)
            .bind(student_id)
            .bind(semester_id)
            .execute(&mut *conn)
            .await?;
        }
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "conduct",
            entity_id: Some(student_id),
            reason: None,
            detail: json!({ "semester": semester, "level": level.map(Level::code) }),
        },
        now,
    )
    .await?;
    Ok(())
}

async fn ensure_enrolled(
    conn: &mut AnyConnection,
    class: &ClassContext,
    student_id: i64,
) -> Result<(), AppError> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM class_enrollments WHERE school_id = $1 AND class_id = $2 AND student_id = $3 AND left_on IS NULL",
    )
    .bind(class.school_id)
    .bind(class.class_id)
    .bind(student_id)
    .fetch_one(conn)
    .await?;
    if count == 0 {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok(())
}

/// STAND-IN for attendance: the days absent the homeroom teacher typed (`None` removes it).
#[allow(clippy::too_many_arguments)]
pub async fn save_absences(
    conn: &mut AnyConnection,
    actor: &Actor,
    class: &ClassContext,
    student_id: i64,
    days: Option<u16>,
    staff_id: i64,
    now: i64,
) -> Result<(), AppError> {
    ensure_enrolled(conn, class, student_id).await?;
    match days {
        Some(days) => {
            sqlx::query(
                "INSERT INTO absences_manual (school_id, student_id, school_year_id, days, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (school_year_id, student_id) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(class.school_id)
            .bind(student_id)
            .bind(class.school_year_id)
            .bind(i64::from(days))
            .bind(now)
            .bind(staff_id)
            .execute(&mut *conn)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM absences_manual WHERE school_id = $1 AND student_id = $2 AND school_year_id = $3")
                .bind(class.school_id)
                .bind(student_id)
                .bind(class.school_year_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(class.school_id),
            action: AuditAction::Update,
            entity: "absences_manual",
            entity_id: Some(student_id),
            reason: None,
            detail: json!({ "days": days }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Days absent the homeroom teacher typed for the time before the app's roll call, per student.
pub async fn typed_absences(
    conn: &mut AnyConnection,
    school_id: i64,
    school_year_id: i64,
) -> Result<HashMap<i64, u16>, AppError> {
    let rows = sqlx::query(
        "SELECT student_id, days FROM absences_manual WHERE school_id = $1 AND school_year_id = $2",
    )
    .bind(school_id)
    .bind(school_year_id)
    .fetch_all(conn)
    .await?;
    let mut days: HashMap<i64, u16> = HashMap::new();
    for row in rows {
        let value: i64 = row.try_get("days")?;
        days.insert(
            row.try_get::<i64, _>("student_id")?,
            u16::try_from(value).unwrap_or(u16::MAX),
        );
    }
    Ok(days)
}

/// Days absent in a school year, per student (promotion reads only this): the roll calls kept
/// in the app plus the typed days before them. A student with neither has none.
pub async fn absences(
    conn: &mut AnyConnection,
    school_id: i64,
    school_year_id: i64,
) -> Result<HashMap<i64, u16>, AppError> {
    let mut days = typed_absences(conn, school_id, school_year_id).await?;
    let recorded =
        crate::attendance::store::days_absent_in_year(conn, school_id, school_year_id).await?;
    for (student, recorded) in recorded {
        let total = days.entry(student).or_default();
        *total = total.saturating_add(u16::try_from(recorded).unwrap_or(u16::MAX));
    }
    Ok(days)
}

/// (student, subject, semester index) → the cells stored, with when each last changed.
type CellsByStudent = HashMap<(i64, i64, usize), Vec<(Column, CellValue, i64)>>;

/// Everything stored for one school year's students, grouped for the rules.
struct YearData {
    semester_ids: [i64; 2],
    /// (student, subject, semester index) → cells.
    cells: CellsByStudent,
    /// (class, subject, semester index, column) → released at.
    releases: HashMap<(i64, usize, Column), i64>,
    conduct: HashMap<(i64, usize), Level>,
}

async fn year_data(
    conn: &mut AnyConnection,
    class: &ClassContext,
    student_filter: Option<i64>,
) -> Result<YearData, AppError> {
    let school_id = class.school_id;
    let semester_ids = [
        semester_id(conn, school_id, class.school_year_id, 1).await?,
        semester_id(conn, school_id, class.school_year_id, 2).await?,
    ];
    let index_of = |id: i64| semester_ids.iter().position(|s| *s == id);
    let rows = sqlx::query(
        "SELECT sc.student_id, sc.subject_id, sc.semester_id, sc.column_key, sc.value_tenths, sc.comment_result,
                sc.comment, sc.updated_at
         FROM scores sc JOIN class_enrollments e ON e.student_id = sc.student_id
         WHERE sc.school_id = $1 AND e.school_id = $1 AND e.class_id = $2 AND e.left_on IS NULL
           AND sc.semester_id IN ($3, $4) AND ($5 = 0 OR sc.student_id = $5)",
    )
    .bind(school_id)
    .bind(class.class_id)
    .bind(semester_ids[0])
    .bind(semester_ids[1])
    .bind(student_filter.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    let mut cells: CellsByStudent = HashMap::new();
    for row in rows {
        let code: String = row.try_get("column_key")?;
        let (Some(column), Some(semester), Some(value)) = (
            Column::from_code(&code),
            index_of(row.try_get("semester_id")?),
            value_from_row(&row)?,
        ) else {
            continue;
        };
        cells
            .entry((
                row.try_get("student_id")?,
                row.try_get("subject_id")?,
                semester,
            ))
            .or_default()
            .push((column, value, row.try_get("updated_at")?));
    }
    let rows = sqlx::query(
        "SELECT subject_id, semester_id, column_key, released_at FROM score_releases WHERE school_id = $1 AND class_id = $2",
    )
    .bind(school_id)
    .bind(class.class_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut releases = HashMap::new();
    for row in rows {
        let code: String = row.try_get("column_key")?;
        if let (Some(column), Some(semester)) = (
            Column::from_code(&code),
            index_of(row.try_get("semester_id")?),
        ) {
            releases.insert(
                (row.try_get::<i64, _>("subject_id")?, semester, column),
                row.try_get::<i64, _>("released_at")?,
            );
        }
    }
    let rows = sqlx::query(
        "SELECT student_id, semester_id, level FROM conduct WHERE school_id = $1 AND semester_id IN ($2, $3)",
    )
    .bind(school_id)
    .bind(semester_ids[0])
    .bind(semester_ids[1])
    .fetch_all(&mut *conn)
    .await?;
    let mut conduct = HashMap::new();
    for row in rows {
        let level: String = row.try_get("level")?;
        if let (Some(level), Some(semester)) = (
            Level::from_code(&level),
            index_of(row.try_get("semester_id")?),
        ) {
            conduct.insert((row.try_get::<i64, _>("student_id")?, semester), level);
        }
    }
    Ok(YearData {
        semester_ids,
        cells,
        releases,
        conduct,
    })
}

/// One subject's results of one student: semester I, semester II, year.
fn subject_results(
    subject: &SubjectInfo,
    cells: [&[(Column, CellValue, i64)]; 2],
    settings: &GradingSettings,
) -> [Option<SubjectResult>; 3] {
    match subject.config.assessment {
        Assessment::Scored => {
            let planned = subject
                .config
                .planned_regular_assessments(settings)
                .unwrap_or(0);
            let average = |cells: &[(Column, CellValue, i64)]| {
                row_average(
                    cells.iter().map(|(c, v, _)| (*c, Some(v))),
                    planned,
                    settings,
                )
                .into_value()
            };
            let (first, second) = (average(cells[0]), average(cells[1]));
            [
                first.map(SubjectResult::Scored),
                second.map(SubjectResult::Scored),
                row_year_average(first, second, settings).map(SubjectResult::Scored),
            ]
        }
        Assessment::Comment => {
            let result = |cells: &[(Column, CellValue, i64)]| {
                cells
                    .iter()
                    .find_map(|(column, value, _)| match (column, value) {
                        (Column::Comment, CellValue::Comment { result, .. }) => Some(*result),
                        _ => None,
                    })
            };
            let (first, second) = (result(cells[0]), result(cells[1]));
            [
                first.map(SubjectResult::Comment),
                second.map(SubjectResult::Comment),
                comment_year_result(first, second).map(SubjectResult::Comment),
            ]
        }
    }
}

/// The year result of a comment-only subject: the semester II result (TT22 Art. 9.1 as schools
/// apply it; the reference leaves it as an input, so it is read here, in one place). Needs both.
pub fn comment_year_result(
    first: Option<CommentResult>,
    second: Option<CommentResult>,
) -> Option<CommentResult> {
    first.and(second)
}

fn learning_of(results: &[Option<SubjectResult>], settings: &GradingSettings) -> Option<Level> {
    let all: Option<Vec<SubjectResult>> = results.iter().copied().collect();
    all.filter(|all| !all.is_empty())
        .map(|all| learning_result(&all, settings).level)
}

/// Summer re-training and re-test results of the class's students.
async fn summer_results(
    conn: &mut AnyConnection,
    class: &ClassContext,
) -> Result<HashMap<i64, (Option<Level>, Option<Vec<(i64, SubjectResult)>>)>, AppError> {
    let rows = sqlx::query(
        "SELECT student_id, retraining, retest FROM summer_results WHERE school_id = $1 AND school_year_id = $2",
    )
    .bind(class.school_id)
    .bind(class.school_year_id)
    .fetch_all(conn)
    .await?;
    let mut results = HashMap::new();
    for row in rows {
        let retraining: Option<String> = row.try_get("retraining")?;
        let retest: Option<String> = row.try_get("retest")?;
        let retest = retest.and_then(|text| {
            serde_json::from_str::<Vec<RetestEntry>>(&text)
                .ok()
                .map(|list| list.into_iter().map(|e| (e.subject_id, e.result)).collect())
        });
        results.insert(
            row.try_get::<i64, _>("student_id")?,
            (retraining.as_deref().and_then(Level::from_code), retest),
        );
    }
    Ok(results)
}

#[derive(serde::Serialize, serde::Deserialize)]
pub struct RetestEntry {
    pub subject_id: i64,
    pub result: SubjectResult,
}

/// The homeroom teacher's summary of a class: results, conduct, absences, promotion and awards.
pub async fn class_results(
    conn: &mut AnyConnection,
    actor: &Actor,
    class: &ClassContext,
    can_edit: bool,
    now: i64,
) -> Result<ClassResultsView, AppError> {
    let school_id = class.school_id;
    let settings = grading_settings(conn, school_id).await?;
    let subjects = school_subjects(conn, school_id, class.grade).await?;
    let students = class_students(conn, school_id, class.class_id).await?;
    let data = year_data(conn, class, None).await?;
    let absences = absences(conn, school_id, class.school_year_id).await?;
    let typed = typed_absences(conn, school_id, class.school_year_id).await?;
    let summer = summer_results(conn, class).await?;
    let empty: Vec<(Column, CellValue, i64)> = Vec::new();
    let mut lines = Vec::with_capacity(students.len());
    for student in students {
        let per_subject: Vec<[Option<SubjectResult>; 3]> = subjects
            .iter()
            .map(|subject| {
                let cells = |semester: usize| {
                    data.cells
                        .get(&(student.student_id, subject.id, semester))
                        .unwrap_or(&empty)
                        .as_slice()
                };
                subject_results(subject, [cells(0), cells(1)], &settings)
            })
            .collect();
        let column = |i: usize| per_subject.iter().map(|r| r[i]).collect::<Vec<_>>();
        let learning = [
            learning_of(&column(0), &settings),
            learning_of(&column(1), &settings),
            learning_of(&column(2), &settings),
        ];
        let first = data.conduct.get(&(student.student_id, 0)).copied();
        let second = data.conduct.get(&(student.student_id, 1)).copied();
        let year_conduct = match (first, second) {
            (Some(first), Some(second)) => Some(settings.conduct_table.year_conduct(first, second)),
            _ => None,
        };
        let days = Some(absences.get(&student.student_id).copied().unwrap_or(0));
        let year_subjects: Option<Vec<SubjectResult>> = column(2).into_iter().collect();
        let decision = match (year_conduct, year_subjects, days) {
            (Some(conduct), Some(year_subjects), Some(days)) if !year_subjects.is_empty() => {
                let (retraining, retest) = summer
                    .get(&student.student_id)
                    .cloned()
                    .unwrap_or((None, None));
                let retest = retest.map(|list| {
                    list.into_iter()
                        .filter_map(|(subject_id, result)| {
                            subjects
                                .iter()
                                .position(|s| s.id == subject_id)
                                .map(|subject| RetestResult { subject, result })
                        })
                        .collect()
                });
                let record = YearEndRecord {
                    conduct,
                    subjects: year_subjects,
                    absences: days,
                    summer_retraining: retraining,
                    retest,
                };
                year_end_decision(&record, &settings).ok()
            }
            _ => None,
        };
        lines.push(StudentResults {
            student_id: student.student_id,
            name: student.name,
            subjects: per_subject,
            learning: [
                learning[0],
                learning[1],
                decision.as_ref().map(|d| d.learning.level).or(learning[2]),
            ],
            conduct: [
                first,
                second,
                decision.as_ref().map(|d| d.conduct).or(year_conduct),
            ],
            absences: days,
            typed_absences: typed.get(&student.student_id).copied(),
            status: decision
                .as_ref()
                .map(|d| status_code(&d.status).to_string()),
            award: decision.as_ref().and_then(|d| d.award),
        });
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Read,
            entity: "class_results",
            entity_id: Some(class.class_id),
            reason: None,
            detail: json!({ "students": lines.len() }),
        },
        now,
    )
    .await?;
    let _ = data.semester_ids;
    Ok(ClassResultsView {
        class_id: class.class_id,
        class_name: class.name.clone(),
        can_edit,
        subjects: subjects.iter().map(|s| (s.id, s.name_vi.clone())).collect(),
        students: lines,
    })
}

pub fn status_code(status: &YearEndStatus) -> &'static str {
    match status {
        YearEndStatus::Promoted => "promoted",
        YearEndStatus::SummerRetraining { .. } => "summer_retraining",
        YearEndStatus::Retest { .. } => "retest",
        YearEndStatus::NotPromoted { .. } => "not_promoted",
    }
}

/// The current class of a student (this school year).
pub async fn current_class_of(
    conn: &mut AnyConnection,
    student_id: i64,
) -> Result<ClassContext, AppError> {
    let class_id: i64 = sqlx::query_scalar(
        "SELECT c.id FROM class_enrollments e JOIN classes c ON c.id = e.class_id
         JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
         WHERE e.student_id = $1 AND e.left_on IS NULL",
    )
    .bind(student_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    class_context(conn, class_id).await
}

/// Who looks at a child's grades (for "new since your last visit").
#[derive(Clone, Copy, Debug)]
pub struct Viewer {
    pub kind: &'static str,
    pub id: i64,
}

/// A child's grades as their guardian (or they themselves) see them: released columns only.
/// Marks what was released or changed since this viewer's last visit, then records this visit.
pub async fn child_grades(
    conn: &mut AnyConnection,
    actor: &Actor,
    student_id: i64,
    viewer: Viewer,
    now: i64,
) -> Result<ChildGradesView, AppError> {
    let class = current_class_of(conn, student_id).await?;
    let school_id = class.school_id;
    let settings = grading_settings(conn, school_id).await?;
    let subjects = school_subjects(conn, school_id, class.grade).await?;
    let data = year_data(conn, &class, Some(student_id)).await?;
    let name_row = sqlx::query(
        "SELECT family_name, middle_name, given_name FROM students WHERE school_id = $1 AND id = $2",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_one(&mut *conn)
    .await?;
    let name = FullName {
        family: name_row.try_get("family_name")?,
        middle: name_row.try_get("middle_name")?,
        given: name_row.try_get("given_name")?,
    };
    let last_visit_at: Option<i64> = sqlx::query_scalar(
        "SELECT last_seen_at FROM grade_visits WHERE viewer_kind = $1 AND viewer_id = $2 AND student_id = $3",
    )
    .bind(viewer.kind)
    .bind(viewer.id)
    .bind(student_id)
    .fetch_optional(&mut *conn)
    .await?;
    let empty: Vec<(Column, CellValue, i64)> = Vec::new();
    let mut view_subjects = Vec::new();
    let mut results: [Vec<Option<SubjectResult>>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for subject in &subjects {
        let mut released_cells: [Vec<(Column, CellValue, i64)>; 2] = [Vec::new(), Vec::new()];
        let mut semesters = Vec::new();
        for (semester, released) in released_cells.iter_mut().enumerate() {
            let cells = data
                .cells
                .get(&(student_id, subject.id, semester))
                .unwrap_or(&empty);
            let mut scores = Vec::new();
            let mut sorted: Vec<&(Column, CellValue, i64)> = cells.iter().collect();
            sorted.sort_by_key(|(column, _, _)| *column);
            for (column, value, updated_at) in sorted {
                let Some(released_at) = data.releases.get(&(subject.id, semester, *column)) else {
                    continue;
                };
                let visible_since = (*released_at).max(*updated_at);
                scores.push(ChildScore {
                    column: *column,
                    value: value.clone(),
                    new: last_visit_at.is_none_or(|last| visible_since > last),
                });
                released.push((*column, value.clone(), *updated_at));
            }
            semesters.push((semester, scores));
        }
        let computed = subject_results(
            subject,
            [released_cells[0].as_slice(), released_cells[1].as_slice()],
            &settings,
        );
        for (i, result) in computed.iter().enumerate() {
            results[i].push(*result);
        }
        let scored = |r: Option<SubjectResult>| match r {
            Some(SubjectResult::Scored(score)) => Some(score),
            _ => None,
        };
        view_subjects.push(ChildSubject {
            subject_id: subject.id,
            name_vi: subject.name_vi.clone(),
            name_en: subject.name_en.clone(),
            assessment: subject.config.assessment,
            semesters: semesters
                .into_iter()
                .map(|(semester, scores)| ChildSemester {
                    number: u8::try_from(semester + 1).unwrap_or(1),
                    scores,
                    average: scored(computed[semester]),
                })
                .collect(),
            year_average: scored(computed[2]),
        });
    }
    sqlx::query(
        "INSERT INTO grade_visits (school_id, viewer_kind, viewer_id, student_id, last_seen_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (viewer_kind, viewer_id, student_id) DO UPDATE SET last_seen_at = excluded.last_seen_at",
    )
    .bind(school_id)
    .bind(viewer.kind)
    .bind(viewer.id)
    .bind(student_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Read,
            entity: "child_grades",
            entity_id: Some(student_id),
            reason: None,
            detail: json!({}),
        },
        now,
    )
    .await?;
    Ok(ChildGradesView {
        student_id,
        name,
        class_name: class.name,
        subjects: view_subjects,
        learning: [
            learning_of(&results[0], &settings),
            learning_of(&results[1], &settings),
            learning_of(&results[2], &settings),
        ],
        last_visit_at,
        fetched_at: now,
    })
}
