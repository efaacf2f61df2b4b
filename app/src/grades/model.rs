//! What the grade screens and server functions exchange, and the pure helpers both sides use to
//! turn a sheet's cells into averages (the browser shows live averages with the same code the
//! server uses for results).

use serde::{Deserialize, Serialize};

use super::rules::{
    CommentResult, Computable, GradingSettings, Level, Score, ScoreError, Semester, SemesterScores,
    semester_subject_average, year_subject_average,
};
use crate::people::{Assessment, FullName};

/// A column of a score sheet. Codes are stored in the database and used in Excel headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Column {
    /// ĐĐGtx number 1..=9.
    Regular(u8),
    /// ĐĐGgk.
    Midterm,
    /// ĐĐGck.
    Final,
    /// The semester result of a comment-only subject (Đạt / Chưa đạt, with a comment).
    Comment,
}

impl Column {
    pub fn code(self) -> String {
        match self {
            Column::Regular(n) => format!("tx{n}"),
            Column::Midterm => "gk".into(),
            Column::Final => "ck".into(),
            Column::Comment => "nx".into(),
        }
    }

    pub fn from_code(code: &str) -> Option<Column> {
        match code {
            "gk" => Some(Column::Midterm),
            "ck" => Some(Column::Final),
            "nx" => Some(Column::Comment),
            _ => {
                let n: u8 = code.strip_prefix("tx")?.parse().ok()?;
                (1..=9).contains(&n).then_some(Column::Regular(n))
            }
        }
    }

    /// The header as schools write it (vnEdu style): TX1, GK, CK; "NX" for a comment result.
    pub fn header(self) -> String {
        self.code().to_uppercase()
    }

    /// The columns of a sheet: TX1…TXn, GK, CK for a scored subject; the result for the others.
    pub fn for_subject(assessment: Assessment, planned_regular: u8) -> Vec<Column> {
        match assessment {
            Assessment::Comment => vec![Column::Comment],
            Assessment::Scored => (1..=planned_regular.clamp(1, 9))
                .map(Column::Regular)
                .chain([Column::Midterm, Column::Final])
                .collect(),
        }
    }
}

impl TryFrom<String> for Column {
    type Error = String;
    fn try_from(code: String) -> Result<Column, String> {
        Column::from_code(&code).ok_or(code)
    }
}

impl From<Column> for String {
    fn from(column: Column) -> String {
        column.code()
    }
}

/// What a cell holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellValue {
    Score(Score),
    Comment {
        result: CommentResult,
        #[serde(default)]
        note: String,
    },
}

impl CellValue {
    /// The form stored in the history and shown there: "7.5", "pass", "not_yet".
    pub fn history_text(&self) -> String {
        match self {
            CellValue::Score(score) => score.to_string(),
            CellValue::Comment { result, .. } => comment_code(*result).to_string(),
        }
    }

    pub fn score(&self) -> Option<Score> {
        match self {
            CellValue::Score(score) => Some(*score),
            CellValue::Comment { .. } => None,
        }
    }
}

pub fn comment_code(result: CommentResult) -> &'static str {
    match result {
        CommentResult::Pass => "pass",
        CommentResult::NotYet => "not_yet",
    }
}

pub fn comment_from_code(code: &str) -> Option<CommentResult> {
    match code {
        "pass" => Some(CommentResult::Pass),
        "not_yet" => Some(CommentResult::NotYet),
        _ => None,
    }
}

/// Whether a semester's scores can be entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowStatus {
    /// Not opened by the school yet.
    NotOpen,
    Open,
    /// Closed for entry; a change needs an approved correction.
    Locked,
}

impl WindowStatus {
    pub fn code(self) -> &'static str {
        match self {
            WindowStatus::NotOpen => "not_open",
            WindowStatus::Open => "open",
            WindowStatus::Locked => "locked",
        }
    }
}

pub fn semester_of(number: u8) -> Option<Semester> {
    match number {
        1 => Some(Semester::First),
        2 => Some(Semester::Second),
        _ => None,
    }
}

/// A student on a sheet, in class-list order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetStudent {
    pub student_id: i64,
    pub moet_code: Option<String>,
    pub name: FullName,
}

/// A stored cell: its value (`None` once cleared) and version (0 when never written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellView {
    pub student_id: i64,
    pub column: Column,
    pub value: Option<CellValue>,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnView {
    pub column: Column,
    pub released: bool,
}

/// One class × subject × semester, as the teacher's sheet shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SheetView {
    pub class_id: i64,
    pub class_name: String,
    pub subject_id: i64,
    pub subject_vi: String,
    pub subject_en: String,
    pub semester: u8,
    pub assessment: Assessment,
    pub planned_regular: u8,
    pub columns: Vec<ColumnView>,
    pub students: Vec<SheetStudent>,
    pub cells: Vec<CellView>,
    /// Semester I averages, on a semester II sheet, for the live year average.
    pub first_semester: Vec<(i64, Score)>,
    pub window: WindowStatus,
    /// The viewer is the subject teacher (entry, release, import).
    pub can_edit: bool,
    pub viewer_staff_id: i64,
    pub settings: GradingSettings,
    /// Server time of this copy (Unix seconds).
    pub fetched_at: i64,
}

impl SheetView {
    pub fn cell(&self, student_id: i64, column: Column) -> Option<&CellView> {
        self.cells
            .iter()
            .find(|c| c.student_id == student_id && c.column == column)
    }

    /// Where a cell's queued edits are kept on the device.
    pub fn cell_key(&self, student_id: i64, column: Column) -> CellKey {
        CellKey {
            class_id: self.class_id,
            subject_id: self.subject_id,
            semester: self.semester,
            student_id,
            column,
        }
    }
}

/// (class, subject, semester, student, column): the identity of a cell across devices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellKey {
    pub class_id: i64,
    pub subject_id: i64,
    pub semester: u8,
    pub student_id: i64,
    pub column: Column,
}

impl CellKey {
    pub fn storage_key(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.class_id,
            self.subject_id,
            self.semester,
            self.student_id,
            self.column.code()
        )
    }
}

/// One change typed by a teacher. `value` is the text as typed for a score ("7,5"; empty clears
/// the cell) or "pass" / "not_yet" / "" for a comment-only subject. `base_version` is the cell's
/// version the teacher saw; `client_id` is made on the device, so a resent edit applies once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellEdit {
    pub client_id: String,
    pub student_id: i64,
    pub column: Column,
    pub value: String,
    #[serde(default)]
    pub note: Option<String>,
    pub base_version: i64,
    /// Client ids of this device's earlier edits of the same cell that this one replaces (their
    /// answer may have been lost): a version they produced is not a conflict.
    #[serde(default)]
    pub replaces: Vec<String>,
}

/// What became of one edit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EditOutcome {
    /// Stored (or found stored already, when the same edit came twice); the cell now has this.
    Applied {
        client_id: String,
        version: i64,
        value: Option<CellValue>,
    },
    /// Someone changed the cell after the teacher saw it: nothing stored; here is theirs.
    Conflict {
        client_id: String,
        version: i64,
        theirs: Option<CellValue>,
        changed_by: Option<String>,
    },
    /// Not a valid value, or not allowed now (`error` is a stable code; a score too precise
    /// carries the suggested rounding).
    Refused {
        client_id: String,
        error: String,
        #[serde(default)]
        suggestion: Option<String>,
    },
}

impl EditOutcome {
    pub fn client_id(&self) -> &str {
        match self {
            EditOutcome::Applied { client_id, .. }
            | EditOutcome::Conflict { client_id, .. }
            | EditOutcome::Refused { client_id, .. } => client_id,
        }
    }

    pub fn refused(client_id: &str, error: ScoreError) -> EditOutcome {
        EditOutcome::Refused {
            client_id: client_id.to_string(),
            error: error.code().to_string(),
            suggestion: match error {
                ScoreError::TooPrecise { suggestion } => Some(suggestion.to_string()),
                _ => None,
            },
        }
    }
}

/// Reads what a teacher typed into a cell of this kind of subject; `Ok(None)` clears the cell.
pub fn parse_cell(
    assessment: Assessment,
    text: &str,
    note: Option<&str>,
) -> Result<Option<CellValue>, ScoreError> {
    match assessment {
        Assessment::Scored => {
            if text.trim().is_empty() {
                Ok(None)
            } else {
                Score::parse(text).map(|score| Some(CellValue::Score(score)))
            }
        }
        Assessment::Comment => match text.trim() {
            "" => Ok(None),
            code => comment_from_code(code)
                .map(|result| {
                    Some(CellValue::Comment {
                        result,
                        note: note.unwrap_or_default().trim().to_string(),
                    })
                })
                .ok_or(ScoreError::NotANumber),
        },
    }
}

/// A student's scores in one semester from a sheet's cells (columns without a score are absent).
pub fn semester_scores<'a>(
    cells: impl IntoIterator<Item = (Column, Option<&'a CellValue>)>,
) -> SemesterScores {
    let mut scores = SemesterScores::default();
    for (column, value) in cells {
        let Some(score) = value.and_then(CellValue::score) else {
            continue;
        };
        match column {
            Column::Regular(_) => scores.regular.push(score),
            Column::Midterm => scores.midterm = Some(score),
            Column::Final => scores.final_exam = Some(score),
            Column::Comment => {}
        }
    }
    scores
}

/// ĐTBmhk of one row, from whatever the sheet shows now.
pub fn row_average<'a>(
    cells: impl IntoIterator<Item = (Column, Option<&'a CellValue>)>,
    planned_regular: u8,
    settings: &GradingSettings,
) -> Computable<Score> {
    semester_subject_average(&semester_scores(cells), planned_regular, settings)
}

/// ĐTBmcn from the semester averages, when both exist.
pub fn row_year_average(
    first: Option<Score>,
    second: Option<Score>,
    settings: &GradingSettings,
) -> Option<Score> {
    year_subject_average(first, second, settings).into_value()
}

/// The staff member's sheets and classes, for the grades start page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradesHome {
    pub sheets: Vec<SheetLink>,
    pub homeroom: Vec<ClassLink>,
    pub is_school_admin: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetLink {
    pub class_id: i64,
    pub class_name: String,
    pub subject_id: i64,
    pub subject_vi: String,
    pub subject_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassLink {
    pub class_id: i64,
    pub class_name: String,
}

/// One line of a cell's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub changed_at: i64,
    pub changed_by: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub source: String,
    pub reason: Option<String>,
}

/// A semester's entry window, for the school admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowView {
    pub semester_id: i64,
    pub number: u8,
    pub school_year: String,
    pub status: WindowStatus,
}

/// A correction waiting for the school admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionView {
    pub id: i64,
    pub class_name: String,
    pub subject_vi: String,
    pub student: FullName,
    pub semester: u8,
    pub column: Column,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradeAdminView {
    pub windows: Vec<WindowView>,
    pub corrections: Vec<CorrectionView>,
    pub settings: GradingSettings,
}

/// A parent's (or the student's own) view of a child's grades: released columns only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildGradesView {
    pub student_id: i64,
    pub name: FullName,
    pub class_name: String,
    pub subjects: Vec<ChildSubject>,
    /// Learning result of each semester (when every subject's result is released), then the year.
    pub learning: [Option<Level>; 3],
    /// When this viewer last looked before now (scores released or changed since are `new`).
    pub last_visit_at: Option<i64>,
    pub fetched_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildSubject {
    pub subject_id: i64,
    pub name_vi: String,
    pub name_en: String,
    pub assessment: Assessment,
    pub semesters: Vec<ChildSemester>,
    pub year_average: Option<Score>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildSemester {
    pub number: u8,
    pub scores: Vec<ChildScore>,
    pub average: Option<Score>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildScore {
    pub column: Column,
    pub value: CellValue,
    pub new: bool,
}

/// The homeroom teacher's class summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassResultsView {
    pub class_id: i64,
    pub class_name: String,
    pub can_edit: bool,
    pub subjects: Vec<(i64, String)>,
    pub students: Vec<StudentResults>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudentResults {
    pub student_id: i64,
    pub name: FullName,
    /// Per subject (in `subjects` order): semester I, semester II and year results.
    pub subjects: Vec<[Option<super::rules::SubjectResult>; 3]>,
    pub learning: [Option<Level>; 3],
    pub conduct: [Option<Level>; 3],
    /// Days absent in the year (roll calls plus typed days), as promotion counts them.
    pub absences: Option<u16>,
    /// The days typed for the time before the app's roll call.
    pub typed_absences: Option<u16>,
    /// Promotion status code (promoted, summer_retraining, retest, not_promoted) once computable.
    pub status: Option<String>,
    pub award: Option<super::rules::Award>,
}

/// A preview of an Excel import: what would change, and every row that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub changes: Vec<ImportChange>,
    pub errors: Vec<ImportRowError>,
    pub rows: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportChange {
    pub row: usize,
    pub student_id: i64,
    pub student_name: String,
    pub column: Column,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// The value to write (kept on the server: the preview shows `new_value`).
    #[serde(skip)]
    pub value: Option<CellValue>,
}

/// A bad row: its number in the sheet (1 = the header) and a stable code for the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowError {
    pub row: usize,
    pub column: Option<String>,
    pub error: String,
    pub detail: Option<String>,
}

/// An Excel file for the browser to save.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcelFile {
    pub file_name: String,
    pub base64: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grades::rules::s;

    #[test]
    fn column_codes_round_trip_and_follow_the_subject() {
        for column in [
            Column::Regular(1),
            Column::Regular(9),
            Column::Midterm,
            Column::Final,
            Column::Comment,
        ] {
            assert_eq!(Column::from_code(&column.code()), Some(column));
        }
        assert_eq!(Column::from_code("tx0"), None);
        assert_eq!(Column::from_code("tx10"), None);
        let headers: Vec<String> = Column::for_subject(Assessment::Scored, 3)
            .into_iter()
            .map(Column::header)
            .collect();
        assert_eq!(headers, ["TX1", "TX2", "TX3", "GK", "CK"]);
        assert_eq!(
            Column::for_subject(Assessment::Comment, 2),
            [Column::Comment]
        );
    }

    #[test]
    fn cells_parse_by_subject_kind() {
        assert_eq!(
            parse_cell(Assessment::Scored, "7,5", None),
            Ok(Some(CellValue::Score(s("7.5"))))
        );
        assert_eq!(parse_cell(Assessment::Scored, " ", None), Ok(None));
        assert_eq!(
            parse_cell(Assessment::Scored, "7.25", None),
            Err(ScoreError::TooPrecise {
                suggestion: s("7.3")
            })
        );
        assert_eq!(
            parse_cell(Assessment::Comment, "not_yet", Some(" cần cố gắng ")),
            Ok(Some(CellValue::Comment {
                result: CommentResult::NotYet,
                note: "cần cố gắng".into()
            }))
        );
        assert!(parse_cell(Assessment::Comment, "8", None).is_err());
    }

    #[test]
    fn a_row_average_needs_every_planned_score() {
        let settings = GradingSettings::default();
        let values = [
            (Column::Regular(1), CellValue::Score(s("8"))),
            (Column::Regular(2), CellValue::Score(s("7"))),
            (Column::Regular(3), CellValue::Score(s("9"))),
            (Column::Midterm, CellValue::Score(s("6.5"))),
        ];
        let partial = row_average(values.iter().map(|(c, v)| (*c, Some(v))), 3, &settings);
        assert!(!partial.is_ready());
        let full = values
            .iter()
            .map(|(c, v)| (*c, Some(v.clone())))
            .chain([(Column::Final, Some(CellValue::Score(s("8"))))])
            .collect::<Vec<_>>();
        let average = row_average(full.iter().map(|(c, v)| (*c, v.as_ref())), 3, &settings);
        assert_eq!(average.into_value(), Some(s("7.6")));
        assert_eq!(
            row_year_average(Some(s("7.6")), Some(s("8.3")), &settings),
            Some(s("8.1"))
        );
    }

    #[test]
    fn a_refused_edit_keeps_its_code_and_suggestion() {
        let refused = EditOutcome::refused(
            "c1",
            ScoreError::TooPrecise {
                suggestion: s("7.3"),
            },
        );
        let json = serde_json::to_value(&refused).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"outcome": "refused", "client_id": "c1", "error": "score_too_precise", "suggestion": "7.3"})
        );
    }
}
