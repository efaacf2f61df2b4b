//! A report column as a horizontal SVG bar chart (one bar per row), drawn on the server: no
//! script, no inline style (the CSP forbids them); it scales to the phone's width.

use super::{Cell, Table};

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Bars of `value_key` labelled by `label_key`; `None` when a column is missing.
pub fn bar_chart_svg(table: &Table, label_key: &str, value_key: &str) -> Option<String> {
    let label = table.column_index(label_key)?;
    let value = table.column_index(value_key)?;
    let kind = table.columns[value].kind;
    let bars: Vec<(String, i64, String)> = table
        .rows
        .iter()
        .map(|row| {
            let cell = row.get(value).cloned().unwrap_or(Cell::Empty);
            (
                row.get(label).map(|c| c.display(kind)).unwrap_or_default(),
                cell.number().unwrap_or(0),
                cell.display(kind),
            )
        })
        .collect();
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let (width, bar_height, gap, label_width) = (360, 22, 8, 70);
    let plot = width - label_width - 10;
    let height = (bars.len() as i64) * (bar_height + gap) + gap;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{}\" class=\"bar-chart\">",
        escape(&table.columns[value].label)
    );
    for (i, (name, amount, shown)) in bars.iter().enumerate() {
        let y = gap + (i as i64) * (bar_height + gap);
        let w = (amount.max(&0) * plot) / max;
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><rect x=\"{label_width}\" y=\"{y}\" width=\"{w}\" height=\"{bar_height}\" fill=\"#0b5fa5\"><title>{}</title></rect>",
            y + bar_height - 6,
            escape(name),
            escape(shown)
        ));
    }
    svg.push_str("</svg>");
    Some(svg)
}
