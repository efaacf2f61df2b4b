//! The fees of the demo's pilot school: two accounts at two banks, a SePay notifier, four
//! collections (health insurance for everyone, boarding meals monthly for grade 6, the
//! informatics club of 6A1, uniforms for grade 8), an exemption, the notices, and one cash
//! payment by the demo mother so her history is not empty.

use sqlx::{AnyConnection, Row};

use super::notifier::{AuthMode, NotifierKind};
use super::{AccountView, NewCollection, Scope, store};
use crate::platform::audit::Actor;
use crate::platform::crypto::PidCrypto;
use crate::platform::error::AppError;

/// The demo notifier's secret (demo mode only; a real school's is set by its admin and sealed).
pub const DEMO_SEPAY_SECRET: &str = "demo-sepay-secret-not-for-production";

pub async fn seed(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    school_id: i64,
    school_year_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let actor = Actor::system();
    for (bin, bank, number) in [
        ("970436", "Vietcombank", "1023456789"),
        ("970418", "BIDV", "21510001234567"),
    ] {
        let account = AccountView {
            id: 0,
            bank_bin: bin.into(),
            bank_name: bank.into(),
            account_number: number.into(),
            account_name: "TRUONG THCS PHUOC KIEN".into(),
        };
        store::add_account(conn, school_id, &account, now).await?;
    }
    store::add_notifier(
        conn,
        crypto,
        school_id,
        NotifierKind::Sepay,
        AuthMode::Hmac,
        DEMO_SEPAY_SECRET,
        now,
    )
    .await?;
    let class_6a1: i64 =
        sqlx::query_scalar("SELECT id FROM classes WHERE school_id = $1 AND name = '6A1'")
            .bind(school_id)
            .fetch_one(&mut *conn)
            .await?;
    let collections = [
        (
            "Bảo hiểm y tế học sinh",
            884_520,
            Scope::School,
            false,
            1,
            "2026-10-15",
        ),
        (
            "Tiền ăn bán trú",
            650_000,
            Scope::Grade(6),
            true,
            2,
            "2026-09-20",
        ),
        (
            "Câu lạc bộ Tin học",
            300_000,
            Scope::Class(class_6a1),
            false,
            1,
            "2026-10-01",
        ),
        (
            "Đồng phục",
            450_000,
            Scope::Grade(8),
            false,
            1,
            "2026-09-30",
        ),
    ];
    let mut ids = Vec::new();
    for (name, amount, scope, monthly, months, due) in collections {
        let collection = NewCollection {
            school_year_id,
            name: name.into(),
            amount,
            scope,
            monthly,
            months,
            first_due_on: due.into(),
        };
        ids.push(store::add_collection(conn, &actor, school_id, &collection, now).await?);
    }
    // The second pupil of 6A1 has a health-insurance card from a poor household: exempt.
    let principal: i64 = sqlx::query_scalar(
        "SELECT s.id FROM staff s JOIN staff_roles r ON r.staff_id = s.id
         WHERE s.school_id = $1 AND r.role = 'school_admin' ORDER BY s.id LIMIT 1",
    )
    .bind(school_id)
    .fetch_one(&mut *conn)
    .await?;
    let second_of_6a1: i64 = sqlx::query_scalar(
        "SELECT student_id FROM class_enrollments WHERE class_id = $1 ORDER BY student_id LIMIT 1 OFFSET 1",
    )
    .bind(class_6a1)
    .fetch_one(&mut *conn)
    .await?;
    store::grant_reduction(
        conn,
        &actor,
        school_id,
        ids[0],
        second_of_6a1,
        100,
        "Hộ nghèo: thẻ BHYT do Nhà nước cấp",
        principal,
        now,
    )
    .await?;
    for id in &ids {
        store::issue_notices(conn, &actor, school_id, *id, now).await?;
    }
    // The demo mother paid her younger child's club fee in cash at the office.
    let club_notice = sqlx::query(
        "SELECT n.id, g.family_name, g.middle_name, g.given_name FROM fee_notices n
           JOIN guardian_links l ON l.student_id = n.student_id AND l.status = 'verified'
           JOIN guardians g ON g.id = l.guardian_id
         WHERE n.collection_id = $1 ORDER BY n.id LIMIT 1",
    )
    .bind(ids[2])
    .fetch_one(&mut *conn)
    .await?;
    let notice: i64 = club_notice.try_get("id")?;
    let payer = crate::people::FullName {
        family: club_notice.try_get("family_name")?,
        middle: club_notice.try_get("middle_name")?,
        given: club_notice.try_get("given_name")?,
    }
    .full();
    let ref_id: i64 =
        sqlx::query_scalar("SELECT MIN(ref_id) FROM fee_ref_notices WHERE notice_id = $1")
            .bind(notice)
            .fetch_one(&mut *conn)
            .await?;
    let code = super::rules::reference_code(ref_id).unwrap_or_default();
    store::record_cash_in(conn, &actor, school_id, &code, 300_000, &payer, now).await?;
    Ok(())
}
