//! Fees: what each family owes (collections per school year, notices per student and period,
//! reductions), paying from the phone by VietQR, reconciling bank notifications exactly once
//! against an append-only ledger, receipts in an unbroken series, and the fee reports.
//!
//! `rules` and `vietqr` are pure (they also run in the browser); `notifier` checks webhook
//! deliveries; `store` holds the queries; `routes` the webhook and file endpoints (plain axum
//! routes); `api` the server functions; `screens` the guardian's and the office's screens.

pub mod api;
pub mod rules;
pub mod screens;
pub mod vietqr;

#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod einvoice;
#[cfg(feature = "ssr")]
pub mod notifier;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

pub use rules::NoticeStatus;

/// One notice as a guardian or the office sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    pub notice_id: i64,
    pub collection: String,
    /// `2026-09`, or `once`.
    pub period: String,
    /// ISO date.
    pub due_on: String,
    pub amount_due: i64,
    pub paid: i64,
    pub status: NoticeStatus,
    /// The code to put in a transfer for this notice alone.
    pub reference_code: String,
    /// Issued since the guardian last opened the fees screen.
    pub is_new: bool,
    /// The latest receipt (not cancelled) that paid on it.
    pub last_receipt_id: Option<i64>,
}

impl NoticeView {
    pub fn outstanding(&self) -> i64 {
        (self.amount_due - self.paid).max(0)
    }
}

/// A payment in a child's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub receipt_id: i64,
    /// e.g. `2026-0000012`.
    pub receipt_number: String,
    pub issued_at: i64,
    pub amount: i64,
    /// `bank` or `cash`.
    pub method: String,
    pub cancelled: bool,
}

/// A child's fees: notices, credit, payments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildFees {
    pub student_id: i64,
    pub name: String,
    pub class_name: Option<String>,
    pub notices: Vec<NoticeView>,
    /// Money paid beyond what was asked, kept for the student.
    pub credit: i64,
    pub payments: Vec<PaymentView>,
}

/// A guardian's fees screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyFees {
    pub school_name: String,
    pub children: Vec<ChildFees>,
    pub new_notices: i64,
}

/// A school account as shown beside a VietQR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub id: i64,
    pub bank_bin: String,
    pub bank_name: String,
    pub account_number: String,
    pub account_name: String,
}

/// What the phone shows to pay one or more notices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    pub notice_ids: Vec<i64>,
    pub account: AccountView,
    /// Every account of the school, so the payer can pick another bank.
    pub accounts: Vec<AccountView>,
    pub amount: i64,
    pub reference_code: String,
    /// The transfer text (what a bank app without a scanner needs typed in).
    pub purpose: String,
    /// The VietQR payload and the same drawn as SVG.
    pub payload: String,
    pub qr_svg: String,
}

/// A receipt with the fields the reference lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptView {
    pub id: i64,
    pub school_id: i64,
    pub type_name: String,
    pub template_symbol: String,
    pub series: String,
    pub number: i64,
    pub year: i64,
    pub organisation: String,
    pub organisation_address: String,
    pub payer_name: String,
    pub method: String,
    pub issued_at: i64,
    pub lines: Vec<ReceiptLine>,
    pub total: i64,
    pub total_in_words: String,
    pub cancelled_reason: Option<String>,
}

impl ReceiptView {
    /// `2026-0000012`: year and the number in its unbroken series.
    pub fn number_label(&self) -> String {
        format!("{}-{:07}", self.year, self.number)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub description: String,
    pub amount: i64,
}

/// A transfer that matched nothing, waiting for a clerk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedTransfer {
    pub id: i64,
    pub amount: i64,
    pub description: String,
    pub bank_name: String,
    pub occurred_at: String,
    pub received_at: i64,
}

/// The office's fees screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeView {
    pub school_id: i64,
    pub school_name: String,
    pub unmatched: Vec<UnmatchedTransfer>,
    pub recent_receipts: Vec<PaymentView>,
}

/// Which fee report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportKind {
    /// Due, paid and outstanding per class (and the school's total).
    ByClass,
    /// Money received per day.
    Daily,
    /// Transfers waiting for a clerk.
    Unmatched,
}

impl ReportKind {
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::ByClass => "by-class",
            ReportKind::Daily => "daily",
            ReportKind::Unmatched => "unmatched",
        }
    }

    pub fn from_code(code: &str) -> Option<ReportKind> {
        match code {
            "by-class" => Some(ReportKind::ByClass),
            "daily" => Some(ReportKind::Daily),
            "unmatched" => Some(ReportKind::Unmatched),
            _ => None,
        }
    }
}

/// Who a collection is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    School,
    Grade(i64),
    Class(i64),
}

/// A collection as the school admin defines it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCollection {
    pub school_year_id: i64,
    pub name: String,
    /// Whole đồng per student and period.
    pub amount: i64,
    pub scope: Scope,
    pub monthly: bool,
    /// Periods when monthly (1–12).
    pub months: i64,
    /// ISO date of the first (or only) due date.
    pub first_due_on: String,
}

/// A notifier as the settings screen lists it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifierView {
    pub id: i64,
    pub kind: String,
    /// The path to give the notifier, e.g. `/webhooks/fees/3`.
    pub endpoint: String,
}

/// A school's fee settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub accounts: Vec<AccountView>,
    pub notifiers: Vec<NotifierView>,
    /// (id, name, amount)
    pub collections: Vec<(i64, String, i64)>,
}

/// A notice's state, for a phone waiting for the bank's notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeState {
    pub notice_id: i64,
    pub status: NoticeStatus,
    pub last_receipt_id: Option<i64>,
}
