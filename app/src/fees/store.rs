//! Fee queries, one SQL text for SQLite and PostgreSQL. Balances are sums over the append-only
//! ledger. Every change that moves money (a bank transaction, a cash payment, an assignment from
//! the clerk's queue, a cancellation) runs in one database transaction with its ledger entries
//! and its receipt; receipt numbers come from a per-school-and-year counter row updated in that
//! same transaction, so a number is never skipped or given twice, and taking that row first
//! serialises everything that reads balances before writing them.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::notifier::{self, AuthMode, Checked, IncomingTransaction, NotifierKind, Verdict};
use super::rules::{self, MatchOutcome, OpenNotice};
use super::{
    AccountView, ChildFees, FamilyFees, NewCollection, NoticeView, PaymentView, ReceiptLine,
    ReceiptView, Scope, UnmatchedTransfer,
};
use crate::people::FullName;
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::crypto::PidCrypto;
use crate::platform::db::Db;
use crate::platform::error::{AppError, ErrorCode};

/// Binds a sealed notifier secret to its column.
const SECRET_PURPOSE: &[u8] = b"truongso/fee-notifier-secret/v1";
pub const RECEIPT_TYPE_NAME: &str = "Biên lai thu tiền";
pub const RECEIPT_TEMPLATE: &str = "01BLTS";
/// Vietnam is UTC+7 all year: receipts are numbered per local calendar year.
const VIETNAM_OFFSET: i64 = 7 * 3600;

fn local_date(unix: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(unix + VIETNAM_OFFSET)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

pub fn receipt_year(unix: i64) -> i64 {
    i64::from(local_date(unix).year())
}

/// The receipt series symbol of a year, e.g. `TS26`.
pub fn receipt_series(year: i64) -> String {
    format!("TS{:02}", year.rem_euclid(100))
}

fn full_name(row: &sqlx::any::AnyRow) -> Result<String, sqlx::Error> {
    Ok(FullName {
        family: row.try_get("family_name")?,
        middle: row.try_get("middle_name")?,
        given: row.try_get("given_name")?,
    }
    .full())
}

// ───────────────────────────── settings: accounts and notifiers ─────────────────────────────

pub async fn add_account(
    conn: &mut AnyConnection,
    school_id: i64,
    account: &AccountView,
    now: i64,
) -> Result<i64, AppError> {
    if super::vietqr::payload(&super::vietqr::TransferRequest {
        bank_bin: account.bank_bin.clone(),
        account_number: account.account_number.clone(),
        amount: None,
        purpose: None,
    })
    .is_err()
        || account.account_name.trim().is_empty()
    {
        return Err(AppError::new(ErrorCode::InvalidInput));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO fee_accounts (school_id, bank_bin, bank_name, account_number, account_name, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(school_id)
    .bind(&account.bank_bin)
    .bind(account.bank_name.trim())
    .bind(&account.account_number)
    .bind(account.account_name.trim())
    .bind(now)
    .fetch_one(conn)
    .await?)
}

pub async fn accounts(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<AccountView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, bank_bin, bank_name, account_number, account_name FROM fee_accounts
         WHERE school_id = $1 AND active = 1 ORDER BY id",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AccountView {
                id: r.try_get("id")?,
                bank_bin: r.try_get("bank_bin")?,
                bank_name: r.try_get("bank_name")?,
                account_number: r.try_get("account_number")?,
                account_name: r.try_get("account_name")?,
            })
        })
        .collect()
}

/// Registers a notifier; its secret is sealed with the server's key. Returns the endpoint's id.
pub async fn add_notifier(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    school_id: i64,
    kind: NotifierKind,
    auth: AuthMode,
    secret: &str,
    now: i64,
) -> Result<i64, AppError> {
    if secret.trim().len() < 16 {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "secret"));
    }
    Ok(sqlx::query_scalar(
        "INSERT INTO fee_notifiers (school_id, kind, auth, secret_enc, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(school_id)
    .bind(kind.code())
    .bind(auth.code())
    .bind(crypto.seal(secret.trim().as_bytes(), SECRET_PURPOSE))
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// A notifier as the webhook handler needs it. The secret's `Debug` form is hidden.
pub struct Notifier {
    pub id: i64,
    pub school_id: i64,
    pub kind: NotifierKind,
    pub auth: AuthMode,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("id", &self.id)
            .field("school_id", &self.school_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

pub async fn notifier(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    id: i64,
) -> Result<Option<Notifier>, AppError> {
    let Some(row) = sqlx::query(
        "SELECT id, school_id, kind, auth, secret_enc FROM fee_notifiers WHERE id = $1 AND active = 1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?
    else {
        return Ok(None);
    };
    let kind: String = row.try_get("kind")?;
    let auth: String = row.try_get("auth")?;
    let sealed: Vec<u8> = row.try_get("secret_enc")?;
    let secret = crypto.open(&sealed, SECRET_PURPOSE).map_err(|_| {
        tracing::error!(
            notifier = id,
            "a notifier secret cannot be opened with this key"
        );
        AppError::new(ErrorCode::Internal)
    })?;
    Ok(Some(Notifier {
        id: row.try_get("id")?,
        school_id: row.try_get("school_id")?,
        kind: NotifierKind::from_code(&kind).ok_or_else(|| AppError::new(ErrorCode::Internal))?,
        auth: AuthMode::from_code(&auth).ok_or_else(|| AppError::new(ErrorCode::Internal))?,
        secret,
    }))
}

// ───────────────────────────── collections and notices ─────────────────────────────

pub async fn add_collection(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    c: &NewCollection,
    now: i64,
) -> Result<i64, AppError> {
    if c.name.trim().is_empty()
        || c.amount < 0
        || crate::platform::format::parse_iso_date(&c.first_due_on).is_none()
        || !(1..=12).contains(&c.months)
    {
        return Err(AppError::new(ErrorCode::InvalidInput));
    }
    let year_school: Option<i64> =
        sqlx::query_scalar("SELECT school_id FROM school_years WHERE id = $1")
            .bind(c.school_year_id)
            .fetch_optional(&mut *conn)
            .await?;
    if year_school != Some(school_id) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let (scope, grade, class_id) = match c.scope {
        Scope::School => ("school", None, None),
        Scope::Grade(g) => ("grade", Some(g), None),
        Scope::Class(id) => ("class", None, Some(id)),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fee_collections (school_id, school_year_id, name, amount, scope, grade, class_id, frequency, months, first_due_on, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(school_id)
    .bind(c.school_year_id)
    .bind(c.name.trim())
    .bind(c.amount)
    .bind(scope)
    .bind(grade)
    .bind(class_id)
    .bind(if c.monthly { "monthly" } else { "once" })
    .bind(if c.monthly { c.months } else { 1 })
    .bind(&c.first_due_on)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "fee_collection",
            entity_id: Some(id),
            reason: None,
            detail: json!({ "amount": c.amount }),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// A reduction (percent) or exemption (100) of one collection for one student, with its reason.
#[allow(clippy::too_many_arguments)]
pub async fn grant_reduction(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    collection_id: i64,
    student_id: i64,
    percent: i64,
    reason: &str,
    approved_by: i64,
    now: i64,
) -> Result<i64, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "reason"));
    }
    if !(1..=100).contains(&percent) {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "percent"));
    }
    let same_school: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM fee_collections c JOIN students s ON s.school_id = c.school_id
         WHERE c.id = $1 AND s.id = $2 AND c.school_id = $3",
    )
    .bind(collection_id)
    .bind(student_id)
    .bind(school_id)
    .fetch_one(&mut *conn)
    .await?;
    if same_school == 0 {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fee_reductions (school_id, collection_id, student_id, percent, reason, approved_by, approved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(school_id)
    .bind(collection_id)
    .bind(student_id)
    .bind(percent)
    .bind(reason.trim())
    .bind(approved_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "fee_reduction",
            entity_id: Some(student_id),
            reason: Some(reason.trim()),
            detail: json!({ "collection": collection_id, "percent": percent }),
        },
        now,
    )
    .await?;
    Ok(id)
}

/// Issues the notices of a collection to every student in its scope (enrolled now), period by
/// period, after reductions; a student exempt or already noticed for a period is skipped. Each
/// notice gets its reference code and its charge in the ledger. Returns how many were issued.
pub async fn issue_notices(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    collection_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let Some(c) = sqlx::query(
        "SELECT school_year_id, name, amount, scope, grade, class_id, frequency, months, first_due_on
         FROM fee_collections WHERE id = $1 AND school_id = $2",
    )
    .bind(collection_id)
    .bind(school_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    let year: i64 = c.try_get("school_year_id")?;
    let amount: i64 = c.try_get("amount")?;
    let scope: String = c.try_get("scope")?;
    let grade: Option<i64> = c.try_get("grade")?;
    let class_id: Option<i64> = c.try_get("class_id")?;
    let frequency: String = c.try_get("frequency")?;
    let months: i64 = c.try_get("months")?;
    let first_due_on: String = c.try_get("first_due_on")?;
    let students = sqlx::query(
        "SELECT e.student_id, r.percent FROM class_enrollments e
           JOIN classes k ON k.id = e.class_id
           JOIN students s ON s.id = e.student_id
           LEFT JOIN fee_reductions r ON r.collection_id = $1 AND r.student_id = e.student_id
         WHERE e.school_id = $2 AND e.school_year_id = $3 AND e.left_on IS NULL
           AND s.status IN ('studying', 'transferred_in')
           AND ($4 = 'school' OR ($4 = 'grade' AND k.grade = $5) OR ($4 = 'class' AND k.id = $6))
         ORDER BY e.student_id",
    )
    .bind(collection_id)
    .bind(school_id)
    .bind(year)
    .bind(&scope)
    .bind(grade.unwrap_or(0))
    .bind(class_id.unwrap_or(0))
    .fetch_all(&mut *conn)
    .await?;
    let collection_name: String = c.try_get("name")?;
    let mut issued = 0;
    let mut noticed_students = std::collections::BTreeSet::new();
    for (period, due_on) in rules::periods(frequency == "monthly", months, &first_due_on) {
        for row in &students {
            let student: i64 = row.try_get("student_id")?;
            let percent: Option<i64> = row.try_get("percent")?;
            let due = rules::reduced_amount(amount, percent);
            if due <= 0 {
                continue;
            }
            let notice: Option<i64> = sqlx::query_scalar(
                "INSERT INTO fee_notices (school_id, collection_id, student_id, period, amount_due, due_on, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (collection_id, student_id, period) DO NOTHING RETURNING id",
            )
            .bind(school_id)
            .bind(collection_id)
            .bind(student)
            .bind(&period)
            .bind(due)
            .bind(&due_on)
            .bind(now)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(notice) = notice else { continue };
            new_reference(conn, school_id, &[notice], now).await?;
            ledger(
                conn,
                &LedgerEntry {
                    school_id,
                    student_id: student,
                    notice_id: Some(notice),
                    kind: "charge",
                    amount: due,
                    bank_transaction_id: None,
                    receipt_id: None,
                },
                actor,
                now,
            )
            .await?;
            issued += 1;
            noticed_students.insert(student);
        }
    }
    // One message per child, however many periods were issued.
    let text = crate::notifications::store::MessageText {
        title_vi: format!("Thông báo thu mới: {collection_name}"),
        title_en: format!("New fee notice: {collection_name}"),
        body_vi: "Xem số tiền và thanh toán bằng mã VietQR trong ứng dụng.".into(),
        body_en: "See the amount and pay with the VietQR code in the app.".into(),
        link: Some("/fees".into()),
    };
    for student in noticed_students {
        crate::notifications::store::deliver_to_guardians(
            conn,
            school_id,
            student,
            crate::notifications::NotificationKind::FeeNotice,
            &text,
            now,
        )
        .await?;
    }
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "fee_notices",
            entity_id: Some(collection_id),
            reason: None,
            detail: json!({ "issued": issued }),
        },
        now,
    )
    .await?;
    Ok(issued)
}

/// A reference for one or more notices (in this order); returns its code.
pub async fn new_reference(
    conn: &mut AnyConnection,
    school_id: i64,
    notices: &[i64],
    now: i64,
) -> Result<String, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO fee_refs (school_id, created_at) VALUES ($1, $2) RETURNING id",
    )
    .bind(school_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (position, notice) in notices.iter().enumerate() {
        sqlx::query(
            "INSERT INTO fee_ref_notices (ref_id, notice_id, position) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(notice)
        .bind(position as i64)
        .execute(&mut *conn)
        .await?;
    }
    rules::reference_code(id).ok_or_else(|| AppError::new(ErrorCode::Internal))
}

/// The code a notice was issued with (its own single-notice reference).
async fn notice_code(conn: &mut AnyConnection, notice_id: i64) -> Result<String, AppError> {
    let id: i64 = sqlx::query_scalar(
        "SELECT MIN(r.ref_id) FROM fee_ref_notices r WHERE r.notice_id = $1
           AND (SELECT COUNT(*) FROM fee_ref_notices o WHERE o.ref_id = r.ref_id) = 1",
    )
    .bind(notice_id)
    .fetch_one(conn)
    .await?;
    rules::reference_code(id).ok_or_else(|| AppError::new(ErrorCode::Internal))
}

struct LedgerEntry<'a> {
    school_id: i64,
    student_id: i64,
    notice_id: Option<i64>,
    kind: &'a str,
    amount: i64,
    bank_transaction_id: Option<i64>,
    receipt_id: Option<i64>,
}

async fn ledger(
    conn: &mut AnyConnection,
    e: &LedgerEntry<'_>,
    actor: &Actor,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fee_ledger (school_id, student_id, notice_id, kind, amount, bank_transaction_id, receipt_id, at, actor_kind, actor_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.school_id)
    .bind(e.student_id)
    .bind(e.notice_id)
    .bind(e.kind)
    .bind(e.amount)
    .bind(e.bank_transaction_id)
    .bind(e.receipt_id)
    .bind(now)
    .bind(actor.kind.as_str())
    .bind(actor.id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// What is still owed on each notice, in the given order (notices of other schools dropped).
pub async fn open_notices(
    conn: &mut AnyConnection,
    school_id: i64,
    notice_ids: &[i64],
) -> Result<Vec<OpenNotice>, sqlx::Error> {
    let mut out = Vec::new();
    for id in notice_ids {
        if out.iter().any(|n: &OpenNotice| n.notice_id == *id) {
            continue;
        }
        let row = sqlx::query(
            "SELECT n.student_id, CAST(COALESCE((SELECT SUM(l.amount) FROM fee_ledger l WHERE l.notice_id = n.id), 0) AS BIGINT) AS outstanding
             FROM fee_notices n WHERE n.id = $1 AND n.school_id = $2",
        )
        .bind(id)
        .bind(school_id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = row {
            out.push(OpenNotice {
                notice_id: *id,
                student_id: row.try_get("student_id")?,
                outstanding: row.try_get("outstanding")?,
            });
        }
    }
    Ok(out)
}

/// The notices of a reference, in order, if it belongs to the school.
async fn reference_notices(
    conn: &mut AnyConnection,
    school_id: i64,
    ref_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT rn.notice_id FROM fee_ref_notices rn JOIN fee_refs r ON r.id = rn.ref_id
         WHERE r.id = $1 AND r.school_id = $2 ORDER BY rn.position",
    )
    .bind(ref_id)
    .bind(school_id)
    .fetch_all(conn)
    .await
}

/// The notices a transfer description names (codes found in it, in order of appearance).
/// A code whose check digit the bank cut off counts only if the amount pays its notices exactly.
pub async fn notices_named_in(
    conn: &mut AnyConnection,
    school_id: i64,
    description: &str,
    amount: i64,
) -> Result<Vec<OpenNotice>, sqlx::Error> {
    let mut ids = Vec::new();
    for found in rules::find_references(description) {
        let notices = reference_notices(conn, school_id, found.ref_id).await?;
        if notices.is_empty() {
            continue;
        }
        if !found.checked {
            let open = open_notices(conn, school_id, &notices).await?;
            if open.iter().map(|n| n.outstanding).sum::<i64>() != amount {
                continue;
            }
        }
        ids.extend(notices);
    }
    open_notices(conn, school_id, &ids).await
}

/// Takes the school's receipt counter for this year (creating it on first use). Everything that
/// reads balances and then pays does this first, so two payments of one notice never both see
/// it unpaid, on either database.
async fn lock_receipts(
    conn: &mut AnyConnection,
    school_id: i64,
    year: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fee_receipt_series (school_id, year, next_number) VALUES ($1, $2, 1)
         ON CONFLICT (school_id, year) DO NOTHING",
    )
    .bind(school_id)
    .bind(year)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE fee_receipt_series SET next_number = next_number WHERE school_id = $1 AND year = $2",
    )
    .bind(school_id)
    .bind(year)
    .execute(conn)
    .await
    .map(|_| ())
}

async fn next_receipt_number(
    conn: &mut AnyConnection,
    school_id: i64,
    year: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE fee_receipt_series SET next_number = next_number + 1
         WHERE school_id = $1 AND year = $2 RETURNING next_number - 1",
    )
    .bind(school_id)
    .bind(year)
    .fetch_one(conn)
    .await
}

/// Where a payment's money came from.
pub enum Source<'a> {
    Bank { transaction_id: i64 },
    Cash { payer_name: &'a str },
}

async fn line_description(
    conn: &mut AnyConnection,
    notice_id: Option<i64>,
    student_id: i64,
) -> Result<String, sqlx::Error> {
    let student = sqlx::query(
        "SELECT family_name, middle_name, given_name,
                (SELECT c.name FROM class_enrollments e JOIN classes c ON c.id = e.class_id
                  WHERE e.student_id = s.id AND e.left_on IS NULL ORDER BY e.id DESC LIMIT 1) AS class_name
         FROM students s WHERE s.id = $1",
    )
    .bind(student_id)
    .fetch_one(&mut *conn)
    .await?;
    let name = full_name(&student)?;
    let class: Option<String> = student.try_get("class_name")?;
    let who = match class {
        Some(class) => format!("{name}, lớp {class}"),
        None => name,
    };
    match notice_id {
        Some(id) => {
            let row = sqlx::query(
                "SELECT c.name, n.period FROM fee_notices n JOIN fee_collections c ON c.id = n.collection_id WHERE n.id = $1",
            )
            .bind(id)
            .fetch_one(conn)
            .await?;
            let collection: String = row.try_get("name")?;
            let period: String = row.try_get("period")?;
            Ok(if period == "once" {
                format!("{collection} — {who}")
            } else {
                format!("{collection} ({}) — {who}", period_label(&period))
            })
        }
        None => Ok(format!("Tiền nộp thừa, giữ lại cho học sinh — {who}")),
    }
}

/// `2026-09` → `tháng 09/2026`.
pub fn period_label(period: &str) -> String {
    match period.split_once('-') {
        Some((year, month)) => format!("tháng {month}/{year}"),
        None => period.to_string(),
    }
}

/// Writes an allocation: ledger entries and one receipt for all of it. Call inside a transaction
/// that already took [`lock_receipts`]. Returns the receipt.
async fn pay(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    allocation: &rules::Allocation,
    source: &Source<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let year = receipt_year(now);
    let number = next_receipt_number(conn, school_id, year).await?;
    let total: i64 = allocation
        .payments
        .iter()
        .map(|p| p.outstanding)
        .sum::<i64>()
        + allocation.credit.map_or(0, |c| c.1);
    let first_student = allocation
        .payments
        .first()
        .map(|p| p.student_id)
        .or(allocation.credit.map(|c| c.0))
        .ok_or_else(|| AppError::new(ErrorCode::Internal))?;
    let (method, bank_transaction_id, payer) = match source {
        Source::Bank { transaction_id } => {
            let row = sqlx::query(
                "SELECT family_name, middle_name, given_name FROM students WHERE id = $1",
            )
            .bind(first_student)
            .fetch_one(&mut *conn)
            .await?;
            (
                "bank",
                Some(*transaction_id),
                format!("Phụ huynh học sinh {}", full_name(&row)?),
            )
        }
        Source::Cash { payer_name } => ("cash", None, payer_name.trim().to_string()),
    };
    let receipt: i64 = sqlx::query_scalar(
        "INSERT INTO fee_receipts (school_id, year, number, template_symbol, series, payer_name, method, bank_transaction_id, total, issued_at, issued_by_kind, issued_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(school_id)
    .bind(year)
    .bind(number)
    .bind(RECEIPT_TEMPLATE)
    .bind(receipt_series(year))
    .bind(&payer)
    .bind(method)
    .bind(bank_transaction_id)
    .bind(total)
    .bind(now)
    .bind(actor.kind.as_str())
    .bind(actor.id)
    .fetch_one(&mut *conn)
    .await?;
    let lines = allocation
        .payments
        .iter()
        .map(|p| (Some(p.notice_id), p.student_id, p.outstanding, "payment"))
        .chain(allocation.credit.map(|(s, a)| (None, s, a, "credit")));
    for (notice_id, student_id, amount, kind) in lines {
        let description = line_description(conn, notice_id, student_id).await?;
        sqlx::query(
            "INSERT INTO fee_receipt_lines (receipt_id, school_id, notice_id, student_id, description, amount)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(receipt)
        .bind(school_id)
        .bind(notice_id)
        .bind(student_id)
        .bind(&description)
        .bind(amount)
        .execute(&mut *conn)
        .await?;
        ledger(
            conn,
            &LedgerEntry {
                school_id,
                student_id,
                notice_id,
                kind,
                amount: -amount,
                bank_transaction_id,
                receipt_id: Some(receipt),
            },
            actor,
            now,
        )
        .await?;
    }
    Ok(receipt)
}

// ───────────────────────────── webhook deliveries ─────────────────────────────

/// What became of one delivery; the webhook answers from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Not from the notifier, too old, a replay, or unreadable: stored, nothing else.
    Refused(Verdict),
    /// Money going out: stored, nothing to do.
    Ignored,
    /// This bank transaction was already counted (a retry): nothing more.
    Duplicate,
    /// Counted now. `matched` is `None` when the description named no notice (clerk's queue).
    Recorded {
        bank_transaction_id: i64,
        matched: Option<MatchOutcome>,
        receipt_id: Option<i64>,
    },
}

/// Receives one webhook delivery for a notifier: checks it, stores it as received (append-only,
/// committed on its own so even a refused or failing delivery is kept), then counts the
/// transaction in one database transaction with its ledger entries and receipt. `None` when the
/// notifier does not exist.
pub async fn receive_delivery(
    db: &Db,
    crypto: &PidCrypto,
    notifier_id: i64,
    header: &(dyn Fn(&str) -> Option<String> + Sync),
    body: &[u8],
    now: i64,
) -> Result<Option<DeliveryOutcome>, AppError> {
    let mut conn = db.pool().acquire().await?;
    let Some(notifier) = notifier(&mut conn, crypto, notifier_id).await? else {
        return Ok(None);
    };
    let mut checked = notifier::check(
        notifier.kind,
        notifier.auth,
        &notifier.secret,
        header,
        body,
        now,
    );
    if checked.verdict == Verdict::Authentic && is_replay(&mut conn, &notifier, &checked).await? {
        checked.verdict = Verdict::Replayed;
    }
    let delivery_id: i64 = sqlx::query_scalar(
        "INSERT INTO fee_deliveries (notifier_id, school_id, received_at, signature, sent_at, body, verdict, transaction_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(notifier.id)
    .bind(notifier.school_id)
    .bind(now)
    .bind(&checked.signature)
    .bind(checked.sent_at)
    .bind(String::from_utf8_lossy(body).into_owned())
    .bind(checked.verdict.code())
    .bind(checked.transaction.as_ref().map(|t| t.external_id.clone()))
    .fetch_one(&mut *conn)
    .await?;
    drop(conn);
    match (checked.verdict, checked.transaction) {
        (Verdict::Authentic, Some(transaction)) => {
            record_transaction(db, &notifier, delivery_id, &transaction, now)
                .await
                .map(Some)
        }
        (Verdict::Outgoing, _) => Ok(Some(DeliveryOutcome::Ignored)),
        (verdict, _) => Ok(Some(DeliveryOutcome::Refused(verdict))),
    }
}

/// The very same signed request, already counted: a replay. (A notifier's own retries carry a
/// new timestamp, hence a new signature; and a delivery whose first attempt failed before it was
/// counted is not a replay, so nothing is lost.)
async fn is_replay(
    conn: &mut AnyConnection,
    notifier: &Notifier,
    checked: &Checked,
) -> Result<bool, sqlx::Error> {
    let (Some(signature), Some(transaction)) = (&checked.signature, &checked.transaction) else {
        return Ok(false);
    };
    let seen: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM fee_deliveries d
         WHERE d.notifier_id = $1 AND d.signature = $2 AND d.verdict = 'authentic'
           AND EXISTS (SELECT 1 FROM fee_bank_transactions t WHERE t.notifier_id = $1 AND t.external_id = $3)",
    )
    .bind(notifier.id)
    .bind(signature)
    .bind(&transaction.external_id)
    .fetch_one(conn)
    .await?;
    Ok(seen > 0)
}

async fn record_transaction(
    db: &Db,
    notifier: &Notifier,
    delivery_id: i64,
    t: &IncomingTransaction,
    now: i64,
) -> Result<DeliveryOutcome, AppError> {
    let school_id = notifier.school_id;
    let mut tx = db.pool().begin().await?;
    // First statement a write: SQLite takes its write lock at once (no lock upgrade later), and
    // the unique key makes a second delivery of the same transaction wait, then find it counted.
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO fee_bank_transactions (school_id, notifier_id, external_id, delivery_id, account_number, bank_name, amount, description, occurred_at, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (notifier_id, external_id) DO NOTHING RETURNING id",
    )
    .bind(school_id)
    .bind(notifier.id)
    .bind(&t.external_id)
    .bind(delivery_id)
    .bind(&t.account_number)
    .bind(&t.bank_name)
    .bind(t.amount)
    .bind(&t.description)
    .bind(&t.occurred_at)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(transaction_id) = inserted else {
        tx.rollback().await?;
        return Ok(DeliveryOutcome::Duplicate);
    };
    lock_receipts(&mut tx, school_id, receipt_year(now)).await?;
    let notices = notices_named_in(&mut tx, school_id, &t.description, t.amount).await?;
    let (matched, receipt_id) = match rules::allocate(t.amount, &notices) {
        Some(allocation) => {
            let receipt = pay(
                &mut tx,
                &Actor::system(),
                school_id,
                &allocation,
                &Source::Bank { transaction_id },
                now,
            )
            .await?;
            (Some(allocation.outcome), Some(receipt))
        }
        None => (None, None),
    };
    tx.commit().await?;
    Ok(DeliveryOutcome::Recorded {
        bank_transaction_id: transaction_id,
        matched,
        receipt_id,
    })
}

// ───────────────────────────── the office: cash, the queue, cancellations ─────────────────────

/// The school of a reference code (for authorization); `None` for a code that is not one.
pub async fn school_of_reference(
    conn: &mut AnyConnection,
    reference_code: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let Some(found) = rules::find_references(reference_code)
        .into_iter()
        .find(|f| f.checked)
    else {
        return Ok(None);
    };
    sqlx::query_scalar("SELECT school_id FROM fee_refs WHERE id = $1")
        .bind(found.ref_id)
        .fetch_optional(conn)
        .await
}

/// The school a notice, a receipt or a bank transaction belongs to (for authorization).
pub async fn school_of(
    conn: &mut AnyConnection,
    table: FeeTable,
    id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let sql = match table {
        FeeTable::Notice => "SELECT school_id FROM fee_notices WHERE id = $1",
        FeeTable::Receipt => "SELECT school_id FROM fee_receipts WHERE id = $1",
        FeeTable::BankTransaction => "SELECT school_id FROM fee_bank_transactions WHERE id = $1",
    };
    sqlx::query_scalar(sql).bind(id).fetch_optional(conn).await
}

#[derive(Clone, Copy, Debug)]
pub enum FeeTable {
    Notice,
    Receipt,
    BankTransaction,
}

/// Cash paid at the office for some notices; a receipt is issued. More than owed is a credit.
pub async fn record_cash(
    db: &Db,
    actor: &Actor,
    school_id: i64,
    reference_code: &str,
    amount: i64,
    payer_name: &str,
    now: i64,
) -> Result<i64, AppError> {
    if amount <= 0 {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "amount"));
    }
    if payer_name.trim().is_empty() {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "payer_name"));
    }
    let mut tx = db.pool().begin().await?;
    let receipt = record_cash_in(
        &mut tx,
        actor,
        school_id,
        reference_code,
        amount,
        payer_name,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(receipt)
}

/// [`record_cash`] inside the caller's transaction (the demo seeds one this way).
pub async fn record_cash_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    reference_code: &str,
    amount: i64,
    payer_name: &str,
    now: i64,
) -> Result<i64, AppError> {
    let Some(reference) = rules::find_references(reference_code)
        .into_iter()
        .find(|f| f.checked)
    else {
        return Err(AppError::for_field(
            ErrorCode::InvalidInput,
            "reference_code",
        ));
    };
    lock_receipts(&mut *conn, school_id, receipt_year(now)).await?;
    let notice_ids = reference_notices(&mut *conn, school_id, reference.ref_id).await?;
    let notices = open_notices(&mut *conn, school_id, &notice_ids).await?;
    let allocation =
        rules::allocate(amount, &notices).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let receipt = pay(
        &mut *conn,
        actor,
        school_id,
        &allocation,
        &Source::Cash { payer_name },
        now,
    )
    .await?;
    audit::record(
        &mut *conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Create,
            entity: "fee_receipt",
            entity_id: Some(receipt),
            reason: None,
            detail: json!({ "method": "cash", "amount": amount }),
        },
        now,
    )
    .await?;
    Ok(receipt)
}

/// Assigns a transfer from the clerk's queue to the notices of a reference code (or a notice's
/// code) that the clerk found. Refused if the transfer is no longer waiting.
pub async fn assign_transfer(
    db: &Db,
    actor: &Actor,
    school_id: i64,
    bank_transaction_id: i64,
    reference_code: &str,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = db.pool().begin().await?;
    lock_receipts(&mut tx, school_id, receipt_year(now)).await?;
    let row = sqlx::query(
        "SELECT t.amount, CAST(COALESCE((SELECT SUM(l.amount) FROM fee_ledger l WHERE l.bank_transaction_id = t.id), 0) AS BIGINT) AS allocated
         FROM fee_bank_transactions t WHERE t.id = $1 AND t.school_id = $2",
    )
    .bind(bank_transaction_id)
    .bind(school_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let amount: i64 = row.try_get("amount")?;
    let allocated: i64 = row.try_get("allocated")?;
    if allocated != 0 {
        return Err(AppError::new(ErrorCode::TransferAlreadyAssigned));
    }
    let found = rules::find_references(reference_code);
    let Some(reference) = found.iter().find(|f| f.checked) else {
        return Err(AppError::for_field(
            ErrorCode::InvalidInput,
            "reference_code",
        ));
    };
    let notice_ids = reference_notices(&mut tx, school_id, reference.ref_id).await?;
    let notices = open_notices(&mut tx, school_id, &notice_ids).await?;
    let allocation =
        rules::allocate(amount, &notices).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let receipt = pay(
        &mut tx,
        actor,
        school_id,
        &allocation,
        &Source::Bank {
            transaction_id: bank_transaction_id,
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "fee_bank_transaction",
            entity_id: Some(bank_transaction_id),
            reason: Some("assigned by hand"),
            detail: json!({ "receipt": receipt }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(receipt)
}

/// Cancels a receipt with a reason: the number stays used, the payments it recorded are reversed
/// in the ledger (a bank transfer goes back to the clerk's queue).
pub async fn cancel_receipt(
    db: &Db,
    actor: &Actor,
    school_id: i64,
    receipt_id: i64,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::for_field(
            ErrorCode::ReceiptReasonRequired,
            "reason",
        ));
    }
    let mut tx = db.pool().begin().await?;
    lock_receipts(&mut tx, school_id, receipt_year(now)).await?;
    let cancelled: Option<i64> = sqlx::query_scalar(
        "INSERT INTO fee_receipt_cancellations (receipt_id, school_id, reason, cancelled_at, cancelled_by)
         SELECT id, school_id, $3, $4, $5 FROM fee_receipts WHERE id = $1 AND school_id = $2
         ON CONFLICT (receipt_id) DO NOTHING RETURNING receipt_id",
    )
    .bind(receipt_id)
    .bind(school_id)
    .bind(reason)
    .bind(now)
    .bind(actor.id.unwrap_or(0))
    .fetch_optional(&mut *tx)
    .await?;
    if cancelled.is_none() {
        let exists = school_of(&mut tx, FeeTable::Receipt, receipt_id).await? == Some(school_id);
        return Err(AppError::new(if exists {
            ErrorCode::ReceiptAlreadyCancelled
        } else {
            ErrorCode::NotFound
        }));
    }
    let entries = sqlx::query(
        "SELECT student_id, notice_id, amount, bank_transaction_id FROM fee_ledger
         WHERE receipt_id = $1 AND school_id = $2 AND amount < 0",
    )
    .bind(receipt_id)
    .bind(school_id)
    .fetch_all(&mut *tx)
    .await?;
    for e in entries {
        let amount: i64 = e.try_get("amount")?;
        ledger(
            &mut tx,
            &LedgerEntry {
                school_id,
                student_id: e.try_get("student_id")?,
                notice_id: e.try_get("notice_id")?,
                kind: "reversal",
                amount: -amount,
                bank_transaction_id: e.try_get("bank_transaction_id")?,
                receipt_id: Some(receipt_id),
            },
            actor,
            now,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Archive,
            entity: "fee_receipt",
            entity_id: Some(receipt_id),
            reason: Some(reason),
            detail: json!({}),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ───────────────────────────── reading ─────────────────────────────

/// The fees of a guardian's children that the school lets them see; marks the screen as seen.
pub async fn family_fees(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    guardian_id: i64,
    now: i64,
) -> Result<FamilyFees, AppError> {
    let school_name: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&mut *conn)
        .await?;
    let seen_at: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(seen_at), 0) AS BIGINT) FROM fee_guardian_seen WHERE guardian_id = $1",
    )
    .bind(guardian_id)
    .fetch_one(&mut *conn)
    .await?;
    let children = sqlx::query(
        "SELECT s.id, s.family_name, s.middle_name, s.given_name,
                (SELECT c.name FROM class_enrollments e JOIN classes c ON c.id = e.class_id
                  WHERE e.student_id = s.id AND e.left_on IS NULL ORDER BY e.id DESC LIMIT 1) AS class_name
         FROM guardian_links l JOIN students s ON s.id = l.student_id JOIN schools sc ON sc.id = l.school_id
         WHERE l.school_id = $1 AND l.guardian_id = $2
           AND (l.status = 'verified' OR (sc.guardian_access = 'linked' AND l.status IN ('unverified', 'pending')))
         ORDER BY s.date_of_birth",
    )
    .bind(school_id)
    .bind(guardian_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for child in children {
        let student_id: i64 = child.try_get("id")?;
        let (notices, credit, payments) = child_fees(conn, school_id, student_id, seen_at).await?;
        out.push(ChildFees {
            student_id,
            name: full_name(&child)?,
            class_name: child.try_get("class_name")?,
            notices,
            credit,
            payments,
        });
    }
    let new_notices = out
        .iter()
        .flat_map(|c| &c.notices)
        .filter(|n| n.is_new)
        .count() as i64;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Read,
            entity: "fee_notices",
            entity_id: Some(guardian_id),
            reason: None,
            detail: json!({ "children": out.iter().map(|c| c.student_id).collect::<Vec<_>>() }),
        },
        now,
    )
    .await?;
    Ok(FamilyFees {
        school_name,
        children: out,
        new_notices,
    })
}

/// Marks the fees screen as seen by a guardian (new notices stop being new).
pub async fn mark_seen(
    conn: &mut AnyConnection,
    school_id: i64,
    guardian_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fee_guardian_seen (guardian_id, school_id, seen_at) VALUES ($1, $2, $3)
         ON CONFLICT (guardian_id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(guardian_id)
    .bind(school_id)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ())
}

/// How many notices were issued to a guardian's visible children since they last looked.
pub async fn new_notice_count(
    conn: &mut AnyConnection,
    school_id: i64,
    guardian_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM fee_notices n
           JOIN guardian_links l ON l.student_id = n.student_id AND l.guardian_id = $2 AND l.school_id = $1
           JOIN schools sc ON sc.id = l.school_id
         WHERE n.school_id = $1
           AND (l.status = 'verified' OR (sc.guardian_access = 'linked' AND l.status IN ('unverified', 'pending')))
           AND n.created_at > COALESCE((SELECT seen_at FROM fee_guardian_seen WHERE guardian_id = $2), 0)",
    )
    .bind(school_id)
    .bind(guardian_id)
    .fetch_one(conn)
    .await
}

async fn child_fees(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
    seen_at: i64,
) -> Result<(Vec<NoticeView>, i64, Vec<PaymentView>), AppError> {
    let rows = sqlx::query(
        "SELECT n.id, c.name, n.period, n.due_on, n.amount_due, n.created_at,
                CAST(COALESCE((SELECT SUM(l.amount) FROM fee_ledger l WHERE l.notice_id = n.id), 0) AS BIGINT) AS outstanding,
                (SELECT MAX(l.receipt_id) FROM fee_ledger l WHERE l.notice_id = n.id AND l.kind = 'payment'
                   AND NOT EXISTS (SELECT 1 FROM fee_receipt_cancellations x WHERE x.receipt_id = l.receipt_id)) AS last_receipt_id
         FROM fee_notices n JOIN fee_collections c ON c.id = n.collection_id
         WHERE n.school_id = $1 AND n.student_id = $2
         ORDER BY n.due_on, n.id",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut notices = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let due: i64 = r.try_get("amount_due")?;
        let outstanding: i64 = r.try_get("outstanding")?;
        let paid = due - outstanding;
        let collection: String = r.try_get("name")?;
        let period: String = r.try_get("period")?;
        let created_at: i64 = r.try_get("created_at")?;
        notices.push(NoticeView {
            notice_id: id,
            collection,
            period,
            due_on: r.try_get("due_on")?,
            amount_due: due,
            paid,
            status: rules::notice_status(due, paid),
            reference_code: notice_code(conn, id).await?,
            is_new: created_at > seen_at,
            last_receipt_id: r.try_get("last_receipt_id")?,
        });
    }
    let credit: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(-SUM(amount), 0) AS BIGINT) FROM fee_ledger
         WHERE school_id = $1 AND student_id = $2 AND notice_id IS NULL",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_one(&mut *conn)
    .await?;
    let payments = receipts_where(
        conn,
        "r.school_id = $1 AND r.id IN (SELECT receipt_id FROM fee_receipt_lines WHERE student_id = $2)",
        school_id,
        student_id,
    )
    .await?;
    Ok((notices, credit, payments))
}

async fn receipts_where(
    conn: &mut AnyConnection,
    condition: &str,
    school_id: i64,
    other: i64,
) -> Result<Vec<PaymentView>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.year, r.number, r.issued_at, r.total, r.method,
                (SELECT COUNT(*) FROM fee_receipt_cancellations x WHERE x.receipt_id = r.id) AS cancelled
         FROM fee_receipts r WHERE {condition} ORDER BY r.issued_at DESC, r.id DESC LIMIT 50"
    ))
    .bind(school_id)
    .bind(other)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let year: i64 = r.try_get("year")?;
            let number: i64 = r.try_get("number")?;
            let cancelled: i64 = r.try_get("cancelled")?;
            Ok(PaymentView {
                receipt_id: r.try_get("id")?,
                receipt_number: format!("{year}-{number:07}"),
                issued_at: r.try_get("issued_at")?,
                amount: r.try_get("total")?,
                method: r.try_get("method")?,
                cancelled: cancelled > 0,
            })
        })
        .collect()
}

/// Students named on a receipt (a guardian may read it if they may read any of them).
pub async fn receipt_students(
    conn: &mut AnyConnection,
    receipt_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT student_id FROM fee_receipt_lines WHERE receipt_id = $1")
        .bind(receipt_id)
        .fetch_all(conn)
        .await
}

pub async fn receipt(
    conn: &mut AnyConnection,
    actor: &Actor,
    receipt_id: i64,
    now: i64,
) -> Result<ReceiptView, AppError> {
    let r = sqlx::query(
        "SELECT r.id, r.school_id, r.year, r.number, r.template_symbol, r.series, r.payer_name, r.method,
                r.total, r.issued_at, s.name AS school_name, s.address,
                (SELECT x.reason FROM fee_receipt_cancellations x WHERE x.receipt_id = r.id) AS cancelled_reason
         FROM fee_receipts r JOIN schools s ON s.id = r.school_id WHERE r.id = $1",
    )
    .bind(receipt_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let lines = sqlx::query(
        "SELECT description, amount FROM fee_receipt_lines WHERE receipt_id = $1 ORDER BY id",
    )
    .bind(receipt_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|l| {
        Ok(ReceiptLine {
            description: l.try_get("description")?,
            amount: l.try_get("amount")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let school_id: i64 = r.try_get("school_id")?;
    let total: i64 = r.try_get("total")?;
    let view = ReceiptView {
        id: r.try_get("id")?,
        school_id,
        type_name: RECEIPT_TYPE_NAME.to_string(),
        template_symbol: r.try_get("template_symbol")?,
        series: r.try_get("series")?,
        number: r.try_get("number")?,
        year: r.try_get("year")?,
        organisation: r.try_get("school_name")?,
        organisation_address: r
            .try_get::<Option<String>, _>("address")?
            .unwrap_or_default(),
        payer_name: r.try_get("payer_name")?,
        method: r.try_get("method")?,
        issued_at: r.try_get("issued_at")?,
        lines,
        total,
        total_in_words: rules::amount_in_words(total),
        cancelled_reason: r.try_get("cancelled_reason")?,
    };
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Read,
            entity: "fee_receipt",
            entity_id: Some(receipt_id),
            reason: None,
            detail: json!({}),
        },
        now,
    )
    .await?;
    Ok(view)
}

/// The office's screen: transfers waiting to be assigned, recent receipts.
pub async fn unmatched(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<UnmatchedTransfer>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.amount, t.description, t.bank_name, t.occurred_at, t.received_at
         FROM fee_bank_transactions t
         WHERE t.school_id = $1
           AND COALESCE((SELECT SUM(l.amount) FROM fee_ledger l WHERE l.bank_transaction_id = t.id), 0) = 0
         ORDER BY t.received_at, t.id",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UnmatchedTransfer {
                id: r.try_get("id")?,
                amount: r.try_get("amount")?,
                description: r.try_get("description")?,
                bank_name: r.try_get("bank_name")?,
                occurred_at: r.try_get("occurred_at")?,
                received_at: r.try_get("received_at")?,
            })
        })
        .collect()
}

pub async fn recent_receipts(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<PaymentView>, sqlx::Error> {
    receipts_where(conn, "r.school_id = $1 AND r.id > $2", school_id, 0).await
}

/// Due, paid and outstanding per class of the current school year: (class, due, outstanding).
pub async fn totals_by_class(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT k.name AS class_name, k.grade,
                CAST(COALESCE(SUM(CASE WHEN l.kind = 'charge' THEN l.amount ELSE 0 END), 0) AS BIGINT) AS due,
                CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) AS outstanding
         FROM classes k
           JOIN school_years y ON y.id = k.school_year_id AND y.is_current = 1
           JOIN class_enrollments e ON e.class_id = k.id AND e.left_on IS NULL
           JOIN fee_notices n ON n.student_id = e.student_id AND n.school_id = k.school_id
           JOIN fee_ledger l ON l.notice_id = n.id
         WHERE k.school_id = $1
         GROUP BY k.id, k.name, k.grade ORDER BY k.grade, k.name",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("class_name")?,
                r.try_get("due")?,
                r.try_get("outstanding")?,
            ))
        })
        .collect()
}

/// Money received per local day (receipts not cancelled): (ISO date, receipts, bank, cash).
pub async fn daily_collections(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<(String, i64, i64, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.issued_at, r.total, r.method FROM fee_receipts r
         WHERE r.school_id = $1 AND NOT EXISTS (SELECT 1 FROM fee_receipt_cancellations x WHERE x.receipt_id = r.id)
         ORDER BY r.issued_at",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    let mut days: Vec<(String, i64, i64, i64)> = Vec::new();
    for r in rows {
        let at: i64 = r.try_get("issued_at")?;
        let total: i64 = r.try_get("total")?;
        let method: String = r.try_get("method")?;
        let day = crate::platform::format::iso_date(local_date(at));
        if days.last().map(|d| &d.0) != Some(&day) {
            days.push((day, 0, 0, 0));
        }
        if let Some(last) = days.last_mut() {
            last.1 += 1;
            if method == "cash" {
                last.3 += total;
            } else {
                last.2 += total;
            }
        }
    }
    Ok(days)
}

/// The sum of every ledger entry of a school (tests and benchmarks check the books with it).
pub async fn ledger_sum(conn: &mut AnyConnection, school_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM fee_ledger WHERE school_id = $1",
    )
    .bind(school_id)
    .fetch_one(conn)
    .await
}

/// Money received by transfer that the ledger counts as paid (allocated or kept as credit).
pub async fn bank_money_counted(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(-SUM(amount), 0) AS BIGINT) FROM fee_ledger
         WHERE school_id = $1 AND bank_transaction_id IS NOT NULL",
    )
    .bind(school_id)
    .fetch_one(conn)
    .await
}

/// A school's fee settings (never a notifier's secret).
pub async fn settings(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<super::SettingsView, sqlx::Error> {
    let accounts = accounts(conn, school_id).await?;
    let notifiers = sqlx::query(
        "SELECT id, kind FROM fee_notifiers WHERE school_id = $1 AND active = 1 ORDER BY id",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let id: i64 = r.try_get("id")?;
        Ok(super::NotifierView {
            id,
            kind: r.try_get("kind")?,
            endpoint: format!("/webhooks/fees/{id}"),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let collections = sqlx::query(
        "SELECT c.id, c.name, c.amount FROM fee_collections c
           JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
         WHERE c.school_id = $1 ORDER BY c.id",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("amount")?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(super::SettingsView {
        accounts,
        notifiers,
        collections,
    })
}

/// Status and latest receipt of some notices (already authorized by the caller).
pub async fn notice_states(
    conn: &mut AnyConnection,
    notice_ids: &[i64],
) -> Result<Vec<super::NoticeState>, sqlx::Error> {
    let mut out = Vec::new();
    for id in notice_ids {
        let Some(row) = sqlx::query(
            "SELECT n.amount_due,
                    CAST(COALESCE((SELECT SUM(l.amount) FROM fee_ledger l WHERE l.notice_id = n.id), 0) AS BIGINT) AS outstanding,
                    (SELECT MAX(l.receipt_id) FROM fee_ledger l WHERE l.notice_id = n.id AND l.kind = 'payment'
                       AND NOT EXISTS (SELECT 1 FROM fee_receipt_cancellations x WHERE x.receipt_id = l.receipt_id)) AS last_receipt_id
             FROM fee_notices n WHERE n.id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        else {
            continue;
        };
        let due: i64 = row.try_get("amount_due")?;
        let outstanding: i64 = row.try_get("outstanding")?;
        out.push(super::NoticeState {
            notice_id: *id,
            status: rules::notice_status(due, due - outstanding),
            last_receipt_id: row.try_get("last_receipt_id")?,
        });
    }
    Ok(out)
}
