//! Workbooks in and out: calamine reads the first sheet into [`CellValue`]s, rust_xlsxwriter
//! writes a sheet of text cells (ID numbers and codes stay text, so no leading zero is lost, and
//! dates are written dd/mm/yyyy as the ministry's files do). CSV for the same tables.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use rust_xlsxwriter::{Format, Workbook};

use super::rules::CellValue;
use crate::platform::error::{AppError, ErrorCode};

/// The first sheet, as rows with the row number Excel shows.
pub fn read_first_sheet(bytes: &[u8]) -> Result<Vec<(u32, Vec<CellValue>)>, AppError> {
    let unreadable = || AppError::new(ErrorCode::RecordsFileUnreadable);
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(unreadable)?
        .map_err(|_| unreadable())?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    let first_col = range.start().map_or(0, |(_, col)| col) as usize;
    Ok(range
        .rows()
        .enumerate()
        .map(|(index, cells)| {
            // Columns left of the used range are empty cells, so positions match the headers.
            let mut row = vec![CellValue::Empty; first_col];
            row.extend(cells.iter().map(cell_value));
            (first_row + index as u32 + 1, row)
        })
        .collect())
}

fn cell_value(cell: &Data) -> CellValue {
    match cell {
        Data::Empty | Data::Error(_) => CellValue::Empty,
        Data::String(text) | Data::DurationIso(text) => CellValue::Text(text.clone()),
        Data::DateTimeIso(text) => CellValue::Text(text.chars().take(10).collect()),
        Data::Int(n) => CellValue::Number(*n as f64),
        Data::Float(n) => CellValue::Number(*n),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(date) => CellValue::Date(date.as_f64()),
    }
}

fn write_error(error: rust_xlsxwriter::XlsxError) -> AppError {
    tracing::error!(%error, "could not write a workbook");
    AppError::new(ErrorCode::Internal)
}

/// One sheet: a bold header row, then text rows; columns sized to their content.
pub fn write_sheet(
    sheet_name: &str,
    headers: &[String],
    rows: &[Vec<String>],
) -> Result<Vec<u8>, AppError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet_name).map_err(write_error)?;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for (col, header) in headers.iter().enumerate() {
        worksheet
            .write_string_with_format(0, col as u16, header, &bold)
            .map_err(write_error)?;
    }
    for (index, row) in rows.iter().enumerate() {
        for (col, value) in row.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            worksheet
                .write_string_with_format(index as u32 + 1, col as u16, value, &text)
                .map_err(write_error)?;
            if let Some(width) = widths.get_mut(col) {
                *width = (*width).max(value.chars().count());
            }
        }
    }
    for (col, width) in widths.iter().enumerate() {
        worksheet
            .set_column_width(col as u16, (*width as f64 + 2.0).min(40.0))
            .map_err(write_error)?;
    }
    worksheet.set_freeze_panes(1, 0).map_err(write_error)?;
    workbook.save_to_buffer().map_err(write_error)
}

/// The same table as CSV, UTF-8 with a byte-order mark so Excel shows Vietnamese correctly.
pub fn write_csv(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    fn field(out: &mut String, value: &str) {
        if value.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&value.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(value);
        }
    }
    let mut out = String::from("\u{feff}");
    for line in std::iter::once(headers).chain(rows.iter().map(Vec::as_slice)) {
        for (i, value) in line.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, value);
        }
        out.push_str("\r\n");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_sheet_reads_back_as_text() {
        let headers = vec!["Họ tên".to_string(), "Số định danh cá nhân".to_string()];
        let rows = vec![vec!["Lê Thị Hoa".to_string(), "079313000123".to_string()]];
        let bytes = write_sheet("Học sinh", &headers, &rows).unwrap();
        let grid = read_first_sheet(&bytes).unwrap();
        assert_eq!(grid[0].0, 1);
        assert_eq!(grid[1].1[1], CellValue::Text("079313000123".into()));
    }

    #[test]
    fn garbage_is_unreadable_not_a_crash() {
        assert_eq!(
            read_first_sheet(b"PK\x03\x04 not really a zip").map_err(|e| e.code),
            Err(ErrorCode::RecordsFileUnreadable)
        );
        assert!(read_first_sheet(&[]).is_err());
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let csv = write_csv(
            &["a".into(), "b".into()],
            &[vec!["x,y".into(), "say \"hi\"".into()]],
        );
        let text = String::from_utf8(csv).unwrap();
        assert_eq!(text, "\u{feff}a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n");
    }
}
