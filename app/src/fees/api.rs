//! Server functions of the fees feature. Each starts with `authorize`; objects named by id (a
//! notice's reference code, a receipt, a bank transaction) are authorized against the school they
//! belong to, so a clerk of another school is refused.

use leptos::prelude::*;

use super::{
    AccountView, FamilyFees, NewCollection, OfficeView, PaymentRequest, ReceiptView, ReportKind,
    SettingsView,
};
use crate::identity::client::CsrfClient;
use crate::platform::error::AppError;
use crate::reports::Table;

#[cfg(feature = "ssr")]
use crate::identity::authz::{ActivePersona, Grant};

/// A guardian's children with their notices, credit and payments.
#[server(prefix = "/api", endpoint = "my_fees", client = CsrfClient)]
pub async fn my_fees() -> Result<FamilyFees, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::GuardianHome).await?;
    let Some(ActivePersona::Guardian {
        school_id,
        guardian_id,
    }) = grant.persona.clone()
    else {
        return Err(crate::platform::error::ErrorCode::Forbidden.into());
    };
    let mut conn = grant.conn().await?;
    let fees =
        super::store::family_fees(&mut conn, &grant.actor, school_id, guardian_id, grant.now())
            .await?;
    super::store::mark_seen(&mut conn, school_id, guardian_id, grant.now()).await?;
    Ok(fees)
}

/// How many notices arrived since the guardian last opened the fees screen.
#[server(prefix = "/api", endpoint = "new_fee_notices", client = CsrfClient)]
pub async fn new_fee_notices() -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::GuardianHome).await?;
    let Some(ActivePersona::Guardian {
        school_id,
        guardian_id,
    }) = grant.persona.clone()
    else {
        return Err(crate::platform::error::ErrorCode::Forbidden.into());
    };
    let mut conn = grant.conn().await?;
    Ok(super::store::new_notice_count(&mut conn, school_id, guardian_id).await?)
}

/// A dynamic VietQR code for one or several notices (e.g. two children), to one of the school's
/// accounts (the first unless `account_id` picks another).
#[server(prefix = "/api", endpoint = "fee_payment", client = CsrfClient)]
pub async fn fee_payment(
    notice_ids: Vec<i64>,
    account_id: Option<i64>,
) -> Result<PaymentRequest, AppError> {
    use crate::identity::authz::{Action, authorize};
    use crate::platform::error::ErrorCode;
    let grant = authorize(Action::PayNotices {
        notice_ids: notice_ids.clone(),
    })
    .await?;
    let school_id = grant
        .persona
        .as_ref()
        .and_then(ActivePersona::school_id)
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden))?;
    let mut conn = grant.conn().await?;
    let accounts = super::store::accounts(&mut conn, school_id).await?;
    let account = match account_id {
        Some(id) => accounts.iter().find(|a| a.id == id),
        None => accounts.first(),
    }
    .cloned()
    .ok_or_else(|| AppError::new(ErrorCode::NoFeeAccount))?;
    let open = super::store::open_notices(&mut conn, school_id, &notice_ids).await?;
    let amount: i64 = open.iter().map(|n| n.outstanding.max(0)).sum();
    if amount <= 0 {
        return Err(AppError::new(ErrorCode::NothingToPay));
    }
    let unpaid: Vec<i64> = open
        .iter()
        .filter(|n| n.outstanding > 0)
        .map(|n| n.notice_id)
        .collect();
    let reference_code =
        super::store::new_reference(&mut conn, school_id, &unpaid, grant.now()).await?;
    let purpose = super::rules::purpose_text(&reference_code, "Hoc phi");
    let payload = super::vietqr::payload(&super::vietqr::TransferRequest {
        bank_bin: account.bank_bin.clone(),
        account_number: account.account_number.clone(),
        amount: Some(amount),
        purpose: Some(purpose.clone()),
    })
    .map_err(|_| AppError::new(ErrorCode::Internal))?;
    let qr_svg = qr_svg(&payload)?;
    Ok(PaymentRequest {
        notice_ids: unpaid,
        account,
        accounts,
        amount,
        reference_code,
        purpose,
        payload,
        qr_svg,
    })
}

/// The payload drawn as an SVG QR code (error correction M, as banking apps print them).
#[cfg(feature = "ssr")]
pub fn qr_svg(payload: &str) -> Result<String, AppError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)
        .map_err(|_| AppError::new(crate::platform::error::ErrorCode::Internal))?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(264, 264)
        .quiet_zone(true)
        .build();
    // Drop the XML declaration: the drawing goes inside an HTML page.
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

/// A receipt, for a guardian of a child on it or the school's office.
#[server(prefix = "/api", endpoint = "fee_receipt", client = CsrfClient)]
pub async fn fee_receipt(receipt_id: i64) -> Result<ReceiptView, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReadReceipt { receipt_id }).await?;
    let mut conn = grant.conn().await?;
    super::store::receipt(&mut conn, &grant.actor, receipt_id, grant.now()).await
}

/// The school of the staff member acting, then the fee office's permission for it.
#[cfg(feature = "ssr")]
async fn fee_office() -> Result<(Grant, i64), AppError> {
    use crate::identity::authz::{Action, authorize};
    let staff = authorize(Action::StaffHome).await?;
    let Some(ActivePersona::Staff { school_id, .. }) = staff.persona else {
        return Err(crate::platform::error::ErrorCode::Forbidden.into());
    };
    let grant = authorize(Action::ManageFees { school_id }).await?;
    Ok((grant, school_id))
}

/// The office's screen: transfers waiting to be assigned and recent receipts.
#[server(prefix = "/api", endpoint = "fee_desk", client = CsrfClient)]
pub async fn fee_desk() -> Result<OfficeView, AppError> {
    let (grant, school_id) = fee_office().await?;
    let mut conn = grant.conn().await?;
    let school_name: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(OfficeView {
        school_id,
        school_name,
        unmatched: super::store::unmatched(&mut conn, school_id).await?,
        recent_receipts: super::store::recent_receipts(&mut conn, school_id).await?,
    })
}

/// A fee report of the acting staff member's school, as a table.
#[server(prefix = "/api", endpoint = "fee_report", client = CsrfClient)]
pub async fn fee_report(report: ReportKind) -> Result<Table, AppError> {
    let (grant, school_id) = fee_office().await?;
    build_report(&grant, school_id, report).await
}

/// Builds a fee report (shared by the server function and the Excel and chart endpoints).
#[cfg(feature = "ssr")]
pub async fn build_report(
    grant: &Grant,
    school_id: i64,
    report: ReportKind,
) -> Result<Table, AppError> {
    use crate::reports::{Cell, ColumnKind};
    let mut conn = grant.conn().await?;
    let school: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&mut *conn)
        .await?;
    let table = match report {
        ReportKind::ByClass => {
            let mut table =
                Table::new("thu-theo-lop", "Phải thu, đã thu, còn nợ theo lớp", &school)
                    .column("class", "Lớp", ColumnKind::Text)
                    .column("due", "Phải thu", ColumnKind::Money)
                    .column("paid", "Đã thu", ColumnKind::Money)
                    .column("outstanding", "Còn nợ", ColumnKind::Money);
            for (class, due, outstanding) in
                super::store::totals_by_class(&mut conn, school_id).await?
            {
                table.rows.push(vec![
                    Cell::Text(class),
                    Cell::Number(due),
                    Cell::Number(due - outstanding),
                    Cell::Number(outstanding),
                ]);
            }
            table.with_totals("Toàn trường")
        }
        ReportKind::Daily => {
            let mut table = Table::new("thu-theo-ngay", "Tiền thu theo ngày", &school)
                .column("day", "Ngày", ColumnKind::Text)
                .column("receipts", "Số biên lai", ColumnKind::Integer)
                .column("bank", "Chuyển khoản", ColumnKind::Money)
                .column("cash", "Tiền mặt", ColumnKind::Money)
                .column("total", "Cộng", ColumnKind::Money);
            for (day, count, bank, cash) in
                super::store::daily_collections(&mut conn, school_id).await?
            {
                let shown = crate::platform::format::parse_iso_date(&day)
                    .map(crate::platform::format::format_date)
                    .unwrap_or(day);
                table.rows.push(vec![
                    Cell::Text(shown),
                    Cell::Number(count),
                    Cell::Number(bank),
                    Cell::Number(cash),
                    Cell::Number(bank + cash),
                ]);
            }
            table.with_totals("Cộng")
        }
        ReportKind::Unmatched => {
            let mut table = Table::new("chuyen-khoan-chua-khop", "Chuyển khoản chưa khớp", &school)
                .column("received", "Thời điểm", ColumnKind::Text)
                .column("bank", "Ngân hàng", ColumnKind::Text)
                .column("description", "Nội dung", ColumnKind::Text)
                .column("amount", "Số tiền", ColumnKind::Money);
            for t in super::store::unmatched(&mut conn, school_id).await? {
                table.rows.push(vec![
                    Cell::Text(t.occurred_at),
                    Cell::Text(t.bank_name),
                    Cell::Text(t.description),
                    Cell::Number(t.amount),
                ]);
            }
            table.with_totals("Cộng")
        }
    };
    crate::platform::audit::record(
        &mut conn,
        &grant.actor,
        crate::platform::audit::AuditEvent {
            school_id: Some(school_id),
            action: crate::platform::audit::AuditAction::Read,
            entity: "fee_report",
            entity_id: None,
            reason: None,
            detail: serde_json::json!({ "report": report.code() }),
        },
        grant.now(),
    )
    .await?;
    Ok(table)
}

/// The school a fee object belongs to, for authorizing against it (0 when there is none: refused).
#[cfg(feature = "ssr")]
async fn school_of(table: super::store::FeeTable, id: i64) -> Result<i64, AppError> {
    let state = crate::platform::state::use_app_state()?;
    let mut conn = state.db.pool().acquire().await?;
    Ok(super::store::school_of(&mut conn, table, id)
        .await?
        .unwrap_or(0))
}

/// Cash paid at the office for the notices of a reference code; returns the receipt.
#[server(prefix = "/api", endpoint = "record_cash", client = CsrfClient)]
pub async fn record_cash(
    reference_code: String,
    amount: i64,
    payer_name: String,
) -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let school_id = {
        let state = crate::platform::state::use_app_state()?;
        let mut conn = state.db.pool().acquire().await?;
        super::store::school_of_reference(&mut conn, &reference_code)
            .await?
            .unwrap_or(0)
    };
    let grant = authorize(Action::ManageFees { school_id }).await?;
    super::store::record_cash(
        &grant.state.db,
        &grant.actor,
        school_id,
        &reference_code,
        amount,
        &payer_name,
        grant.now(),
    )
    .await
}

/// Assigns a transfer from the clerk's queue to the notices of a reference code; returns the receipt.
#[server(prefix = "/api", endpoint = "assign_transfer", client = CsrfClient)]
pub async fn assign_transfer(transaction_id: i64, reference_code: String) -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let school_id = school_of(super::store::FeeTable::BankTransaction, transaction_id).await?;
    let grant = authorize(Action::ManageFees { school_id }).await?;
    super::store::assign_transfer(
        &grant.state.db,
        &grant.actor,
        school_id,
        transaction_id,
        &reference_code,
        grant.now(),
    )
    .await
}

/// Cancels a receipt; a reason is required. The number is never reused.
#[server(prefix = "/api", endpoint = "cancel_receipt", client = CsrfClient)]
pub async fn cancel_receipt(receipt_id: i64, reason: String) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let school_id = school_of(super::store::FeeTable::Receipt, receipt_id).await?;
    let grant = authorize(Action::ManageFees { school_id }).await?;
    super::store::cancel_receipt(
        &grant.state.db,
        &grant.actor,
        school_id,
        receipt_id,
        &reason,
        grant.now(),
    )
    .await
}

/// The school admin's fee settings: accounts, notifiers (without secrets), collections.
#[server(prefix = "/api", endpoint = "fee_settings", client = CsrfClient)]
pub async fn fee_settings(school_id: i64) -> Result<SettingsView, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::SetFees { school_id }).await?;
    let mut conn = grant.conn().await?;
    Ok(super::store::settings(&mut conn, school_id).await?)
}

#[server(prefix = "/api", endpoint = "add_fee_collection", client = CsrfClient)]
pub async fn add_fee_collection(
    school_id: i64,
    collection: NewCollection,
) -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::SetFees { school_id }).await?;
    let mut conn = grant.conn().await?;
    super::store::add_collection(&mut conn, &grant.actor, school_id, &collection, grant.now()).await
}

/// A reduction (1–99 %) or exemption (100 %) with its reason, approved by the school admin.
#[server(prefix = "/api", endpoint = "grant_fee_reduction", client = CsrfClient)]
pub async fn grant_fee_reduction(
    school_id: i64,
    collection_id: i64,
    student_id: i64,
    percent: i64,
    reason: String,
) -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::SetFees { school_id }).await?;
    let Some(ActivePersona::Staff { staff_id, .. }) = grant.persona.clone() else {
        return Err(crate::platform::error::ErrorCode::Forbidden.into());
    };
    let mut conn = grant.conn().await?;
    super::store::grant_reduction(
        &mut conn,
        &grant.actor,
        school_id,
        collection_id,
        student_id,
        percent,
        &reason,
        staff_id,
        grant.now(),
    )
    .await
}

/// Issues a collection's notices (again: only those not yet issued). Returns how many.
#[server(prefix = "/api", endpoint = "issue_fee_notices", client = CsrfClient)]
pub async fn issue_fee_notices(school_id: i64, collection_id: i64) -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::SetFees { school_id }).await?;
    let mut tx = grant.state.db.pool().begin().await?;
    let issued =
        super::store::issue_notices(&mut tx, &grant.actor, school_id, collection_id, grant.now())
            .await?;
    tx.commit().await?;
    Ok(issued)
}

#[server(prefix = "/api", endpoint = "add_fee_account", client = CsrfClient)]
pub async fn add_fee_account(school_id: i64, account: AccountView) -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::SetFees { school_id }).await?;
    let mut conn = grant.conn().await?;
    super::store::add_account(&mut conn, school_id, &account, grant.now()).await
}

/// Registers a notifier (`sepay` or `casso`; `hmac` or `apikey`); the secret is sealed at once
/// and never shown again. Returns the webhook path to give the notifier.
#[server(prefix = "/api", endpoint = "add_fee_notifier", client = CsrfClient)]
pub async fn add_fee_notifier(
    school_id: i64,
    kind: String,
    auth: String,
    secret: String,
) -> Result<String, AppError> {
    use super::notifier::{AuthMode, NotifierKind};
    use crate::identity::authz::{Action, authorize};
    use crate::platform::error::ErrorCode;
    let grant = authorize(Action::SetFees { school_id }).await?;
    let kind = NotifierKind::from_code(&kind)
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "kind"))?;
    let auth = AuthMode::from_code(&auth)
        .filter(|a| kind == NotifierKind::Sepay || *a == AuthMode::Hmac)
        .ok_or_else(|| AppError::for_field(ErrorCode::InvalidInput, "auth"))?;
    let mut conn = grant.conn().await?;
    let id = super::store::add_notifier(
        &mut conn,
        &grant.state.crypto,
        school_id,
        kind,
        auth,
        &secret,
        grant.now(),
    )
    .await?;
    Ok(format!("/webhooks/fees/{id}"))
}

/// Where the chosen notices stand (the payment screen asks until the bank's notification lands).
#[server(prefix = "/api", endpoint = "fee_notice_status", client = CsrfClient)]
pub async fn fee_notice_status(notice_ids: Vec<i64>) -> Result<Vec<super::NoticeState>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::PayNotices {
        notice_ids: notice_ids.clone(),
    })
    .await?;
    let mut conn = grant.conn().await?;
    Ok(super::store::notice_states(&mut conn, &notice_ids).await?)
}
