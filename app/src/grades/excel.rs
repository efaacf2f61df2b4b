//! Score sheets as Excel workbooks, the way schools exchange them with vnEdu or SMAS: headers
//! `STT`, `Mã học sinh`, `Họ và tên`, `TX1`…, `GK`, `CK`, then the averages. Imports match
//! columns by header name (with or without diacritics, any case) and students by their code.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};

use super::model::{
    CellValue, Column, ImportChange, ImportPreview, ImportRowError, SheetView, parse_cell,
    row_average, row_year_average,
};
use super::rules::{CommentResult, Score};
use crate::people::Assessment;
use crate::platform::collation::fold_for_search;
use crate::platform::error::{AppError, ErrorCode};

const STT: &str = "STT";
const STUDENT_CODE: &str = "Mã học sinh";
const FULL_NAME: &str = "Họ và tên";
const SEMESTER_AVERAGE: &str = "ĐTBmhk";
const YEAR_AVERAGE: &str = "ĐTBmcn";
const RESULT: &str = "Kết quả";
const COMMENT: &str = "Nhận xét";
const PASS: &str = "Đạt";
const NOT_YET: &str = "Chưa đạt";

fn xlsx_error(error: rust_xlsxwriter::XlsxError) -> AppError {
    tracing::error!(%error, "could not write a workbook");
    AppError::new(ErrorCode::Internal)
}

/// The sheet as an .xlsx workbook.
pub fn export(sheet: &SheetView) -> Result<Vec<u8>, AppError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let one_decimal = Format::new().set_num_format("0.0");
    let worksheet = workbook.add_worksheet();
    worksheet
        .set_name(format!("{} HK{}", sheet.class_name, sheet.semester))
        .map_err(xlsx_error)?;
    let mut headers: Vec<String> = vec![STT.into(), STUDENT_CODE.into(), FULL_NAME.into()];
    match sheet.assessment {
        Assessment::Scored => {
            headers.extend(sheet.columns.iter().map(|c| c.column.header()));
            headers.push(SEMESTER_AVERAGE.into());
            if sheet.semester == 2 {
                headers.push(YEAR_AVERAGE.into());
            }
        }
        Assessment::Comment => {
            headers.push(RESULT.into());
            headers.push(COMMENT.into());
        }
    }
    for (col, header) in headers.iter().enumerate() {
        worksheet
            .write_string_with_format(0, col_index(col), header, &bold)
            .map_err(xlsx_error)?;
    }
    for (index, student) in sheet.students.iter().enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(u32::MAX);
        worksheet
            .write_number(row, 0, (index + 1) as f64)
            .map_err(xlsx_error)?;
        worksheet
            .write_string(row, 1, student.moet_code.clone().unwrap_or_default())
            .map_err(xlsx_error)?;
        worksheet
            .write_string(row, 2, student.name.full())
            .map_err(xlsx_error)?;
        let value = |column: Column| {
            sheet
                .cell(student.student_id, column)
                .and_then(|c| c.value.clone())
        };
        match sheet.assessment {
            Assessment::Scored => {
                let mut col = 3usize;
                for column in sheet.columns.iter().map(|c| c.column) {
                    if let Some(score) = value(column).and_then(|v| v.score()) {
                        worksheet
                            .write_number(row, col_index(col), score_number(score))
                            .map_err(xlsx_error)?;
                    }
                    col += 1;
                }
                let average = row_average(
                    sheet.columns.iter().map(|c| {
                        (
                            c.column,
                            sheet
                                .cell(student.student_id, c.column)
                                .and_then(|cell| cell.value.as_ref()),
                        )
                    }),
                    sheet.planned_regular,
                    &sheet.settings,
                )
                .into_value();
                if let Some(average) = average {
                    worksheet
                        .write_number_with_format(
                            row,
                            col_index(col),
                            score_number(average),
                            &one_decimal,
                        )
                        .map_err(xlsx_error)?;
                }
                if sheet.semester == 2 {
                    let first = sheet
                        .first_semester
                        .iter()
                        .find(|(id, _)| *id == student.student_id)
                        .map(|(_, s)| *s);
                    if let Some(year) = row_year_average(first, average, &sheet.settings) {
                        worksheet
                            .write_number_with_format(
                                row,
                                col_index(col + 1),
                                score_number(year),
                                &one_decimal,
                            )
                            .map_err(xlsx_error)?;
                    }
                }
            }
            Assessment::Comment => {
                if let Some(CellValue::Comment { result, note }) = value(Column::Comment) {
                    let text = match result {
                        CommentResult::Pass => PASS,
                        CommentResult::NotYet => NOT_YET,
                    };
                    worksheet.write_string(row, 3, text).map_err(xlsx_error)?;
                    worksheet.write_string(row, 4, note).map_err(xlsx_error)?;
                }
            }
        }
    }
    worksheet.set_column_width(2, 28).map_err(xlsx_error)?;
    worksheet.set_column_width(1, 14).map_err(xlsx_error)?;
    workbook.save_to_buffer().map_err(xlsx_error)
}

fn col_index(col: usize) -> u16 {
    u16::try_from(col).unwrap_or(u16::MAX)
}

fn score_number(score: Score) -> f64 {
    f64::from(score.tenths()) / 10.0
}

/// What a header names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeaderKind {
    StudentCode,
    Score(Column),
    Result,
    Comment,
    /// STT, name, averages, anything else: read and ignored.
    Ignored,
    /// A score column this subject does not have (e.g. TX4 for a subject with 3).
    UnknownScore,
}

fn header_kind(text: &str, columns: &[Column]) -> HeaderKind {
    let folded: String = fold_for_search(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '_')
        .collect();
    match folded.as_str() {
        "mahocsinh" | "mahs" | "madinhdanh" | "mahocsinhmadinhdanh" => {
            return HeaderKind::StudentCode;
        }
        "ketqua" | "danhgia" => return HeaderKind::Result,
        "nhanxet" => return HeaderKind::Comment,
        _ => {}
    }
    let code = folded.strip_prefix("ddg").unwrap_or(&folded).to_string();
    match Column::from_code(&code) {
        Some(column) if column != Column::Comment => {
            if columns.contains(&column) {
                HeaderKind::Score(column)
            } else {
                HeaderKind::UnknownScore
            }
        }
        _ => HeaderKind::Ignored,
    }
}

/// A cell's text: numbers as the shortest decimal ("7.5"), text as written.
fn cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(text) => text.trim().to_string(),
        Data::Float(number) => format_number(*number),
        Data::Int(number) => number.to_string(),
        Data::Bool(value) => value.to_string(),
        other => other.to_string(),
    }
}

/// Excel keeps numbers as binary floating point; its own display (15 significant digits) is
/// what the teacher typed, so 7.5 reads "7.5" and 7.25 reads "7.25".
fn format_number(number: f64) -> String {
    let text = format!("{number:.10}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_string()
}

fn row_error(
    row: usize,
    column: Option<&str>,
    code: ErrorCode,
    detail: Option<String>,
) -> ImportRowError {
    ImportRowError {
        row,
        column: column.map(str::to_string),
        error: code.as_str().to_string(),
        detail,
    }
}

/// Student codes are digits that Excel may have turned into a number, losing leading zeros.
fn same_code(own: &str, given: &str) -> bool {
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    !given.is_empty()
        && (own == given
            || (digits(own)
                && digits(given)
                && own.trim_start_matches('0') == given.trim_start_matches('0')))
}

/// Reads a workbook against the sheet it is meant for: every change it would make (to cells
/// whose value differs), and every row that cannot be read, with its row number and reason.
/// An empty cell changes nothing.
pub fn preview(bytes: &[u8], sheet: &SheetView) -> Result<ImportPreview, AppError> {
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| AppError::new(ErrorCode::ImportNotASpreadsheet))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| AppError::new(ErrorCode::ImportNotASpreadsheet))?
        .map_err(|_| AppError::new(ErrorCode::ImportNotASpreadsheet))?;
    let columns: Vec<Column> = sheet.columns.iter().map(|c| c.column).collect();
    let rows: Vec<&[Data]> = range.rows().collect();
    // The header row: the first with a student-code column (a title may come before it).
    let Some((header_index, kinds)) = rows.iter().enumerate().find_map(|(index, row)| {
        let kinds: Vec<HeaderKind> = row
            .iter()
            .map(|cell| header_kind(&cell_text(cell), &columns))
            .collect();
        kinds
            .contains(&HeaderKind::StudentCode)
            .then_some((index, kinds))
    }) else {
        return Err(AppError::new(ErrorCode::ImportMissingColumn));
    };
    let row_number = |index: usize| index + 1 + range.start().map_or(0, |(r, _)| r as usize);
    let mut preview = ImportPreview {
        changes: Vec::new(),
        errors: Vec::new(),
        rows: 0,
    };
    for (position, kind) in kinds.iter().enumerate() {
        if *kind == HeaderKind::UnknownScore {
            let header = rows[header_index]
                .get(position)
                .map(cell_text)
                .unwrap_or_default();
            preview.errors.push(row_error(
                row_number(header_index),
                Some(&header),
                ErrorCode::ImportUnknownColumn,
                None,
            ));
        }
    }
    let code_at = kinds
        .iter()
        .position(|k| *k == HeaderKind::StudentCode)
        .unwrap_or(0);
    let mut seen = std::collections::HashSet::new();
    for (index, row) in rows.iter().enumerate().skip(header_index + 1) {
        let texts: Vec<String> = row.iter().map(cell_text).collect();
        if texts.iter().all(String::is_empty) {
            continue;
        }
        preview.rows += 1;
        let number = row_number(index);
        let code = texts.get(code_at).cloned().unwrap_or_default();
        let Some(student) = sheet.students.iter().find(|s| {
            s.moet_code
                .as_deref()
                .is_some_and(|own| same_code(own, &code))
        }) else {
            preview.errors.push(row_error(
                number,
                Some(STUDENT_CODE),
                ErrorCode::ImportUnknownStudent,
                Some(code),
            ));
            continue;
        };
        if !seen.insert(student.student_id) {
            preview.errors.push(row_error(
                number,
                Some(STUDENT_CODE),
                ErrorCode::Duplicate,
                Some(code),
            ));
            continue;
        }
        let change = |column: Column, value: CellValue| -> Option<ImportChange> {
            let old = sheet
                .cell(student.student_id, column)
                .and_then(|c| c.value.clone());
            (old.as_ref() != Some(&value)).then(|| ImportChange {
                row: number,
                student_id: student.student_id,
                student_name: student.name.full(),
                column,
                old_value: old.as_ref().map(CellValue::history_text),
                new_value: Some(value.history_text()),
                value: Some(value),
            })
        };
        match sheet.assessment {
            Assessment::Scored => {
                let mut row_errors = Vec::new();
                let mut row_changes = Vec::new();
                for (position, kind) in kinds.iter().enumerate() {
                    let HeaderKind::Score(column) = kind else {
                        continue;
                    };
                    let text = texts.get(position).cloned().unwrap_or_default();
                    if text.is_empty() {
                        continue;
                    }
                    match parse_cell(Assessment::Scored, &text, None) {
                        Ok(Some(value)) => row_changes.push((*column, value)),
                        Ok(None) => {}
                        Err(error) => row_errors.push(row_error(
                            number,
                            Some(&column.header()),
                            super::errors::score_error_code(error),
                            Some(match error {
                                super::rules::ScoreError::TooPrecise { suggestion } => {
                                    format!("{text} → {suggestion}")
                                }
                                _ => text.clone(),
                            }),
                        )),
                    }
                }
                if row_errors.is_empty() {
                    preview.changes.extend(
                        row_changes
                            .into_iter()
                            .filter_map(|(column, value)| change(column, value)),
                    );
                } else {
                    preview.errors.extend(row_errors);
                }
            }
            Assessment::Comment => {
                let result_at = kinds.iter().position(|k| *k == HeaderKind::Result);
                let note_at = kinds.iter().position(|k| *k == HeaderKind::Comment);
                let text = result_at
                    .and_then(|p| texts.get(p).cloned())
                    .unwrap_or_default();
                if text.is_empty() {
                    continue;
                }
                let result = match fold_for_search(&text).as_str() {
                    "dat" | "d" | "pass" => Some(CommentResult::Pass),
                    "chua dat" | "cd" | "not yet" | "not_yet" => Some(CommentResult::NotYet),
                    _ => None,
                };
                let Some(result) = result else {
                    preview.errors.push(row_error(
                        number,
                        Some(RESULT),
                        ErrorCode::InvalidInput,
                        Some(text),
                    ));
                    continue;
                };
                let note = note_at
                    .and_then(|p| texts.get(p).cloned())
                    .unwrap_or_default();
                preview
                    .changes
                    .extend(change(Column::Comment, CellValue::Comment { result, note }));
            }
        }
    }
    Ok(preview)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grades::model::{CellView, ColumnView, SheetStudent, WindowStatus};
    use crate::grades::rules::{GradingSettings, s};
    use crate::people::FullName;

    fn sheet() -> SheetView {
        let columns = Column::for_subject(Assessment::Scored, 3);
        SheetView {
            class_id: 1,
            class_name: "6A1".into(),
            subject_id: 2,
            subject_vi: "Toán".into(),
            subject_en: "Mathematics".into(),
            semester: 1,
            assessment: Assessment::Scored,
            planned_regular: 3,
            columns: columns
                .iter()
                .map(|c| ColumnView {
                    column: *c,
                    released: false,
                })
                .collect(),
            students: vec![
                SheetStudent {
                    student_id: 10,
                    moet_code: Some("HS001".into()),
                    name: FullName::from_parts("Nguyễn", "Văn", "An"),
                },
                SheetStudent {
                    student_id: 11,
                    moet_code: Some("HS002".into()),
                    name: FullName::from_parts("Trần", "Thị", "Bình"),
                },
            ],
            cells: vec![CellView {
                student_id: 10,
                column: Column::Regular(1),
                value: Some(CellValue::Score(s("8"))),
                version: 1,
            }],
            first_semester: Vec::new(),
            window: WindowStatus::Open,
            can_edit: true,
            viewer_staff_id: 5,
            settings: GradingSettings::default(),
            fetched_at: 0,
        }
    }

    /// A workbook as a school might send it: a title line, headers in another order and case.
    fn workbook(rows: &[&[&str]]) -> Vec<u8> {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match text.parse::<f64>() {
                    Ok(number) => sheet.write_number(r, c, number).unwrap(),
                    Err(_) => sheet.write_string(r, c, *text).unwrap(),
                };
            }
        }
        workbook.save_to_buffer().unwrap()
    }

    #[test]
    fn an_export_reads_back_with_nothing_to_change() {
        let sheet = sheet();
        let bytes = export(&sheet).unwrap();
        let preview = preview(&bytes, &sheet).unwrap();
        assert_eq!(preview.errors, []);
        assert_eq!(preview.changes, []);
        assert_eq!(preview.rows, 2);
    }

    #[test]
    fn headers_match_by_name_and_changes_are_listed() {
        let bytes = workbook(&[
            &["Bảng điểm lớp 6A1"],
            &[
                "stt",
                "Họ và tên",
                "MA HOC SINH",
                "ck",
                "ĐĐGtx2",
                "TX1",
                "GK",
            ],
            &["1", "Nguyễn Văn An", "HS001", "9", "7,5", "8", "6.5"],
            &["2", "Trần Thị Bình", "HS002", "", "", "", ""],
        ]);
        let preview = preview(&bytes, &sheet()).unwrap();
        assert_eq!(preview.errors, []);
        let changed: Vec<(usize, Column, Option<&str>)> = preview
            .changes
            .iter()
            .map(|c| (c.row, c.column, c.new_value.as_deref()))
            .collect();
        assert_eq!(
            changed,
            [
                (3, Column::Final, Some("9")),
                (3, Column::Regular(2), Some("7.5")),
                (3, Column::Midterm, Some("6.5")),
            ]
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_its_number_and_reason() {
        let bytes = workbook(&[
            &["STT", "Mã học sinh", "Họ và tên", "TX1", "TX4", "GK"],
            &["1", "HS001", "Nguyễn Văn An", "10.5", "", "7.25"],
            &["2", "HS999", "Ai đó", "8", "", ""],
            &["3", "HS002", "Trần Thị Bình", "abc", "", "-1"],
        ]);
        let preview = preview(&bytes, &sheet()).unwrap();
        let errors: Vec<(usize, Option<&str>, &str)> = preview
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_deref(), e.error.as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                (1, Some("TX4"), "import_unknown_column"),
                (2, Some("TX1"), "score_out_of_range"),
                (2, Some("GK"), "score_too_precise"),
                (3, Some("Mã học sinh"), "import_unknown_student"),
                (4, Some("TX1"), "score_not_a_number"),
                (4, Some("GK"), "score_out_of_range"),
            ]
        );
        assert_eq!(preview.errors[2].detail.as_deref(), Some("7.25 → 7.3"));
    }

    #[test]
    fn a_file_that_is_not_a_workbook_is_refused() {
        assert_eq!(
            preview(b"not a workbook", &sheet()).unwrap_err().code,
            ErrorCode::ImportNotASpreadsheet
        );
        let bytes = workbook(&[&["STT", "Họ và tên"], &["1", "An"]]);
        assert_eq!(
            preview(&bytes, &sheet()).unwrap_err().code,
            ErrorCode::ImportMissingColumn
        );
    }

    #[test]
    fn codes_typed_as_numbers_still_match() {
        assert!(same_code("0007010001", "7010001"));
        assert!(same_code("HS001", "HS001"));
        assert!(!same_code("HS001", "HS1"));
        assert!(!same_code("0007010001", ""));
    }

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(format_number(7.5), "7.5");
        assert_eq!(format_number(8.0), "8");
        assert_eq!(format_number(7.25), "7.25");
        assert_eq!(format_number(8.3), "8.3");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
    }
}
