//! Timetables (drafts and published versions), their lessons, batches of edits applied exactly
//! once with the draft's revision guarding against silent overwrites, and publishing.

use crate::notifications::NotificationKind;
use crate::notifications::store::{MessageText, Recipient, deliver};
use std::collections::{HashMap, HashSet};

use serde_json::json;
use sqlx::{AnyConnection, Row};
use time::Date;

use super::model::{SchoolModel, require_current_year, school_model};
use super::{LESSON_COLUMNS, lesson_from_row, semester_from_number};
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::{iso_date, parse_iso_date};
use crate::timetable::rules::{
    self, ClassId, Edit, Lesson, LessonId, MAX_PERIODS_PER_SESSION, Timetable, TimetableDiff,
};
use crate::timetable::views::{
    ChangeLine, ChangesFor, DraftState, EditOutcome, NoticeDetail, NoticeKind, PublishPreview,
    RefusalReason, RefusedEdit, TimetableMeta, VersionInfo, VersionStatus, day_code, session_code,
};

const META_COLUMNS: &str =
    "t.id, t.name, t.semester, t.status, t.revision, t.effective_from, t.version_no,
    t.source, t.created_at, t.published_at,
    (SELECT COUNT(*) FROM timetable_lessons l WHERE l.timetable_id = t.id) AS lesson_count";

fn meta_from_row(row: &sqlx::any::AnyRow) -> Result<TimetableMeta, sqlx::Error> {
    let status: String = row.try_get("status")?;
    Ok(TimetableMeta {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        semester: u8::try_from(row.try_get::<i64, _>("semester")?).unwrap_or(1),
        status: if status == "published" {
            VersionStatus::Published
        } else {
            VersionStatus::Draft
        },
        revision: row.try_get("revision")?,
        effective_from: row.try_get("effective_from")?,
        version_no: row.try_get("version_no")?,
        source: row.try_get("source")?,
        created_at: row.try_get("created_at")?,
        published_at: row.try_get("published_at")?,
        lesson_count: row.try_get("lesson_count")?,
    })
}

/// Every timetable of the school: drafts first (newest first), then versions (newest first).
pub async fn list(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<TimetableMeta>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {META_COLUMNS} FROM timetables t WHERE t.school_id = $1
         ORDER BY CASE WHEN t.status = 'draft' THEN 0 ELSE 1 END, t.effective_from DESC, t.version_no DESC, t.id DESC"
    ))
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(meta_from_row).collect()
}

pub async fn meta(
    conn: &mut AnyConnection,
    school_id: i64,
    timetable_id: i64,
) -> Result<TimetableMeta, AppError> {
    let row = sqlx::query(&format!(
        "SELECT {META_COLUMNS} FROM timetables t WHERE t.id = $1 AND t.school_id = $2"
    ))
    .bind(timetable_id)
    .bind(school_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(meta_from_row(&row)?)
}

pub async fn school_of(
    conn: &mut AnyConnection,
    timetable_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT school_id FROM timetables WHERE id = $1")
        .bind(timetable_id)
        .fetch_optional(conn)
        .await
}

pub async fn lessons(
    conn: &mut AnyConnection,
    school_id: i64,
    timetable_id: i64,
) -> Result<Vec<Lesson>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {LESSON_COLUMNS} FROM timetable_lessons WHERE timetable_id = $1 AND school_id = $2 ORDER BY id"
    ))
    .bind(timetable_id)
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(lesson_from_row).collect()
}

async fn lessons_with_revision(
    conn: &mut AnyConnection,
    school_id: i64,
    timetable_id: i64,
) -> Result<HashMap<LessonId, (Lesson, i64)>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {LESSON_COLUMNS}, changed_rev FROM timetable_lessons WHERE timetable_id = $1 AND school_id = $2"
    ))
    .bind(timetable_id)
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    let mut lessons = HashMap::with_capacity(rows.len());
    for row in &rows {
        let lesson = lesson_from_row(row)?;
        lessons.insert(lesson.id, (lesson, row.try_get("changed_rev")?));
    }
    Ok(lessons)
}

/// A timetable to create.
pub struct NewTimetable<'a> {
    pub school_id: i64,
    pub school_year_id: i64,
    /// 1 or 2.
    pub semester: i64,
    pub name: &'a str,
    /// `manual`, `copy`, `fet` or `demo`.
    pub source: &'a str,
    pub based_on: Option<i64>,
    pub created_by: Option<i64>,
}

pub async fn create(
    conn: &mut AnyConnection,
    new: &NewTimetable<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 120 || !(1..=2).contains(&new.semester) {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "name"));
    }
    let row = sqlx::query(
        "INSERT INTO timetables (school_id, school_year_id, semester, name, source, based_on, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.school_id)
    .bind(new.school_year_id)
    .bind(new.semester)
    .bind(name)
    .bind(new.source)
    .bind(new.based_on)
    .bind(new.created_by)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

async fn insert_lesson(
    conn: &mut AnyConnection,
    school_id: i64,
    timetable_id: i64,
    lesson: &Lesson,
    revision: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO timetable_lessons (school_id, timetable_id, class_id, subject_id, staff_id, room_id, day, session, period, length, changed_rev)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(school_id)
    .bind(timetable_id)
    .bind(lesson.class.0)
    .bind(lesson.subject.0)
    .bind(lesson.teacher.0)
    .bind(lesson.room.map(|r| r.0))
    .bind(day_code(lesson.day))
    .bind(session_code(lesson.session))
    .bind(i64::from(lesson.period))
    .bind(i64::from(lesson.length))
    .bind(revision)
    .fetch_one(conn)
    .await?
    .try_get(0)
}

/// Adds lessons (their ids are ignored: the database gives new ones, returned in order).
pub async fn insert_lessons(
    conn: &mut AnyConnection,
    school_id: i64,
    timetable_id: i64,
    lessons: &[Lesson],
) -> Result<Vec<i64>, AppError> {
    let known = Known::load(conn, school_id).await?;
    let mut ids = Vec::with_capacity(lessons.len());
    for lesson in lessons {
        if !known.accepts(lesson) {
            return Err(ErrorCode::InvalidInput.into());
        }
        ids.push(insert_lesson(conn, school_id, timetable_id, lesson, 0).await?);
    }
    Ok(ids)
}

/// A new draft, empty or with the lessons of another timetable of the school.
pub async fn create_draft(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    semester: i64,
    name: &str,
    copy_from: Option<i64>,
    now: i64,
) -> Result<i64, AppError> {
    let year = require_current_year(conn, school_id).await?;
    let copied = match copy_from {
        Some(source) => {
            meta(conn, school_id, source).await?;
            Some(lessons(conn, school_id, source).await?)
        }
        None => None,
    };
    let id = create(
        conn,
        &NewTimetable {
            school_id,
            school_year_id: year.id,
            semester,
            name,
            source: if copied.is_some() { "copy" } else { "manual" },
            based_on: copy_from,
            created_by: actor.id,
        },
        now,
    )
    .await?;
    if let Some(copied) = copied {
        insert_lessons(conn, school_id, id, &copied).await?;
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "timetable",
            entity_id: Some(id),
            reason: None,
            detail: json!({ "copy_from": copy_from }),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// A draft that is no longer wanted (published versions stay).
pub async fn delete_draft(
    conn: &mut AnyConnection,
    school_id: i64,
    draft_id: i64,
) -> Result<(), AppError> {
    lock_draft(conn, school_id, draft_id).await?;
    for table in ["timetable_edit_batches", "timetable_lessons"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE timetable_id = $1 AND school_id = $2"
        ))
        .bind(draft_id)
        .bind(school_id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE timetables SET based_on = NULL WHERE based_on = $1 AND school_id = $2")
        .bind(draft_id)
        .bind(school_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM timetables WHERE id = $1 AND school_id = $2 AND status = 'draft'")
        .bind(draft_id)
        .bind(school_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the draft's row lock (a write first, so that SQLite and PostgreSQL both serialise
/// concurrent batches on it) and returns its revision. Published versions are refused.
async fn lock_draft(
    conn: &mut AnyConnection,
    school_id: i64,
    draft_id: i64,
) -> Result<i64, AppError> {
    let locked = sqlx::query(
        "UPDATE timetables SET revision = revision WHERE id = $1 AND school_id = $2 AND status = 'draft'",
    )
    .bind(draft_id)
    .bind(school_id)
    .execute(&mut *conn)
    .await?;
    if locked.rows_affected() == 0 {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM timetables WHERE id = $1 AND school_id = $2")
                .bind(draft_id)
                .bind(school_id)
                .fetch_optional(&mut *conn)
                .await?;
        return Err(match status {
            Some(_) => ErrorCode::TimetableNotDraft.into(),
            None => ErrorCode::NotFound.into(),
        });
    }
    Ok(
        sqlx::query_scalar("SELECT revision FROM timetables WHERE id = $1")
            .bind(draft_id)
            .fetch_one(conn)
            .await?,
    )
}

/// The ids a lesson may name: this school's classes (current year), staff, subjects and rooms.
struct Known {
    classes: HashSet<i64>,
    staff: HashSet<i64>,
    subjects: HashSet<i64>,
    rooms: HashSet<i64>,
}

impl Known {
    async fn load(conn: &mut AnyConnection, school_id: i64) -> Result<Known, sqlx::Error> {
        let ids = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).bind(school_id);
        Ok(Known {
            classes: ids("SELECT c.id FROM classes c JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1 WHERE c.school_id = $1")
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .collect(),
            staff: ids("SELECT id FROM staff WHERE school_id = $1")
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .collect(),
            subjects: ids("SELECT id FROM subjects WHERE school_id = $1")
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .collect(),
            rooms: ids("SELECT id FROM rooms WHERE school_id = $1")
                .fetch_all(&mut *conn)
                .await?
                .into_iter()
                .collect(),
        })
    }

    /// Names only this school's records, and fits in a session of at most 12 periods.
    fn accepts(&self, lesson: &Lesson) -> bool {
        self.classes.contains(&lesson.class.0)
            && self.staff.contains(&lesson.teacher.0)
            && self.subjects.contains(&lesson.subject.0)
            && lesson.room.is_none_or(|room| self.rooms.contains(&room.0))
            && (1..=2).contains(&lesson.length)
            && lesson.period >= 1
            && lesson.last_period() <= MAX_PERIODS_PER_SESSION
    }
}

/// The draft's lessons while a batch is applied, with the revision that last changed each.
struct Working {
    lessons: HashMap<LessonId, (Lesson, i64)>,
    base_revision: i64,
    /// Lessons changed by earlier edits of this batch: the device saw those changes.
    touched: HashSet<LessonId>,
}

impl Working {
    fn fresh(&self, id: LessonId) -> Result<Lesson, RefusalReason> {
        match self.lessons.get(&id) {
            None => Err(RefusalReason::UnknownLesson),
            Some((_, revision))
                if *revision > self.base_revision && !self.touched.contains(&id) =>
            {
                Err(RefusalReason::ChangedMeanwhile)
            }
            Some((lesson, _)) => Ok(*lesson),
        }
    }

    /// Refuses when a lesson of the same class that someone else changed meanwhile sits in the
    /// cells the edit puts `lesson` into.
    fn cells_unchanged(&self, lesson: &Lesson, ignoring: &[LessonId]) -> Result<(), RefusalReason> {
        let changed = self.lessons.values().any(|(other, revision)| {
            !ignoring.contains(&other.id)
                && other.class == lesson.class
                && other.overlaps(lesson)
                && *revision > self.base_revision
                && !self.touched.contains(&other.id)
        });
        if changed {
            Err(RefusalReason::ChangedMeanwhile)
        } else {
            Ok(())
        }
    }
}

/// One database change an edit makes.
enum Write {
    Insert { temporary: LessonId, lesson: Lesson },
    Update(Lesson),
    Delete(LessonId),
}

/// Applies a batch of edits made on a device, in order. The batch id makes a resend harmless:
/// the stored outcome is returned and nothing is applied again. An edit to a lesson or cell that
/// someone else changed after `base_revision` is refused, never applied over their change; the
/// outcome carries the draft as it now stands. Lessons placed on the device carry negative ids,
/// mapped to the saved ids in the outcome (later edits of the batch may use either).
#[allow(clippy::too_many_arguments)]
pub async fn apply_edits(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    draft_id: i64,
    base_revision: i64,
    batch_id: &str,
    edits: &[Edit],
    now: i64,
) -> Result<EditOutcome, AppError> {
    let batch_id = batch_id.trim();
    if batch_id.is_empty() || batch_id.len() > 80 || edits.len() > 2_000 {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "batch_id"));
    }
    let revision = lock_draft(conn, school_id, draft_id).await?;

    let stored: Option<String> = sqlx::query_scalar(
        "SELECT outcome FROM timetable_edit_batches WHERE timetable_id = $1 AND client_batch = $2 AND school_id = $3",
    )
    .bind(draft_id)
    .bind(batch_id)
    .bind(school_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(stored) = stored {
        let mut outcome: EditOutcome =
            serde_json::from_str(&stored).map_err(|_| ErrorCode::Internal)?;
        outcome.replayed = true;
        outcome.revision = revision;
        outcome.lessons = lessons(conn, school_id, draft_id).await?;
        return Ok(outcome);
    }

    let known = Known::load(conn, school_id).await?;
    let new_revision = revision + 1;
    let mut working = Working {
        lessons: lessons_with_revision(conn, school_id, draft_id).await?,
        base_revision,
        touched: HashSet::new(),
    };
    let mut id_map: HashMap<LessonId, LessonId> = HashMap::new();
    let mut applied = Vec::new();
    let mut refused = Vec::new();

    for (index, edit) in edits.iter().enumerate() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        let resolve = |id: LessonId| {
            if id.0 < 0 {
                id_map.get(&id).copied().unwrap_or(id)
            } else {
                id
            }
        };
        let valid = |lesson: &Lesson| {
            if known.accepts(lesson) {
                Ok(())
            } else {
                Err(RefusalReason::Invalid)
            }
        };
        let writes: Result<Vec<Write>, RefusalReason> = (|| match *edit {
            Edit::Place { lesson } => {
                if lesson.id.0 >= 0 || id_map.contains_key(&lesson.id) {
                    return Err(RefusalReason::Invalid);
                }
                valid(&lesson)?;
                working.cells_unchanged(&lesson, &[])?;
                Ok(vec![Write::Insert {
                    temporary: lesson.id,
                    lesson,
                }])
            }
            Edit::Move { lesson, to } => {
                let before = working.fresh(resolve(lesson))?;
                let after = before.moved_to(to);
                valid(&after)?;
                working.cells_unchanged(&after, &[after.id])?;
                Ok(vec![Write::Update(after)])
            }
            Edit::Swap { first, second } => {
                let first = working.fresh(resolve(first))?;
                let second = working.fresh(resolve(second))?;
                let first_after = first.moved_to(second.start());
                let second_after = second.moved_to(first.start());
                valid(&first_after)?;
                valid(&second_after)?;
                working.cells_unchanged(&first_after, &[first.id, second.id])?;
                working.cells_unchanged(&second_after, &[first.id, second.id])?;
                Ok(vec![
                    Write::Update(first_after),
                    Write::Update(second_after),
                ])
            }
            Edit::Remove { lesson } => {
                let before = working.fresh(resolve(lesson))?;
                Ok(vec![Write::Delete(before.id)])
            }
            Edit::Replace { lesson } => {
                let id = resolve(lesson.id);
                working.fresh(id)?;
                let after = Lesson { id, ..lesson };
                valid(&after)?;
                working.cells_unchanged(&after, &[id])?;
                Ok(vec![Write::Update(after)])
            }
        })();
        match writes {
            Err(reason) => refused.push(RefusedEdit { index, reason }),
            Ok(writes) => {
                for write in writes {
                    match write {
                        Write::Insert { temporary, lesson } => {
                            let id = LessonId(
                                insert_lesson(conn, school_id, draft_id, &lesson, new_revision)
                                    .await?,
                            );
                            id_map.insert(temporary, id);
                            working
                                .lessons
                                .insert(id, (Lesson { id, ..lesson }, new_revision));
                            working.touched.insert(id);
                        }
                        Write::Update(lesson) => {
                            sqlx::query(
                                "UPDATE timetable_lessons SET class_id = $1, subject_id = $2, staff_id = $3, room_id = $4,
                                   day = $5, session = $6, period = $7, length = $8, changed_rev = $9
                                 WHERE id = $10 AND timetable_id = $11 AND school_id = $12",
                            )
                            .bind(lesson.class.0)
                            .bind(lesson.subject.0)
                            .bind(lesson.teacher.0)
                            .bind(lesson.room.map(|r| r.0))
                            .bind(day_code(lesson.day))
                            .bind(session_code(lesson.session))
                            .bind(i64::from(lesson.period))
                            .bind(i64::from(lesson.length))
                            .bind(new_revision)
                            .bind(lesson.id.0)
                            .bind(draft_id)
                            .bind(school_id)
                            .execute(&mut *conn)
                            .await?;
                            working.lessons.insert(lesson.id, (lesson, new_revision));
                            working.touched.insert(lesson.id);
                        }
                        Write::Delete(id) => {
                            sqlx::query(
                                "DELETE FROM timetable_lessons WHERE id = $1 AND timetable_id = $2 AND school_id = $3",
                            )
                            .bind(id.0)
                            .bind(draft_id)
                            .bind(school_id)
                            .execute(&mut *conn)
                            .await?;
                            working.lessons.remove(&id);
                            working.touched.insert(id);
                        }
                    }
                }
                applied.push(index);
            }
        }
    }

    let revision = if applied.is_empty() {
        revision
    } else {
        sqlx::query("UPDATE timetables SET revision = $1 WHERE id = $2 AND school_id = $3")
            .bind(new_revision)
            .bind(draft_id)
            .bind(school_id)
            .execute(&mut *conn)
            .await?;
        new_revision
    };
    let mut id_pairs: Vec<(i64, i64)> = id_map.iter().map(|(t, s)| (t.0, s.0)).collect();
    id_pairs.sort_unstable();
    let mut outcome = EditOutcome {
        revision,
        applied,
        refused,
        id_map: id_pairs,
        lessons: Vec::new(),
        replayed: false,
    };
    let stored = serde_json::to_string(&outcome).map_err(|_| ErrorCode::Internal)?;
    sqlx::query(
        "INSERT INTO timetable_edit_batches (school_id, timetable_id, client_batch, staff_id, revision, outcome, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(school_id)
    .bind(draft_id)
    .bind(batch_id)
    .bind(actor.id)
    .bind(revision)
    .bind(stored)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let mut current: Vec<Lesson> = working.lessons.values().map(|(l, _)| *l).collect();
    current.sort_unstable_by_key(|l| l.id);
    outcome.lessons = current;
    Ok(outcome)
}

/// The draft's revision, and its lessons if it moved on from `known_revision`.
pub async fn state_since(
    conn: &mut AnyConnection,
    school_id: i64,
    timetable_id: i64,
    known_revision: i64,
) -> Result<DraftState, AppError> {
    let revision: i64 =
        sqlx::query_scalar("SELECT revision FROM timetables WHERE id = $1 AND school_id = $2")
            .bind(timetable_id)
            .bind(school_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let lessons = if revision == known_revision {
        None
    } else {
        Some(lessons(conn, school_id, timetable_id).await?)
    };
    Ok(DraftState { revision, lessons })
}

/// Published versions of the school, in the order they take effect.
pub async fn published_versions(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<VersionInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, version_no, effective_from FROM timetables WHERE school_id = $1 AND status = 'published'
         ORDER BY effective_from, version_no",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(VersionInfo {
                id: row.try_get("id")?,
                version_no: row.try_get("version_no")?,
                effective_from: row.try_get("effective_from")?,
            })
        })
        .collect()
}

/// The version in force on a date: the last to take effect on or before it.
pub fn in_force(versions: &[VersionInfo], date: Date) -> Option<&VersionInfo> {
    let day = iso_date(date);
    versions
        .iter()
        .rev()
        .find(|v| v.effective_from.as_str() <= day.as_str())
}

/// The version a version replaced (the one before it in order of taking effect).
pub fn previous_of(versions: &[VersionInfo], id: i64) -> Option<&VersionInfo> {
    let position = versions.iter().position(|v| v.id == id)?;
    position.checked_sub(1).and_then(|p| versions.get(p))
}

fn change_lines(model: &SchoolModel, diff: &TimetableDiff) -> Vec<ChangeLine> {
    let slot = |l: &Lesson| (l.day, l.session, l.period);
    let line = |before: Option<&Lesson>, after: Option<&Lesson>| {
        let lesson = after.or(before);
        let teacher_before = match (before, after) {
            (Some(b), Some(a)) if b.teacher != a.teacher => Some(model.teacher_name(b.teacher)),
            _ => None,
        };
        ChangeLine {
            class_name: lesson
                .map(|l| model.class_name(l.class))
                .unwrap_or_default(),
            subject: lesson
                .map(|l| model.subject_name(l.subject))
                .unwrap_or_default(),
            teacher: lesson
                .map(|l| model.teacher_name(l.teacher))
                .unwrap_or_default(),
            teacher_before,
            before: before.map(slot),
            after: after.map(slot),
        }
    };
    let mut lines: Vec<ChangeLine> = diff
        .removed
        .iter()
        .map(|l| line(Some(l), None))
        .chain(diff.added.iter().map(|l| line(None, Some(l))))
        .chain(
            diff.changed
                .iter()
                .map(|c| line(Some(&c.before), Some(&c.after))),
        )
        .collect();
    lines.sort_by(|a, b| {
        (a.after.or(a.before), &a.class_name).cmp(&(b.after.or(b.before), &b.class_name))
    });
    lines
}

/// Someone a timetable notice goes to: `kind` is "guardian", "student" or "staff"; for a
/// guardian, `child` is their child in the class (so their per-child choices apply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NoticeTo {
    pub kind: &'static str,
    pub id: i64,
    pub child: Option<i64>,
}

impl NoticeTo {
    pub fn staff(id: i64) -> NoticeTo {
        NoticeTo {
            kind: "staff",
            id,
            child: None,
        }
    }
}

/// Who gets a notice when a class's week changes: guardians the school lets see a child of the
/// class (once each, with their first child there), and the class's students.
pub async fn families_of_class(
    conn: &mut AnyConnection,
    school_id: i64,
    class_id: i64,
) -> Result<Vec<NoticeTo>, sqlx::Error> {
    let guardians: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT l.guardian_id, MIN(l.student_id) FROM guardian_links l JOIN schools s ON s.id = l.school_id
           JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL
         WHERE l.school_id = $1 AND e.class_id = $2
           AND (l.status = 'verified' OR (s.guardian_access = 'linked' AND l.status IN ('unverified', 'pending')))
         GROUP BY l.guardian_id ORDER BY l.guardian_id",
    )
    .bind(school_id)
    .bind(class_id)
    .fetch_all(&mut *conn)
    .await?;
    let students: Vec<i64> = sqlx::query_scalar(
        "SELECT student_id FROM class_enrollments WHERE school_id = $1 AND class_id = $2 AND left_on IS NULL
         ORDER BY student_id",
    )
    .bind(school_id)
    .bind(class_id)
    .fetch_all(conn)
    .await?;
    Ok(guardians
        .into_iter()
        .map(|(id, child)| NoticeTo {
            kind: "guardian",
            id,
            child: Some(child),
        })
        .chain(students.into_iter().map(|id| NoticeTo {
            kind: "student",
            id,
            child: None,
        }))
        .collect())
}

pub async fn insert_notice(
    conn: &mut AnyConnection,
    school_id: i64,
    to: NoticeTo,
    kind: NoticeKind,
    detail: &NoticeDetail,
    link: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    let detail_json = serde_json::to_string(detail).map_err(|_| ErrorCode::Internal)?;
    sqlx::query(
        "INSERT INTO notices (school_id, recipient_kind, recipient_id, kind, detail, link, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(school_id)
    .bind(to.kind)
    .bind(to.id)
    .bind(kind.code())
    .bind(&detail_json)
    .bind(link)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // The same news in the person's inbox, pushed to their devices.
    let recipient = match to.kind {
        "guardian" => Recipient::Guardian(to.id),
        "student" => Recipient::Student(to.id),
        _ => Recipient::Staff(to.id),
    };
    let text = inbox_text(kind, detail, link);
    deliver(
        conn,
        school_id,
        recipient,
        NotificationKind::TimetableChange,
        to.child,
        &text,
        now,
    )
    .await?;
    Ok(())
}

fn inbox_text(kind: NoticeKind, detail: &NoticeDetail, link: Option<&str>) -> MessageText {
    let (class_vi, class_en) = detail
        .class_name
        .as_ref()
        .map(|c| (format!("Lớp {c}: "), format!("Class {c}: ")))
        .unwrap_or_default();
    let date = detail
        .date
        .as_deref()
        .and_then(crate::platform::format::parse_iso_date)
        .map(crate::platform::format::format_date)
        .unwrap_or_default();
    let changes = detail.changes;
    let (title_vi, title_en, body_vi, body_en) = match kind {
        NoticeKind::TimetablePublished => (
            "Thời khoá biểu mới".to_string(),
            "New timetable".to_string(),
            format!("{class_vi}áp dụng từ {date}, {changes} tiết thay đổi."),
            format!("{class_en}from {date}, {changes} lessons change."),
        ),
        NoticeKind::Substitution => (
            "Có tiết dạy thay".to_string(),
            "A lesson has a substitute".to_string(),
            format!("{class_vi}ngày {date}, {changes} tiết có giáo viên dạy thay."),
            format!("{class_en}on {date}, {changes} lessons have a substitute teacher."),
        ),
    };
    MessageText {
        title_vi,
        title_en,
        body_vi,
        body_en,
        link: link.map(str::to_string),
    }
}

/// Everything the publishing screen shows, and the parts publishing needs.
struct Prepared {
    preview: PublishPreview,
    diff: TimetableDiff,
    model: SchoolModel,
    families: HashMap<ClassId, Vec<NoticeTo>>,
}

async fn prepare(
    conn: &mut AnyConnection,
    school_id: i64,
    draft: &TimetableMeta,
    effective_from: Date,
) -> Result<Prepared, AppError> {
    let year = require_current_year(conn, school_id).await?;
    let model = school_model(conn, school_id, &year).await?;
    let draft_lessons = lessons(conn, school_id, draft.id).await?;
    let timetable = Timetable {
        semester: semester_from_number(i64::from(draft.semester)),
        lessons: draft_lessons,
    };
    let conflicts = rules::check(&model.school, &model.settings.rules, &timetable)
        .map_err(|_| AppError::new(ErrorCode::InvalidInput))?;
    let hard_conflicts = conflicts.iter().filter(|c| c.is_hard()).count();
    let versions = published_versions(conn, school_id).await?;
    let previous = in_force(&versions, effective_from).cloned();
    let previous_lessons = match &previous {
        Some(version) => lessons(conn, school_id, version.id).await?,
        None => Vec::new(),
    };
    let diff = rules::diff(
        &Timetable {
            semester: timetable.semester,
            lessons: previous_lessons,
        },
        &timetable,
    );
    let teachers: Vec<ChangesFor> = diff
        .teachers
        .iter()
        .map(|t| ChangesFor {
            name: model.teacher_name(*t),
            lines: change_lines(&model, &diff.for_teacher(*t)),
        })
        .collect();
    let mut families = HashMap::new();
    let mut classes = Vec::with_capacity(diff.classes.len());
    for class in &diff.classes {
        families.insert(*class, families_of_class(conn, school_id, class.0).await?);
        classes.push(ChangesFor {
            name: model.class_name(*class),
            lines: change_lines(&model, &diff.for_class(*class)),
        });
    }
    let families_notified = families
        .values()
        .flatten()
        .filter(|to| to.kind == "guardian")
        .map(|to| to.id)
        .collect::<HashSet<_>>()
        .len();
    Ok(Prepared {
        preview: PublishPreview {
            hard_conflicts,
            soft_conflicts: conflicts.len() - hard_conflicts,
            previous,
            teachers_notified: teachers.len(),
            teachers,
            classes,
            families_notified,
        },
        diff,
        model,
        families,
    })
}

pub async fn publish_preview(
    conn: &mut AnyConnection,
    school_id: i64,
    draft_id: i64,
    effective_from: Date,
) -> Result<PublishPreview, AppError> {
    let draft = meta(conn, school_id, draft_id).await?;
    Ok(prepare(conn, school_id, &draft, effective_from)
        .await?
        .preview)
}

/// Publishes a draft from a date, unless a hard conflict remains or it changed since the editor
/// looked (`revision`). Teachers and families whose week changes get a notice.
pub async fn publish(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    draft_id: i64,
    revision: i64,
    effective_from: Date,
    now: i64,
) -> Result<TimetableMeta, AppError> {
    let current_revision = lock_draft(conn, school_id, draft_id).await?;
    if current_revision != revision {
        return Err(ErrorCode::Conflict.into());
    }
    let draft = meta(conn, school_id, draft_id).await?;
    let prepared = prepare(conn, school_id, &draft, effective_from).await?;
    if prepared.preview.hard_conflicts > 0 {
        return Err(ErrorCode::TimetableHasHardConflicts.into());
    }
    let version_no: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version_no), 0) + 1 FROM timetables WHERE school_id = $1",
    )
    .bind(school_id)
    .fetch_one(&mut *conn)
    .await?;
    let from = iso_date(effective_from);
    sqlx::query(
        "UPDATE timetables SET status = 'published', effective_from = $1, version_no = $2, published_by = $3, published_at = $4
         WHERE id = $5 AND school_id = $6",
    )
    .bind(&from)
    .bind(version_no)
    .bind(actor.id)
    .bind(now)
    .bind(draft_id)
    .bind(school_id)
    .execute(&mut *conn)
    .await?;

    for teacher in &prepared.diff.teachers {
        let changes = prepared.diff.for_teacher(*teacher);
        let count = changes.added.len() + changes.removed.len() + changes.changed.len();
        let detail = NoticeDetail {
            date: Some(from.clone()),
            class_name: None,
            changes: u32::try_from(count).unwrap_or(u32::MAX),
        };
        insert_notice(
            conn,
            school_id,
            NoticeTo::staff(teacher.0),
            NoticeKind::TimetablePublished,
            &detail,
            Some("/timetable/me"),
            now,
        )
        .await?;
    }
    for class in &prepared.diff.classes {
        let changes = prepared.diff.for_class(*class);
        let count = changes.added.len() + changes.removed.len() + changes.changed.len();
        let detail = NoticeDetail {
            date: Some(from.clone()),
            class_name: Some(prepared.model.class_name(*class)),
            changes: u32::try_from(count).unwrap_or(u32::MAX),
        };
        for recipient in prepared.families.get(class).into_iter().flatten() {
            let link = match recipient.kind {
                "guardian" => format!("/timetable/class/{}", class.0),
                _ => "/timetable/me".to_string(),
            };
            insert_notice(
                conn,
                school_id,
                *recipient,
                NoticeKind::TimetablePublished,
                &detail,
                Some(&link),
                now,
            )
            .await?;
        }
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "timetable",
            entity_id: Some(draft_id),
            reason: None,
            detail: json!({ "published": version_no, "effective_from": from }),
        },
        now,
    )
    .await?;
    meta(conn, school_id, draft_id).await
}

/// Reads an ISO date argument.
pub fn date_argument(text: &str, field: &str) -> Result<Date, AppError> {
    parse_iso_date(text).ok_or_else(|| AppError::for_field(ErrorCode::InvalidDate, field))
}
