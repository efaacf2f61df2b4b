//! The list the commune police confirm against the national population database, and their
//! answer: each row confirmed, corrected (with the corrected values) or not found.

use serde::{Deserialize, Serialize};

use super::{
    CellValue, Problem, RowError, fold_header, parse_date_cell, parse_personal_id_cell, parse_sex,
};
use crate::people::FullName;
use crate::platform::collation::normalize_name;
use crate::platform::personal_id::{PersonalId, Sex};
use time::Date;

/// Headers of the list sent to the police; the last five are theirs to fill in.
pub const EXPORT_HEADERS: [&str; 18] = [
    "STT",
    "Mã trường",
    "Mã học sinh",
    "Số định danh cá nhân",
    "Họ tên",
    "Ngày sinh",
    "Giới tính",
    "Họ tên cha",
    "Số định danh cha",
    "Họ tên mẹ",
    "Số định danh mẹ",
    "Họ tên người giám hộ",
    "Số định danh người giám hộ",
    RESULT,
    CORRECT_NAME,
    CORRECT_BIRTH,
    CORRECT_SEX,
    CORRECT_ID,
];

pub const RESULT: &str = "Kết quả xác thực";
pub const CORRECT_NAME: &str = "Họ tên đúng";
pub const CORRECT_BIRTH: &str = "Ngày sinh đúng";
pub const CORRECT_SEX: &str = "Giới tính đúng";
pub const CORRECT_ID: &str = "Số định danh đúng";

/// The police's answer for one student.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    Confirmed,
    Corrected,
    NotFound,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::Corrected => "corrected",
            Outcome::NotFound => "not_found",
        }
    }
}

pub fn parse_outcome(text: &str) -> Option<Outcome> {
    match fold_header(text).as_str() {
        "da xac nhan" | "xac nhan" | "khop" | "dung" | "confirmed" => Some(Outcome::Confirmed),
        "da chinh sua" | "chinh sua" | "dieu chinh" | "sai" | "corrected" => {
            Some(Outcome::Corrected)
        }
        "khong tim thay" | "khong co" | "khong co du lieu" | "not found" => Some(Outcome::NotFound),
        _ => None,
    }
}

/// One row of the returned file, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub row: u32,
    pub moet_code: Option<String>,
    pub personal_id: Option<PersonalId>,
    pub outcome: Outcome,
    pub name: Option<FullName>,
    pub date_of_birth: Option<Date>,
    pub sex: Option<Sex>,
    pub corrected_id: Option<PersonalId>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    MoetCode,
    PersonalId,
    Result,
    Name,
    Birth,
    Sex,
    CorrectId,
}

fn column(header: &str) -> Option<Col> {
    let folded = fold_header(header);
    [
        ("Mã học sinh", Col::MoetCode),
        ("Số định danh cá nhân", Col::PersonalId),
        (RESULT, Col::Result),
        ("Kết quả", Col::Result),
        (CORRECT_NAME, Col::Name),
        (CORRECT_BIRTH, Col::Birth),
        (CORRECT_SEX, Col::Sex),
        (CORRECT_ID, Col::CorrectId),
    ]
    .iter()
    .find(|(h, _)| fold_header(h) == folded)
    .map(|(_, c)| *c)
}

/// Reads the returned file: the header row (the first naming the result column), then every row.
/// A corrected row needs at least one corrected value.
pub fn read_answers(
    grid: &[(u32, Vec<CellValue>)],
) -> Result<(Vec<Answer>, Vec<RowError>), String> {
    let Some(position) = grid.iter().take(20).position(|(_, cells)| {
        cells
            .iter()
            .any(|c| column(&c.as_text()) == Some(Col::Result))
    }) else {
        return Err(RESULT.to_string());
    };
    let (_, header_cells) = &grid[position];
    let columns: Vec<Option<Col>> = header_cells.iter().map(|c| column(&c.as_text())).collect();
    let header_text = |col: Col| {
        columns
            .iter()
            .position(|c| *c == Some(col))
            .and_then(|i| header_cells.get(i))
            .map(CellValue::as_text)
            .unwrap_or_default()
    };
    let cell = |cells: &[CellValue], col: Col| -> Option<CellValue> {
        columns
            .iter()
            .position(|c| *c == Some(col))
            .and_then(|i| cells.get(i).cloned())
            .filter(|c| !c.is_empty())
    };
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in grid.iter().skip(position + 1) {
        if cells.iter().all(CellValue::is_empty) {
            continue;
        }
        let fail = |errors: &mut Vec<RowError>, col: Col, problem: Problem| {
            errors.push(RowError::new(*row, &header_text(col), problem));
        };
        let before = errors.len();
        let personal_id = match cell(cells, Col::PersonalId) {
            Some(c) => match parse_personal_id_cell(&c) {
                Some(id) => Some(id),
                None => {
                    fail(&mut errors, Col::PersonalId, Problem::PersonalIdFormat);
                    None
                }
            },
            None => None,
        };
        let moet_code = cell(cells, Col::MoetCode).map(|c| c.as_text());
        if personal_id.is_none() && moet_code.is_none() && errors.len() == before {
            fail(&mut errors, Col::PersonalId, Problem::NoKey);
        }
        let outcome = match cell(cells, Col::Result).map(|c| parse_outcome(&c.as_text())) {
            Some(Some(outcome)) => Some(outcome),
            Some(None) => {
                fail(&mut errors, Col::Result, Problem::StatusInvalid);
                None
            }
            None => {
                fail(&mut errors, Col::Result, Problem::Missing);
                None
            }
        };
        let name = match cell(cells, Col::Name) {
            Some(c) => match FullName::parse(&normalize_name(&c.as_text())) {
                Some(name) if !name.family.is_empty() => Some(name),
                _ => {
                    fail(&mut errors, Col::Name, Problem::NameInvalid);
                    None
                }
            },
            None => None,
        };
        let date_of_birth = match cell(cells, Col::Birth) {
            Some(c) => match parse_date_cell(&c) {
                Some(d) => Some(d),
                None => {
                    fail(&mut errors, Col::Birth, Problem::DateInvalid);
                    None
                }
            },
            None => None,
        };
        let sex = match cell(cells, Col::Sex) {
            Some(c) => match parse_sex(&c.as_text()) {
                Some(s) => Some(s),
                None => {
                    fail(&mut errors, Col::Sex, Problem::SexInvalid);
                    None
                }
            },
            None => None,
        };
        let corrected_id = match cell(cells, Col::CorrectId) {
            Some(c) => match parse_personal_id_cell(&c) {
                Some(id) => Some(id),
                None => {
                    fail(&mut errors, Col::CorrectId, Problem::PersonalIdFormat);
                    None
                }
            },
            None => None,
        };
        if outcome == Some(Outcome::Corrected)
            && name.is_none()
            && date_of_birth.is_none()
            && sex.is_none()
            && corrected_id.is_none()
            && errors.len() == before
        {
            fail(&mut errors, Col::Name, Problem::Missing);
        }
        if let (Some(outcome), true) = (outcome, errors.len() == before) {
            answers.push(Answer {
                row: *row,
                moet_code,
                personal_id,
                outcome,
                name,
                date_of_birth,
                sex,
                corrected_id,
            });
        }
    }
    Ok((answers, errors))
}
