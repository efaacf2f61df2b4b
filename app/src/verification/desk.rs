//! Server side of the desk and the claim: checking what a bridge signed, keeping what linkage
//! needs, the QR code, and carrying out a claim. Called by the server functions in `api`.

use base64::Engine as _;
use pcsc_bridge::protocol::{self, PassiveAuthWire, SignedResult, VerificationResult};
use serde_json::json;
use sqlx::AnyConnection;

use super::rules::{self, CardFacts, Decision, Refusal};
use super::store::{self, HandoffRow, VerificationRow};
use super::{CardSummary, CheckLine, ClaimResult, DeskOutcome, HandoffTicket};
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::crypto::PidCrypto;
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::{iso_date, parse_date};
use crate::platform::personal_id::PersonalId;

/// The QR code of a link as SVG (no XML prologue, so it can sit inside the page).
pub fn qr_svg(url: &str) -> Result<String, AppError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| AppError::new(ErrorCode::Internal))?;
    let svg = code
        .render::<svg::Color>()
        .min_dimensions(264, 264)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

/// The face image inside DG2 as a data URL (JPEG or JPEG 2000), when there is one.
pub fn face_data_url(dg2: &[u8]) -> Option<String> {
    let find = |needle: &[u8]| dg2.windows(needle.len()).position(|w| w == needle);
    let (start, mime) = if let Some(at) = find(&[0xFF, 0xD8, 0xFF]) {
        (at, "image/jpeg")
    } else if let Some(at) = find(b"\x00\x00\x00\x0CjP  ") {
        (at, "image/jp2")
    } else if let Some(at) = find(&[0xFF, 0x4F, 0xFF, 0x51]) {
        (at, "image/jp2")
    } else {
        return None;
    };
    Some(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&dg2[start..])
    ))
}

fn check_line(code: &str, passed: bool) -> CheckLine {
    CheckLine {
        code: code.to_string(),
        passed,
    }
}

pub fn check_lines(pa: &PassiveAuthWire) -> Vec<CheckLine> {
    let mut lines: Vec<CheckLine> = pa
        .data_groups
        .iter()
        .map(|dg| {
            check_line(
                &format!("data_group_{}", dg.data_group),
                dg.hash == protocol::DataGroupHashWire::Matches,
            )
        })
        .collect();
    lines.extend([
        check_line("signed_content_digest", pa.signed_content_digest.passed),
        check_line("sod_signature", pa.sod_signature.passed),
        check_line("chain_to_trusted_csca", pa.chain_to_trusted_csca.passed),
        check_line(
            "document_signer_validity",
            pa.document_signer_validity.passed,
        ),
        check_line("csca_validity", pa.csca_validity.passed),
    ]);
    lines
}

/// Which checks passed, as kept with the verification (no card data).
fn checks_record(result: &VerificationResult) -> serde_json::Value {
    let pa = &result.passive_auth;
    json!({
        "verified": pa.verified,
        "hash_algorithm": pa.hash_algorithm,
        "checks": check_lines(pa).iter().map(|c| (c.code.clone(), c.passed)).collect::<std::collections::BTreeMap<_, _>>(),
        "document_signer": pa.document_signer.as_ref().map(|c| c.subject.clone()),
        "csca": pa.csca.as_ref().map(|c| c.subject.clone()),
        "document_number_form": result.document_number_form,
        "bridge_version": result.bridge_version,
    })
}

/// dd/mm/yyyy as the card writes it → ISO.
fn card_date_iso(text: Option<&str>) -> Option<String> {
    text.and_then(parse_date).map(iso_date)
}

fn clean(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(crate::platform::collation::normalize_name)
        .filter(|t| !t.is_empty())
}

/// A signed result the server accepted, with what is kept and shown of it.
pub struct Accepted {
    pub verification_id: i64,
    pub card: CardSummary,
    pub checks: Vec<CheckLine>,
    pub face_image: Option<String>,
}

/// The outcome of checking a forwarded result: accepted, or refused after the challenge was
/// used up (the refusal is audited and must be committed), or an error (nothing happened).
pub enum Submitted {
    Accepted(Accepted),
    Refused(AppError),
}

pub struct Submission<'a> {
    pub school_id: i64,
    pub staff_id: i64,
    pub session_id: i64,
    pub face_image_enabled: bool,
    pub signed: &'a str,
    pub now: i64,
}

async fn audit_refusal(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    code: ErrorCode,
    now: i64,
) -> Result<(), sqlx::Error> {
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Refuse,
            entity: "desk_verification",
            entity_id: None,
            reason: None,
            detail: json!({ "code": code.as_str() }),
        },
        now,
    )
    .await
}

/// Accepts a forwarded result only when: the signature is from a registered, unrevoked bridge
/// of this school (over the exact signed bytes); the challenge is this session's, fresh and
/// unused; and passive authentication passed. Keeps the ID number (encrypted), name, date of
/// birth, parents' names, which checks passed, bridge, clerk and time; never the MRZ; the face
/// image only when the school keeps it.
pub async fn submit(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    s: &Submission<'_>,
) -> Result<Submitted, AppError> {
    let signed: SignedResult =
        serde_json::from_str(s.signed).map_err(|_| AppError::new(ErrorCode::DeskResultInvalid))?;
    let bridge = store::find_bridge(conn, &signed.bridge_id)
        .await?
        .filter(|bridge| bridge.school_id == s.school_id)
        .ok_or_else(|| AppError::new(ErrorCode::BridgeUnknown))?;
    if bridge.revoked_at.is_some() {
        audit_refusal(conn, actor, s.school_id, ErrorCode::BridgeRevoked, s.now).await?;
        return Ok(Submitted::Refused(AppError::new(ErrorCode::BridgeRevoked)));
    }
    // The signature first: nobody can use up a challenge with bytes the bridge did not sign.
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&signed.payload)
        .map_err(|_| AppError::new(ErrorCode::DeskResultInvalid))?;
    let signature = base64::engine::general_purpose::STANDARD
        .decode(&signed.signature)
        .map_err(|_| AppError::new(ErrorCode::DeskResultInvalid))?;
    let unchecked = protocol::verify_result(&payload, &signature, &bridge.public_key)
        .map_err(|_| AppError::new(ErrorCode::DeskResultInvalid))?;
    let result = protocol::verify_signed_result(
        &signed,
        &bridge.public_key,
        &signed.bridge_id,
        &unchecked.challenge,
    )
    .map_err(|_| AppError::new(ErrorCode::DeskResultInvalid))?;
    let challenge_id =
        store::consume_challenge(conn, &result.challenge, s.school_id, s.session_id, s.now).await?;

    let pa = &result.passive_auth;
    let required_groups = [1u8, 13].iter().all(|n| {
        pa.data_groups
            .iter()
            .any(|dg| dg.data_group == *n && dg.hash == protocol::DataGroupHashWire::Matches)
    });
    if !(pa.verified && pa.all_checks_passed() && required_groups) {
        audit_refusal(conn, actor, s.school_id, ErrorCode::CardNotAuthentic, s.now).await?;
        return Ok(Submitted::Refused(AppError::new(
            ErrorCode::CardNotAuthentic,
        )));
    }
    let personal_id = result
        .dg13
        .personal_id
        .as_deref()
        .and_then(|id| PersonalId::parse(id).ok());
    let full_name = clean(&result.dg13.full_name);
    let (Some(personal_id), Some(full_name)) = (personal_id, full_name) else {
        audit_refusal(
            conn,
            actor,
            s.school_id,
            ErrorCode::CardDataIncomplete,
            s.now,
        )
        .await?;
        return Ok(Submitted::Refused(AppError::new(
            ErrorCode::CardDataIncomplete,
        )));
    };
    let facts = CardFacts {
        full_name,
        date_of_birth: card_date_iso(result.dg13.date_of_birth.as_deref()),
        father_name: clean(&result.dg13.father_name),
        mother_name: clean(&result.dg13.mother_name),
    };
    // DG2 counts only when the school asked for it and its hash matched.
    let face = match (&result.dg2, s.face_image_enabled) {
        (Some(dg2), true)
            if pa.data_groups.iter().any(|dg| {
                dg.data_group == 2 && dg.hash == protocol::DataGroupHashWire::Matches
            }) =>
        {
            base64::engine::general_purpose::STANDARD.decode(dg2).ok()
        }
        _ => None,
    };
    let verification_id = store::insert_verification(
        conn,
        crypto,
        actor,
        &store::NewVerification {
            school_id: s.school_id,
            bridge_id: bridge.id,
            clerk_id: s.staff_id,
            challenge_id,
            personal_id: &personal_id,
            facts: &facts,
            checks: checks_record(&result),
            face_image: face.as_deref(),
            read_at: i64::try_from(result.timestamp).unwrap_or(s.now),
        },
        s.now,
    )
    .await?;
    Ok(Submitted::Accepted(Accepted {
        verification_id,
        card: CardSummary {
            full_name: facts.full_name.clone(),
            date_of_birth: result.dg13.date_of_birth.clone(),
            id_masked: rules::mask_personal_id(personal_id.expose()),
            father_name: facts.father_name.clone(),
            mother_name: facts.mother_name.clone(),
            read_at: i64::try_from(result.timestamp).unwrap_or(s.now),
            bridge_name: bridge.name,
        },
        checks: check_lines(pa),
        face_image: face.as_deref().and_then(face_data_url),
    }))
}

/// A new QR code for a verification not claimed yet.
pub async fn ticket(
    conn: &mut AnyConnection,
    public_url: &str,
    school_id: i64,
    verification_id: i64,
    now: i64,
) -> Result<HandoffTicket, AppError> {
    let (handoff_id, token, expires_at) =
        store::create_handoff(conn, school_id, verification_id, now).await?;
    let url = format!("{}/claim/{token}", public_url.trim_end_matches('/'));
    Ok(HandoffTicket {
        handoff_id,
        qr_svg: qr_svg(&url)?,
        url,
        expires_at,
    })
}

pub fn outcome(
    accepted: Accepted,
    matches: Vec<super::RecordMatch>,
    handoff: HandoffTicket,
) -> DeskOutcome {
    DeskOutcome {
        verification_id: accepted.verification_id,
        card: accepted.card,
        checks: accepted.checks,
        face_image: accepted.face_image,
        matches,
        handoff,
    }
}

/// The QR code's link, checked for the claimant's school: it exists, is this school's, unused
/// and unexpired.
pub async fn open_handoff(
    conn: &mut AnyConnection,
    token: &str,
    persona_school: i64,
    now: i64,
) -> Result<(HandoffRow, VerificationRow), AppError> {
    let handoff = store::find_handoff(conn, token)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::HandoffInvalid))?;
    if handoff.school_id != persona_school {
        return Err(AppError::new(ErrorCode::HandoffOtherSchool));
    }
    if handoff.claimed_at.is_some() {
        return Err(AppError::new(ErrorCode::HandoffUsed));
    }
    if handoff.expires_at <= now {
        return Err(AppError::new(ErrorCode::HandoffExpired));
    }
    let verification = store::load_verification(conn, handoff.school_id, handoff.verification_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::HandoffInvalid))?;
    if verification.claimed_at.is_some() {
        return Err(AppError::new(ErrorCode::HandoffUsed));
    }
    Ok((handoff, verification))
}

fn refusal_code(refusal: Refusal) -> ErrorCode {
    match refusal {
        Refusal::CardOfAnotherPerson | Refusal::NotNamedOnCard => ErrorCode::ClaimNotCardHolder,
        Refusal::CardNotInRecords | Refusal::NotAGuardian | Refusal::NothingToLink => {
            ErrorCode::ClaimNotInRecords
        }
    }
}

/// Who claims: their account's keyed ID hash and the name VNeID gave at their last login.
pub struct ClaimantAccount<'a> {
    pub account_id: i64,
    pub pid_hash: &'a [u8],
    pub vneid_name: Option<String>,
}

pub enum Claimed {
    Done(ClaimResult),
    /// Refused by the linkage rules: audited, the QR code stays usable.
    Refused(AppError),
}

/// Decides and carries out a claim in one transaction (the caller commits).
pub async fn claim(
    conn: &mut AnyConnection,
    actor: &Actor,
    account: &ClaimantAccount<'_>,
    handoff: &HandoffRow,
    verification: &VerificationRow,
    now: i64,
) -> Result<Claimed, AppError> {
    let school_id = verification.school_id;
    let holder = store::holder_records(conn, school_id, &verification.holder_pid_hash).await?;
    let claimant = store::claimant(
        conn,
        school_id,
        account.pid_hash,
        account.vneid_name.clone(),
        &verification.holder_pid_hash,
    )
    .await?;
    let linkage = match rules::decide(&verification.facts, &holder, &claimant) {
        Decision::Apply(linkage) => linkage,
        Decision::Refuse(refusal) => {
            let code = refusal_code(refusal);
            audit::record(
                conn,
                actor,
                AuditEvent {
                    school_id: Some(school_id),
                    action: AuditAction::Refuse,
                    entity: "desk_handoff",
                    entity_id: Some(handoff.id),
                    reason: None,
                    detail: json!({ "code": code.as_str(), "refusal": format!("{refusal:?}") }),
                },
                now,
            )
            .await?;
            return Ok(Claimed::Refused(AppError::new(code)));
        }
    };
    let outcome = linkage.outcome();
    store::mark_claimed(conn, handoff, account.account_id, outcome, now).await?;
    let applied =
        store::apply_linkage(conn, actor, verification, &linkage, account.account_id, now).await?;
    audit::record(
        conn,
        actor,
        AuditEvent {
            school_id: Some(school_id),
            action: AuditAction::Update,
            entity: "desk_verification",
            entity_id: Some(verification.id),
            reason: None,
            detail: json!({
                "claimed": true,
                "outcome": outcome,
                "verified_links": linkage.verify.len(),
                "reviews": linkage.reviews.len(),
            }),
        },
        now,
    )
    .await?;
    Ok(Claimed::Done(ClaimResult {
        outcome: outcome.to_string(),
        verified_children: applied.verified_children,
        review_count: linkage.reviews.len(),
        staff_verified: applied.staff_verified,
        already_verified: linkage.already_verified.len(),
    }))
}
