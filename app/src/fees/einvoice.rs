//! A receipt as the structured file an e-invoice provider signs and submits: the tax authority's
//! XML layout (Decision 1450/QĐ-TCT): `HDon/DLHDon/TTChung` (template symbol, series, number,
//! date, currency), `NDHDon` (seller, buyer, lines, totals) and an empty `DSCKS` where the
//! provider puts the digital signature. A cancelled receipt carries its cancellation.

use super::ReceiptView;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn element(name: &str, value: &str) -> String {
    format!("<{name}>{}</{name}>", escape(value))
}

/// The local (UTC+7) date of a Unix time, `YYYY-MM-DD`.
fn local_iso_date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix + 7 * 3600)
        .map(|t| crate::platform::format::iso_date(t.date()))
        .unwrap_or_default()
}

pub fn receipt_xml(receipt: &ReceiptView) -> String {
    let mut xml =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<HDon><DLHDon Id=\"data\">");
    xml.push_str("<TTChung>");
    xml.push_str(&element("PBan", "2.0.1"));
    xml.push_str(&element("THDon", &receipt.type_name));
    xml.push_str(&element("KHMSHDon", &receipt.template_symbol));
    xml.push_str(&element("KHHDon", &receipt.series));
    xml.push_str(&element("SHDon", &format!("{:07}", receipt.number)));
    xml.push_str(&element("NLap", &local_iso_date(receipt.issued_at)));
    xml.push_str(&element("DVTTe", "VND"));
    xml.push_str(&element(
        "HTTToan",
        if receipt.method == "cash" {
            "Tiền mặt"
        } else {
            "Chuyển khoản"
        },
    ));
    xml.push_str("</TTChung><NDHDon><NBan>");
    xml.push_str(&element("Ten", &receipt.organisation));
    xml.push_str(&element("DChi", &receipt.organisation_address));
    xml.push_str("</NBan><NMua>");
    xml.push_str(&element("HVTNMHang", &receipt.payer_name));
    xml.push_str("</NMua><DSHHDVu>");
    for (index, line) in receipt.lines.iter().enumerate() {
        xml.push_str("<HHDVu>");
        xml.push_str(&element("TChat", "1"));
        xml.push_str(&element("STT", &(index + 1).to_string()));
        xml.push_str(&element("THHDVu", &line.description));
        xml.push_str(&element("SLuong", "1"));
        xml.push_str(&element("DGia", &line.amount.to_string()));
        xml.push_str(&element("ThTien", &line.amount.to_string()));
        xml.push_str("</HHDVu>");
    }
    xml.push_str("</DSHHDVu><TToan>");
    xml.push_str(&element("TgTCThue", &receipt.total.to_string()));
    xml.push_str(&element("TgTTTBSo", &receipt.total.to_string()));
    xml.push_str(&element("TgTTTBChu", &receipt.total_in_words));
    xml.push_str("</TToan></NDHDon>");
    if let Some(reason) = &receipt.cancelled_reason {
        xml.push_str("<TTKhac><TTin>");
        xml.push_str(&element("TTruong", "Huỷ"));
        xml.push_str(&element("KDLieu", "string"));
        xml.push_str(&element("DLieu", reason));
        xml.push_str("</TTin></TTKhac>");
    }
    xml.push_str("</DLHDon><DSCKS><NBan/></DSCKS></HDon>\n");
    xml
}
