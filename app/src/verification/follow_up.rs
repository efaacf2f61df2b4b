//! Who is not verified yet — the drill-down under the progress figures, and the list a homeroom
//! teacher takes to the next parents' meeting: every guardian of the class whose link is not
//! verified (with the child and a phone number to call), and the class's teachers not verified.
//! One [`Table`] of the report mechanism: on the phone, printed, and as an Excel file. The
//! progress figures themselves also become a table here, for their Excel download.

use serde::{Deserialize, Serialize};

use crate::people::Relation;
use crate::people::names::FullName;
use crate::reports::{Cell, ColumnKind, Table};

/// One person still to verify.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    /// The child's class (for a teacher: the class of the list, or empty school-wide).
    pub class: String,
    /// The child the guardian is linked to; none for a teacher.
    pub student: Option<FullName>,
    pub person: FullName,
    /// How the guardian is related to the child; none for a teacher.
    pub relation: Option<Relation>,
    pub phone: Option<String>,
    /// Waiting for the clerk's review (rather than not started).
    pub pending: bool,
}

fn relation_label(relation: Option<Relation>) -> &'static str {
    match relation {
        Some(Relation::Father) => "Cha",
        Some(Relation::Mother) => "Mẹ",
        Some(Relation::Guardian) => "Người giám hộ",
        None => "Giáo viên",
    }
}

/// The follow-up list: guardians by class and by the class list's order of the children,
/// teachers after them by name.
pub fn follow_up_table(scope: &str, mut missing: Vec<Missing>) -> Table {
    missing.sort_by(|a, b| {
        (a.student.is_none(), &a.class)
            .cmp(&(b.student.is_none(), &b.class))
            .then_with(|| {
                let key = |m: &Missing| m.student.as_ref().map(FullName::class_list_key);
                key(a).cmp(&key(b))
            })
            .then_with(|| a.person.class_list_key().cmp(&b.person.class_list_key()))
    });
    let mut table = Table::new(
        "chua-xac-thuc",
        "Danh sách chưa xác thực (cần liên hệ)",
        scope,
    )
    .column("class", "Lớp", ColumnKind::Text)
    .column("student", "Học sinh", ColumnKind::Text)
    .column("person", "Người chưa xác thực", ColumnKind::Text)
    .column("relation", "Quan hệ", ColumnKind::Text)
    .column("phone", "Điện thoại", ColumnKind::Text)
    .column("status", "Tình trạng", ColumnKind::Text);
    table.rows = missing
        .into_iter()
        .map(|m| {
            vec![
                Cell::Text(m.class),
                m.student.map_or(Cell::Empty, |s| Cell::Text(s.full())),
                Cell::Text(m.person.full()),
                Cell::Text(relation_label(m.relation).to_string()),
                m.phone.map_or(Cell::Empty, Cell::Text),
                Cell::Text(
                    if m.pending {
                        "Chờ văn phòng duyệt"
                    } else {
                        "Chưa xác thực"
                    }
                    .to_string(),
                ),
            ]
        })
        .collect();
    table
}

/// The progress table (classes of a school, or schools of the district) with its total row, as
/// the report mechanism's table: counts, shares and how people were verified.
pub fn progress_table(view: &super::ProgressView) -> Table {
    let mut table = Table::new("tien-do-xac-thuc", "Tiến độ xác thực", &view.scope_name)
        .column(
            "label",
            if view.district { "Trường" } else { "Lớp" },
            ColumnKind::Text,
        )
        .column("guardians", "Phụ huynh", ColumnKind::Integer)
        .column("guardians_verified", "PH đã xác thực", ColumnKind::Integer)
        .column("guardians_share", "Tỉ lệ PH", ColumnKind::Text)
        .column("guardians_vneid", "PH qua VNeID", ColumnKind::Integer)
        .column("guardians_card", "PH bằng thẻ CCCD", ColumnKind::Integer)
        .column("teachers", "Giáo viên", ColumnKind::Integer)
        .column("teachers_verified", "GV đã xác thực", ColumnKind::Integer)
        .column("teachers_share", "Tỉ lệ GV", ColumnKind::Text);
    let row = |row: &super::ProgressRow| {
        vec![
            Cell::Text(row.label.clone()),
            Cell::Number(row.guardians.total),
            Cell::Number(row.guardians.verified),
            Cell::Text(row.guardians.percent_text()),
            Cell::Number(row.guardians.by_vneid),
            Cell::Number(row.guardians.by_desk_card),
            Cell::Number(row.teachers.total),
            Cell::Number(row.teachers.verified),
            Cell::Text(row.teachers.percent_text()),
        ]
    };
    table.rows = view.rows.iter().map(row).collect();
    // The whole school's (district's) figures: people counted once, not the sum of the rows (a
    // guardian of two classes, a teacher of several).
    let mut total = row(&view.total);
    total[0] = Cell::Text("Cộng".to_string());
    table.totals = Some(total);
    table
}

#[cfg(feature = "ssr")]
pub use store::{follow_up_scope, missing_in_school};

#[cfg(feature = "ssr")]
mod store {
    use serde_json::json;
    use sqlx::{AnyConnection, Row};

    use super::Missing;
    use crate::people::Relation;
    use crate::people::names::FullName;
    use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};

    fn name(row: &sqlx::any::AnyRow, prefix: &str) -> Result<FullName, sqlx::Error> {
        Ok(FullName::from_parts(
            &row.try_get::<String, _>(format!("{prefix}_family").as_str())?,
            &row.try_get::<String, _>(format!("{prefix}_middle").as_str())?,
            &row.try_get::<String, _>(format!("{prefix}_given").as_str())?,
        ))
    }

    /// "Lớp 6A1 — THCS …" or the school's name: the line under the list's title.
    pub async fn follow_up_scope(
        conn: &mut AnyConnection,
        school_id: i64,
        class_id: Option<i64>,
    ) -> Result<String, sqlx::Error> {
        let school: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
            .bind(school_id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(match class_id {
            Some(class) => {
                let class: String =
                    sqlx::query_scalar("SELECT name FROM classes WHERE id = $1 AND school_id = $2")
                        .bind(class)
                        .bind(school_id)
                        .fetch_one(&mut *conn)
                        .await?;
                format!("Lớp {class} — {school}")
            }
            None => school,
        })
    }

    /// Guardians of the current year's classes whose link is not verified, and teachers with no
    /// verification (of the class, when one is given). The read is audited: it lists people and
    /// their phone numbers.
    pub async fn missing_in_school(
        conn: &mut AnyConnection,
        actor: &Actor,
        school_id: i64,
        class_id: Option<i64>,
        now: i64,
    ) -> Result<Vec<Missing>, sqlx::Error> {
        let class_filter = class_id.unwrap_or(0);
        let mut missing = Vec::new();
        let rows = sqlx::query(
            "SELECT c.name AS class_name, l.relation, l.status, g.phone,
                    g.family_name AS g_family, g.middle_name AS g_middle, g.given_name AS g_given,
                    s.family_name AS s_family, s.middle_name AS s_middle, s.given_name AS s_given
             FROM guardian_links l
             JOIN guardians g ON g.id = l.guardian_id
             JOIN students s ON s.id = l.student_id
             JOIN class_enrollments e ON e.student_id = l.student_id AND e.school_id = $1 AND e.left_on IS NULL
             JOIN classes c ON c.id = e.class_id
             JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
             WHERE l.school_id = $1 AND l.status IN ('unverified', 'pending')
               AND ($2 = 0 OR c.id = $2)",
        )
        .bind(school_id)
        .bind(class_filter)
        .fetch_all(&mut *conn)
        .await?;
        for row in &rows {
            let relation = match row.try_get::<String, _>("relation")?.as_str() {
                "father" => Relation::Father,
                "mother" => Relation::Mother,
                _ => Relation::Guardian,
            };
            missing.push(Missing {
                class: row.try_get("class_name")?,
                student: Some(name(row, "s")?),
                person: name(row, "g")?,
                relation: Some(relation),
                phone: row.try_get("phone")?,
                pending: row.try_get::<String, _>("status")? == "pending",
            });
        }
        let guardians = missing.len();

        let teachers = sqlx::query(
            "SELECT DISTINCT st.id, st.phone,
                    st.family_name AS t_family, st.middle_name AS t_middle, st.given_name AS t_given
             FROM staff st
             JOIN staff_roles r ON r.staff_id = st.id AND r.role = 'teacher'
             LEFT JOIN staff_verifications v ON v.staff_id = st.id AND v.school_id = $1
             WHERE st.school_id = $1 AND st.status = 'active' AND v.id IS NULL
               AND ($2 = 0 OR EXISTS (SELECT 1 FROM teaching_assignments t
                                      WHERE t.staff_id = st.id AND t.school_id = $1 AND t.class_id = $2))",
        )
        .bind(school_id)
        .bind(class_filter)
        .fetch_all(&mut *conn)
        .await?;
        let class_name = match class_id {
            Some(class) => {
                sqlx::query_scalar("SELECT name FROM classes WHERE id = $1")
                    .bind(class)
                    .fetch_one(&mut *conn)
                    .await?
            }
            None => String::new(),
        };
        for row in &teachers {
            missing.push(Missing {
                class: class_name.clone(),
                student: None,
                person: name(row, "t")?,
                relation: None,
                phone: row.try_get("phone")?,
                pending: false,
            });
        }
        audit::record(
            conn,
            actor,
            AuditEvent {
                school_id: Some(school_id),
                action: AuditAction::Read,
                entity: "verification_follow_up",
                entity_id: class_id,
                reason: None,
                detail: json!({ "guardians": guardians, "teachers": teachers.len() }),
            },
            now,
        )
        .await?;
        Ok(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guardian(class: &str, child: &str, person: &str, pending: bool) -> Missing {
        Missing {
            class: class.into(),
            student: FullName::parse(child),
            person: FullName::parse(person).unwrap(),
            relation: Some(Relation::Mother),
            phone: Some("0909000111".into()),
            pending,
        }
    }

    #[test]
    fn the_progress_table_keeps_the_schools_own_total() {
        use super::super::rules::Share;
        use super::super::{ProgressRow, ProgressView};
        let share = |verified, total| Share {
            verified,
            total,
            by_vneid: verified / 2,
            by_desk_card: verified - verified / 2,
        };
        let row = |label: &str, guardians| ProgressRow {
            id: Some(1),
            label: label.into(),
            guardians,
            teachers: share(1, 2),
        };
        let view = ProgressView {
            scope_name: "THCS Phước Kiển".into(),
            school_id: Some(1),
            district: false,
            // One guardian has children in both classes: the school counts her once.
            rows: vec![row("6A1", share(3, 4)), row("6A2", share(1, 2))],
            total: ProgressRow {
                id: None,
                label: "THCS Phước Kiển".into(),
                guardians: share(3, 5),
                teachers: share(1, 3),
            },
            chart_svg: String::new(),
        };
        let table = progress_table(&view);
        assert_eq!(table.columns[0].label, "Lớp");
        assert_eq!(table.rows.len(), 2);
        let totals = table.totals.unwrap();
        assert_eq!(totals[0], Cell::Text("Cộng".into()));
        assert_eq!(totals[1], Cell::Number(5));
        assert_eq!(totals[3], Cell::Text("60,0%".into()));
        assert_eq!(table.rows[0][4], Cell::Number(1), "by VNeID");
        assert_eq!(
            table.rows[0][5],
            Cell::Number(2),
            "by the desk's card check"
        );
    }

    #[test]
    fn guardians_come_by_class_and_class_list_order_then_teachers() {
        let teacher = Missing {
            class: "6A1".into(),
            student: None,
            person: FullName::parse("Phan Minh Khoa").unwrap(),
            relation: None,
            phone: None,
            pending: false,
        };
        let table = follow_up_table(
            "Lớp 6A1",
            vec![
                teacher,
                guardian("6A2", "Lê Văn An", "Lê Thị Hoa", false),
                guardian("6A1", "Trần Thị Bích", "Ngô Thị Lan", true),
                guardian("6A1", "Nguyễn Văn Anh", "Đỗ Thị Mai", false),
            ],
        );
        let column = |key: &str| {
            let i = table.column_index(key).unwrap();
            table
                .rows
                .iter()
                .map(|r| r[i].display(ColumnKind::Text))
                .collect::<Vec<_>>()
        };
        // "Anh" before "Bích" (read out by given name), 6A1 before 6A2, the teacher last.
        assert_eq!(
            column("student"),
            ["Nguyễn Văn Anh", "Trần Thị Bích", "Lê Văn An", ""]
        );
        assert_eq!(column("relation")[3], "Giáo viên");
        assert_eq!(column("status")[1], "Chờ văn phòng duyệt");
        assert_eq!(column("status")[0], "Chưa xác thực");
        assert_eq!(table.subtitle, "Lớp 6A1");
    }
}
