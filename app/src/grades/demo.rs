//! Grades of the demo district: semester I open for entry in every school, and in the pilot
//! school mathematics and literature scores of 6A1 and 8A1 (the classes of the demo parent's
//! children; 6A1 is also the demo teacher's homeroom), some columns released to parents.
//! Deterministic, like the rest of the demo.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::AnyConnection;

use super::model::{CellValue, Column, WindowStatus};
use super::rules::Score;
use super::store::{self, CellRef, CellWrite, ChangeSource};
use crate::platform::audit::Actor;
use crate::platform::error::AppError;

const SEED: u64 = 20_270_116;

/// A subject's demo columns: which are filled, which of those are released.
struct Plan {
    subject_index: usize,
    filled: &'static [Column],
    released: &'static [Column],
}

const PLANS: &[Plan] = &[
    // Mathematics (4 regular assessments): TX1, TX2, GK released; TX3 typed, not yet released.
    Plan {
        subject_index: 1,
        filled: &[
            Column::Regular(1),
            Column::Regular(2),
            Column::Regular(3),
            Column::Midterm,
        ],
        released: &[Column::Regular(1), Column::Regular(2), Column::Midterm],
    },
    // Literature: TX1 released, TX2 typed.
    Plan {
        subject_index: 0,
        filled: &[Column::Regular(1), Column::Regular(2)],
        released: &[Column::Regular(1)],
    },
];

/// The classes that get scores (by name).
const CLASSES: &[&str] = &["6A1", "8A1"];

pub struct DemoSchool<'a> {
    pub school_id: i64,
    pub school_year_id: i64,
    /// Subject ids in the demo's subject order.
    pub subjects: &'a [i64],
    /// The teacher of each subject (same order).
    pub teachers: &'a [i64],
    /// (class id, grade, name).
    pub classes: &'a [(i64, i64, String)],
    pub with_scores: bool,
}

pub async fn seed(
    conn: &mut AnyConnection,
    school: &DemoSchool<'_>,
    now: i64,
) -> Result<(), AppError> {
    let actor = Actor::system();
    let first = store::semester_id(conn, school.school_id, school.school_year_id, 1).await?;
    store::set_window(
        conn,
        &actor,
        school.school_id,
        first,
        WindowStatus::Open,
        None,
        now,
    )
    .await?;
    if !school.with_scores {
        return Ok(());
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    for (class_id, grade, name) in school.classes {
        if !CLASSES.contains(&name.as_str()) {
            continue;
        }
        let class = store::class_context(conn, *class_id).await?;
        let students = store::class_students(conn, school.school_id, *class_id).await?;
        for plan in PLANS {
            let (Some(subject_id), Some(teacher)) = (
                school.subjects.get(plan.subject_index),
                school.teachers.get(plan.subject_index),
            ) else {
                continue;
            };
            for student in &students {
                // Each student has a level; their scores scatter around it, in half points.
                let level: i64 = rng.gen_range(55..=95);
                for column in plan.filled {
                    let tenths = (level + rng.gen_range(-15..=15)).clamp(0, 100) / 5 * 5;
                    let score = Score::from_tenths(u8::try_from(tenths).unwrap_or(50))
                        .unwrap_or(Score::TEN);
                    let cell = CellRef {
                        school_id: school.school_id,
                        student_id: student.student_id,
                        subject_id: *subject_id,
                        semester_id: first,
                        column: *column,
                    };
                    let write = CellWrite {
                        value: Some(CellValue::Score(score)),
                        base_version: None,
                        replaces: &[],
                        client_id: None,
                        source: ChangeSource::Sheet,
                        reason: None,
                        correction_id: None,
                        staff_id: Some(*teacher),
                    };
                    store::write_cell(conn, &cell, &write, now).await?;
                }
            }
            for column in plan.released {
                store::set_release(
                    conn,
                    &actor,
                    &class,
                    *subject_id,
                    1,
                    *column,
                    true,
                    *teacher,
                    now,
                )
                .await?;
            }
        }
        let _ = grade;
    }
    Ok(())
}
