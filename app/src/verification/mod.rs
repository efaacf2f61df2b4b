//! Desk verification: a clerk reads a parent's (or child's) chip ID card on the desk's
//! pcsc-bridge, the server accepts only results signed by a paired bridge of the school over a
//! challenge the clerk's session asked for, a one-time QR code hands the verification to the
//! parent's phone, and the linkage rules verify guardian links (or queue them for a clerk).
//! Also: pairing and revoking bridges, the clerk's review queue, the progress dashboard.
//!
//! * `rules`: pure linkage decision, expiry proposal, progress shares and chart (also in wasm);
//! * `follow_up`: who is not verified yet, as a report table for homeroom teachers;
//! * `store`: queries (`ssr`); `pairing`: the bridge's pairing endpoint and `routes`: it and the
//!   follow-up list's Excel file (plain axum, `ssr`);
//! * `api`: server functions; `screens`: desk, claim, review queue, bridges, progress.

pub mod api;
pub mod follow_up;
pub mod rules;
pub mod screens;

#[cfg(feature = "hydrate")]
mod bridge_client;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod desk;
#[cfg(feature = "ssr")]
pub mod pairing;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

/// Where the desks' pcsc-bridge listens, as the desk page (in the clerk's browser) calls it.
pub const DEFAULT_BRIDGE_URL: &str = "http://127.0.0.1:47800";

/// The server's `[desk]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeskSettings {
    /// The bridge's origin on the desk computers; the pages' CSP lets scripts connect to it.
    pub bridge_url: String,
}

impl Default for DeskSettings {
    fn default() -> Self {
        DeskSettings {
            bridge_url: DEFAULT_BRIDGE_URL.to_string(),
        }
    }
}

/// How long the clerk's challenge is good for (the bridge may wait up to a minute for a card).
pub const CHALLENGE_TTL_SECONDS: i64 = 180;
/// How long the QR code's link is good for.
pub const HANDOFF_TTL_SECONDS: i64 = 300;
/// How long a pairing code is good for.
pub const PAIRING_CODE_TTL_SECONDS: i64 = 900;

/// What the desk page needs before reading a card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskInfo {
    pub school_name: String,
    /// Where the desk's pcsc-bridge listens, e.g. `http://127.0.0.1:47800`.
    pub bridge_url: String,
    /// The school shows (and keeps) the card's face image.
    pub face_image: bool,
    /// Bridges of the school that are paired and not revoked.
    pub active_bridges: i64,
}

/// A challenge for one card read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadChallenge {
    pub challenge: String,
    pub include_face_image: bool,
    pub expires_at: i64,
}

/// The card as the desk shows it after the server checked the bridge's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSummary {
    pub full_name: String,
    /// dd/mm/yyyy as the card has it.
    pub date_of_birth: Option<String>,
    pub id_masked: String,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub read_at: i64,
    pub bridge_name: String,
}

/// One passive-authentication check and whether it passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckLine {
    /// `data_group_1`, `sod_signature`, `chain_to_trusted_csca`…
    pub code: String,
    pub passed: bool,
}

/// A record of the school the card matches by ID number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMatch {
    /// `guardian`, `student` or `staff`.
    pub kind: String,
    pub name: String,
    /// A guardian's children, or a student's guardians, with the link's relation and status.
    pub related: Vec<RelatedPerson>,
    /// The record's name and date of birth agree with the card.
    pub agrees: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedPerson {
    pub name: String,
    pub class_name: Option<String>,
    /// `father`, `mother`, `guardian`.
    pub relation: Option<String>,
    /// The link's status.
    pub status: Option<String>,
}

/// The QR code the parent scans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffTicket {
    pub handoff_id: i64,
    pub url: String,
    /// SVG of the link (the `qrcode` crate), ready to insert.
    pub qr_svg: String,
    pub expires_at: i64,
}

/// What the desk shows after a successful read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskOutcome {
    pub verification_id: i64,
    pub card: CardSummary,
    pub checks: Vec<CheckLine>,
    /// `data:image/jpeg;base64,…` when the school shows face images and the card has a JPEG.
    pub face_image: Option<String>,
    pub matches: Vec<RecordMatch>,
    pub handoff: HandoffTicket,
}

/// Whether the QR code was claimed yet (the desk polls it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffState {
    /// `waiting`, `claimed` or `expired`.
    pub status: String,
    /// `verified`, `review` or `nothing`, once claimed.
    pub outcome: Option<String>,
    pub claimed_by: Option<String>,
    pub expires_at: i64,
}

/// What the parent's phone shows before confirming.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSummary {
    pub school_name: String,
    pub card_name: String,
    pub read_at: i64,
    pub expires_at: i64,
}

/// What a claim did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimResult {
    /// `verified`, `review` or `nothing`.
    pub outcome: String,
    /// Children whose link is now verified.
    pub verified_children: Vec<String>,
    pub review_count: usize,
    pub staff_verified: bool,
    pub already_verified: usize,
}

/// An open item of the clerk's review queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub id: i64,
    pub created_at: i64,
    pub reason: String,
    pub card_name: String,
    pub card_father: Option<String>,
    pub card_mother: Option<String>,
    pub guardian_name: Option<String>,
    pub student_name: Option<String>,
    pub staff_name: Option<String>,
    pub relation: Option<String>,
    pub proposed_relation: Option<String>,
    pub claimed_by: Option<String>,
}

/// A desk bridge as the admin lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeSummary {
    pub id: i64,
    pub bridge_key: String,
    pub name: String,
    pub version: String,
    pub paired_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeList {
    pub bridges: Vec<BridgeSummary>,
    pub face_image: bool,
    pub bridge_url: String,
    /// Unused pairing codes still valid.
    pub open_codes: i64,
}

/// A new one-time pairing code (shown once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairingCode {
    pub code: String,
    pub expires_at: i64,
}

/// One row of the progress dashboard: a class, a school, or the whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressRow {
    /// The class (school view) or school (district view) the row is about; none for the total.
    pub id: Option<i64>,
    pub label: String,
    pub guardians: rules::Share,
    pub teachers: rules::Share,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressView {
    pub scope_name: String,
    /// The school of a school view (its rows are classes); none for the district.
    pub school_id: Option<i64>,
    /// The district view (rows are schools) rather than a school's (rows are classes).
    pub district: bool,
    pub rows: Vec<ProgressRow>,
    pub total: ProgressRow,
    /// The chart over the last weeks, rendered on the server.
    pub chart_svg: String,
}

/// A change of one of the guardian's links, as they see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkEvent {
    pub at: i64,
    pub child_name: String,
    pub relation: String,
    pub status: String,
    pub method: Option<String>,
    /// The staff member who verified (the clerk at the desk, or the reviewer).
    pub by: Option<String>,
    /// The school and desk.
    pub place: String,
}

/// "dd/mm/yyyy hh:mm" in Vietnam's time (UTC+7, no daylight saving).
pub fn format_time(unix: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(unix + 7 * 3600) else {
        return String::new();
    };
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}",
        at.day(),
        u8::from(at.month()),
        at.year(),
        at.hour(),
        at.minute()
    )
}
