//! The shared report mechanism: a feature builds a [`Table`] (title, typed columns, rows, an
//! optional totals row); the same table renders as HTML on the phone ([`ReportTable`]), as an
//! Excel file ([`xlsx::to_xlsx`], server) and as an SVG bar chart ([`chart::bar_chart_svg`],
//! server). Fees use it first; records and grades plug in by building their own tables.

#[cfg(feature = "ssr")]
pub mod chart;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod xlsx;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::platform::format::format_dong;

/// How a column's values are written (and typed in Excel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnKind {
    Text,
    /// Whole đồng: `1.250.000 ₫` on screen, a number with a đồng format in Excel.
    Money,
    Integer,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Stable key (tests and charts use it).
    pub key: String,
    pub label: String,
    pub kind: ColumnKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cell {
    Text(String),
    Number(i64),
    Empty,
}

impl Cell {
    pub fn number(&self) -> Option<i64> {
        match self {
            Cell::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The cell as a person reads it.
    pub fn display(&self, kind: ColumnKind) -> String {
        match (self, kind) {
            (Cell::Text(t), _) => t.clone(),
            (Cell::Number(n), ColumnKind::Money) => format_dong(*n),
            (Cell::Number(n), _) => n.to_string(),
            (Cell::Empty, _) => String::new(),
        }
    }
}

/// A report: what every output format is made from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Stable name (file names, `data-report`).
    pub name: String,
    pub title: String,
    /// A line under the title (school, period).
    pub subtitle: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub totals: Option<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &str, title: &str, subtitle: &str) -> Table {
        Table {
            name: name.to_string(),
            title: title.to_string(),
            subtitle: subtitle.to_string(),
            columns: Vec::new(),
            rows: Vec::new(),
            totals: None,
        }
    }

    pub fn column(mut self, key: &str, label: &str, kind: ColumnKind) -> Table {
        self.columns.push(Column {
            key: key.to_string(),
            label: label.to_string(),
            kind,
        });
        self
    }

    pub fn column_index(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }

    /// Sums every number column into the totals row, `label` in the first column.
    pub fn with_totals(mut self, label: &str) -> Table {
        let totals = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| match column.kind {
                _ if i == 0 => Cell::Text(label.to_string()),
                ColumnKind::Text => Cell::Empty,
                _ => Cell::Number(
                    self.rows
                        .iter()
                        .filter_map(|r| r.get(i).and_then(Cell::number))
                        .sum(),
                ),
            })
            .collect();
        self.totals = Some(totals);
        self
    }
}

/// A report as an HTML table that fits a phone: it scrolls sideways inside its card if needed.
#[component]
pub fn ReportTable(table: Table) -> impl IntoView {
    let columns = table.columns.clone();
    let header_columns = columns.clone();
    let total_columns = columns.clone();
    view! {
        <div class="report" data-report=table.name.clone()>
            <h2>{table.title.clone()}</h2>
            <p class="secondary">{table.subtitle.clone()}</p>
            <div class="report-scroll">
                <table>
                    <thead>
                        <tr>
                            {header_columns.iter().map(|c| view! {
                                <th scope="col" class=kind_class(c.kind)>{c.label.clone()}</th>
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {table.rows.iter().map(|row| {
                            let columns = columns.clone();
                            view! {
                                <tr>
                                    {row.iter().zip(columns).map(|(cell, c)| view! {
                                        <td class=kind_class(c.kind) data-col=c.key.clone()>{cell.display(c.kind)}</td>
                                    }).collect_view()}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                    {table.totals.clone().map(|totals| view! {
                        <tfoot>
                            <tr>
                                {totals.iter().zip(total_columns.clone()).map(|(cell, c)| view! {
                                    <td class=kind_class(c.kind) data-col=c.key.clone()>{cell.display(c.kind)}</td>
                                }).collect_view()}
                            </tr>
                        </tfoot>
                    })}
                </table>
            </div>
        </div>
    }
}

fn kind_class(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Text => "cell-text",
        ColumnKind::Money | ColumnKind::Integer => "cell-number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_sum_number_columns_only() {
        let mut table = Table::new("t", "T", "")
            .column("class", "Lớp", ColumnKind::Text)
            .column("due", "Phải thu", ColumnKind::Money);
        table.rows = vec![
            vec![Cell::Text("6A1".into()), Cell::Number(100)],
            vec![Cell::Text("6A2".into()), Cell::Number(250)],
        ];
        let table = table.with_totals("Cộng");
        assert_eq!(
            table.totals,
            Some(vec![Cell::Text("Cộng".into()), Cell::Number(350)])
        );
        assert_eq!(
            Cell::Number(1_250_000).display(ColumnKind::Money),
            "1.250.000 ₫"
        );
    }
}
