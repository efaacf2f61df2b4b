//! A report table as an Excel workbook (one sheet): title, subtitle, header, rows, totals; money
//! as numbers with a đồng format, so sums in Excel work.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::{Cell, ColumnKind, Table};

pub fn to_xlsx(table: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let name: String = table.name.chars().take(31).collect();
    sheet.set_name(&name)?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0 \"₫\"");
    let money_bold = Format::new().set_num_format("#,##0 \"₫\"").set_bold();
    sheet.write_string_with_format(0, 0, &table.title, &bold)?;
    sheet.write_string(1, 0, &table.subtitle)?;
    let header_row = 3u32;
    for (c, column) in table.columns.iter().enumerate() {
        let col = c as u16;
        sheet.write_string_with_format(header_row, col, &column.label, &bold)?;
        sheet.set_column_width(
            col,
            if column.kind == ColumnKind::Text {
                28
            } else {
                16
            },
        )?;
    }
    let rows = table.rows.iter().map(|r| (r, false));
    let totals = table.totals.iter().map(|r| (r, true));
    for (row, (cells, is_total)) in (header_row + 1..).zip(rows.chain(totals)) {
        for (c, (cell, column)) in cells.iter().zip(&table.columns).enumerate() {
            let col = c as u16;
            match (cell, column.kind) {
                (Cell::Text(text), _) if is_total => {
                    sheet.write_string_with_format(row, col, text, &bold)?;
                }
                (Cell::Text(text), _) => {
                    sheet.write_string(row, col, text)?;
                }
                (Cell::Number(n), ColumnKind::Money) => {
                    let format = if is_total { &money_bold } else { &money };
                    sheet.write_number_with_format(row, col, *n as f64, format)?;
                }
                (Cell::Number(n), _) => {
                    sheet.write_number(row, col, *n as f64)?;
                }
                (Cell::Empty, _) => {}
            }
        }
    }
    workbook.save_to_buffer()
}
