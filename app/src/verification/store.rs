//! Queries of desk verification, written once for SQLite and PostgreSQL. Every query is scoped
//! by `school_id`; reads and changes of personal data write their audit entry on the same
//! connection (callers use a transaction to make both atomic).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::rules::{
    self, CardFacts, Claimant, GuardianRecord, HolderRecords, LinkRecord, LinkStatus, Linkage,
    PersonRecord, ReviewProposal, Series, Share, Tracked, VerifiedBy,
};
use super::{
    BridgeSummary, LinkEvent, PairingCode, ProgressRow, ProgressView, RecordMatch, RelatedPerson,
    ReviewItem,
};
use crate::people::Relation;
use crate::people::store::{LinkChange, change_link};
use crate::platform::audit::{self, Actor, AuditAction, AuditEvent};
use crate::platform::crypto::PidCrypto;
use crate::platform::error::{AppError, ErrorCode};

/// The purpose a kept face image is sealed under.
pub const FACE_IMAGE_PURPOSE: &str = "desk-face-image";

pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// 32 random bytes, base64url: challenges and QR links (256 bits, well over the 128 needed).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Letters and digits that cannot be misread for each other (no I, O, 0, 1).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A pairing code as the admin reads it out: `ABCDE-FGHJK` (50 bits, single use, short-lived,
/// and the endpoint is rate-limited).
pub fn new_pairing_code() -> String {
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let letters: String = bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &letters[..5], &letters[5..])
}

/// The form a code is compared in: upper case, without dashes or spaces.
pub fn canonical_pairing_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn code_hash(code: &str) -> Vec<u8> {
    sha256(canonical_pairing_code(code).as_bytes())
}

/// An audit entry about one of the school's records.
fn event<'a>(
    school_id: i64,
    action: AuditAction,
    entity: &'a str,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> AuditEvent<'a> {
    AuditEvent {
        school_id: Some(school_id),
        action,
        entity,
        entity_id,
        reason: None,
        detail,
    }
}

// ---------------------------------------------------------------------------------------------
// Bridges and pairing

pub async fn create_pairing_code(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    staff_id: Option<i64>,
    now: i64,
) -> Result<PairingCode, AppError> {
    let code = new_pairing_code();
    let expires_at = now + super::PAIRING_CODE_TTL_SECONDS;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO desk_pairing_codes (school_id, code_hash, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(school_id)
    .bind(code_hash(&code))
    .bind(staff_id)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        event(
            school_id,
            AuditAction::Create,
            "desk_pairing_code",
            Some(id),
            json!({ "expires_at": expires_at }),
        ),
        now,
    )
    .await?;
    Ok(PairingCode { code, expires_at })
}

/// A bridge registering itself with a pairing code: the code is used up and the bridge gets its
/// identifier. Returns `(school_id, bridge_key)`.
pub async fn pair_bridge(
    conn: &mut AnyConnection,
    code: &str,
    public_key: &[u8; 32],
    name: &str,
    version: &str,
    now: i64,
) -> Result<(i64, String), AppError> {
    let found = sqlx::query(
        "SELECT id, school_id FROM desk_pairing_codes
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(code_hash(code))
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(found) = found else {
        return Err(AppError::new(ErrorCode::PairingCodeInvalid));
    };
    let code_id: i64 = found.try_get("id")?;
    let school_id: i64 = found.try_get("school_id")?;
    // Used up first, so two bridges racing with one code cannot both pair.
    let used =
        sqlx::query("UPDATE desk_pairing_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(code_id)
            .execute(&mut *conn)
            .await?;
    if used.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::PairingCodeInvalid));
    }
    let mut key_bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut key_bytes);
    let bridge_key = format!("br_{}", hex::encode(key_bytes));
    let bridge_id: i64 = sqlx::query_scalar(
        "INSERT INTO desk_bridges (school_id, bridge_key, public_key, name, version, paired_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(school_id)
    .bind(&bridge_key)
    .bind(public_key.to_vec())
    .bind(name)
    .bind(version)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE desk_pairing_codes SET bridge_id = $1 WHERE id = $2")
        .bind(bridge_id)
        .bind(code_id)
        .execute(&mut *conn)
        .await?;
    // The bridge, not a person, asked: nobody is logged in.
    let bridge_actor = Actor {
        kind: audit::ActorKind::Anonymous,
        id: None,
    };
    audit::record(
        conn,
        &bridge_actor,
        event(
            school_id,
            AuditAction::Create,
            "desk_bridge",
            Some(bridge_id),
            json!({ "name": name, "version": version, "pairing_code_id": code_id }),
        ),
        now,
    )
    .await?;
    Ok((school_id, bridge_key))
}

pub async fn list_bridges(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Vec<BridgeSummary>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, bridge_key, name, version, paired_at, last_used_at, revoked_at
         FROM desk_bridges WHERE school_id = $1 ORDER BY revoked_at IS NOT NULL, paired_at DESC",
    )
    .bind(school_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(BridgeSummary {
                id: r.try_get("id")?,
                bridge_key: r.try_get("bridge_key")?,
                name: r.try_get("name")?,
                version: r.try_get("version")?,
                paired_at: r.try_get("paired_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

pub async fn open_pairing_codes(
    conn: &mut AnyConnection,
    school_id: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM desk_pairing_codes WHERE school_id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(school_id)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn active_bridges(conn: &mut AnyConnection, school_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM desk_bridges WHERE school_id = $1 AND revoked_at IS NULL",
    )
    .bind(school_id)
    .fetch_one(conn)
    .await
}

pub async fn revoke_bridge(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    bridge_id: i64,
    staff_id: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let changed = sqlx::query(
        "UPDATE desk_bridges SET revoked_at = $1, revoked_by = $2
         WHERE school_id = $3 AND id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(staff_id)
    .bind(school_id)
    .bind(bridge_id)
    .execute(&mut *conn)
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    audit::record(
        conn,
        actor,
        event(
            school_id,
            AuditAction::Archive,
            "desk_bridge",
            Some(bridge_id),
            json!({ "revoked": true }),
        ),
        now,
    )
    .await?;
    Ok(())
}

/// A bridge as the signature check needs it.
#[derive(Clone, Debug)]
pub struct BridgeRow {
    pub id: i64,
    pub school_id: i64,
    pub public_key: Vec<u8>,
    pub name: String,
    pub revoked_at: Option<i64>,
}

pub async fn find_bridge(
    conn: &mut AnyConnection,
    bridge_key: &str,
) -> Result<Option<BridgeRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, school_id, public_key, name, revoked_at FROM desk_bridges WHERE bridge_key = $1",
    )
    .bind(bridge_key)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(BridgeRow {
            id: r.try_get("id")?,
            school_id: r.try_get("school_id")?,
            public_key: r.try_get("public_key")?,
            name: r.try_get("name")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    })
    .transpose()
}

pub async fn face_image_enabled(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<bool, sqlx::Error> {
    let flag: i64 = sqlx::query_scalar("SELECT desk_face_image FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(conn)
        .await?;
    Ok(flag == 1)
}

pub async fn set_face_image(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    enabled: bool,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query("UPDATE schools SET desk_face_image = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(enabled))
        .bind(now)
        .bind(school_id)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        event(
            school_id,
            AuditAction::Update,
            "school_settings",
            Some(school_id),
            json!({ "desk_face_image": enabled }),
        ),
        now,
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Challenges

pub async fn issue_challenge(
    conn: &mut AnyConnection,
    school_id: i64,
    session_id: i64,
    staff_id: i64,
    now: i64,
) -> Result<(String, i64), sqlx::Error> {
    let challenge = random_token();
    let expires_at = now + super::CHALLENGE_TTL_SECONDS;
    sqlx::query(
        "INSERT INTO desk_challenges (school_id, challenge, session_id, staff_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(school_id)
    .bind(&challenge)
    .bind(session_id)
    .bind(staff_id)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok((challenge, expires_at))
}

/// Uses up the challenge a signed result answers: it must be this school's, asked for by this
/// session, unused and unexpired. Returns its id.
pub async fn consume_challenge(
    conn: &mut AnyConnection,
    challenge: &str,
    school_id: i64,
    session_id: i64,
    now: i64,
) -> Result<i64, AppError> {
    let row = sqlx::query(
        "SELECT id, school_id, session_id, expires_at, used_at FROM desk_challenges WHERE challenge = $1",
    )
    .bind(challenge)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Err(AppError::new(ErrorCode::ChallengeInvalid));
    };
    let id: i64 = row.try_get("id")?;
    if row.try_get::<i64, _>("school_id")? != school_id
        || row.try_get::<i64, _>("session_id")? != session_id
    {
        return Err(AppError::new(ErrorCode::ChallengeInvalid));
    }
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        return Err(AppError::new(ErrorCode::ChallengeUsed));
    }
    if row.try_get::<i64, _>("expires_at")? <= now {
        return Err(AppError::new(ErrorCode::ChallengeExpired));
    }
    let used =
        sqlx::query("UPDATE desk_challenges SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    if used.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::ChallengeUsed));
    }
    Ok(id)
}

// ---------------------------------------------------------------------------------------------
// Verifications and hand-offs

/// What is kept of a verified card.
pub struct NewVerification<'a> {
    pub school_id: i64,
    pub bridge_id: i64,
    pub clerk_id: i64,
    pub challenge_id: i64,
    pub personal_id: &'a crate::platform::personal_id::PersonalId,
    pub facts: &'a CardFacts,
    pub checks: serde_json::Value,
    /// Only when the school keeps face images.
    pub face_image: Option<&'a [u8]>,
    pub read_at: i64,
}

pub async fn insert_verification(
    conn: &mut AnyConnection,
    crypto: &PidCrypto,
    actor: &Actor,
    new: &NewVerification<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO desk_verifications (school_id, bridge_id, clerk_id, challenge_id, holder_pid_enc, holder_pid_hash,
                                         full_name, date_of_birth, father_name, mother_name, checks, face_image_enc,
                                         read_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(new.school_id)
    .bind(new.bridge_id)
    .bind(new.clerk_id)
    .bind(new.challenge_id)
    .bind(crypto.encrypt(new.personal_id))
    .bind(crypto.lookup_hash(new.personal_id))
    .bind(&new.facts.full_name)
    .bind(&new.facts.date_of_birth)
    .bind(&new.facts.father_name)
    .bind(&new.facts.mother_name)
    .bind(new.checks.to_string())
    .bind(new.face_image.map(|image| crypto.seal_bytes(FACE_IMAGE_PURPOSE, image)))
    .bind(new.read_at)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE desk_bridges SET last_used_at = $1 WHERE id = $2 AND school_id = $3")
        .bind(now)
        .bind(new.bridge_id)
        .bind(new.school_id)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        event(
            new.school_id,
            AuditAction::Create,
            "desk_verification",
            Some(id),
            json!({ "bridge_id": new.bridge_id, "face_image_kept": new.face_image.is_some() }),
        ),
        now,
    )
    .await?;
    Ok(id)
}

/// A verification as the claim and the desk read it back.
#[derive(Clone, Debug)]
pub struct VerificationRow {
    pub id: i64,
    pub school_id: i64,
    pub clerk_id: i64,
    pub holder_pid_hash: Vec<u8>,
    pub facts: CardFacts,
    pub read_at: i64,
    pub bridge_name: String,
    pub claimed_at: Option<i64>,
}

pub async fn load_verification(
    conn: &mut AnyConnection,
    school_id: i64,
    id: i64,
) -> Result<Option<VerificationRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT v.id, v.school_id, v.clerk_id, v.holder_pid_hash, v.full_name, v.date_of_birth, v.father_name,
                v.mother_name, v.read_at, v.claimed_at, b.name AS bridge_name
         FROM desk_verifications v JOIN desk_bridges b ON b.id = v.bridge_id
         WHERE v.school_id = $1 AND v.id = $2",
    )
    .bind(school_id)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(VerificationRow {
            id: r.try_get("id")?,
            school_id: r.try_get("school_id")?,
            clerk_id: r.try_get("clerk_id")?,
            holder_pid_hash: r.try_get("holder_pid_hash")?,
            facts: CardFacts {
                full_name: r.try_get("full_name")?,
                date_of_birth: r.try_get("date_of_birth")?,
                father_name: r.try_get("father_name")?,
                mother_name: r.try_get("mother_name")?,
            },
            read_at: r.try_get("read_at")?,
            bridge_name: r.try_get("bridge_name")?,
            claimed_at: r.try_get("claimed_at")?,
        })
    })
    .transpose()
}

pub async fn create_handoff(
    conn: &mut AnyConnection,
    school_id: i64,
    verification_id: i64,
    now: i64,
) -> Result<(i64, String, i64), sqlx::Error> {
    let token = random_token();
    let expires_at = now + super::HANDOFF_TTL_SECONDS;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO desk_handoffs (school_id, verification_id, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(school_id)
    .bind(verification_id)
    .bind(sha256(token.as_bytes()))
    .bind(now)
    .bind(expires_at)
    .fetch_one(conn)
    .await?;
    Ok((id, token, expires_at))
}

#[derive(Clone, Debug)]
pub struct HandoffRow {
    pub id: i64,
    pub school_id: i64,
    pub verification_id: i64,
    pub expires_at: i64,
    pub claimed_at: Option<i64>,
}

fn handoff_row(r: &sqlx::any::AnyRow) -> Result<HandoffRow, sqlx::Error> {
    Ok(HandoffRow {
        id: r.try_get("id")?,
        school_id: r.try_get("school_id")?,
        verification_id: r.try_get("verification_id")?,
        expires_at: r.try_get("expires_at")?,
        claimed_at: r.try_get("claimed_at")?,
    })
}

pub async fn find_handoff(
    conn: &mut AnyConnection,
    token: &str,
) -> Result<Option<HandoffRow>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, school_id, verification_id, expires_at, claimed_at FROM desk_handoffs WHERE token_hash = $1",
    )
    .bind(sha256(token.trim().as_bytes()))
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(handoff_row).transpose()
}

/// The desk's view of one of its QR codes.
pub async fn handoff_state(
    conn: &mut AnyConnection,
    school_id: i64,
    handoff_id: i64,
    now: i64,
) -> Result<Option<super::HandoffState>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT h.expires_at, h.claimed_at, v.outcome, a.display_name
         FROM desk_handoffs h JOIN desk_verifications v ON v.id = h.verification_id
         LEFT JOIN accounts a ON a.id = h.claimed_by
         WHERE h.school_id = $1 AND h.id = $2",
    )
    .bind(school_id)
    .bind(handoff_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let expires_at: i64 = r.try_get("expires_at")?;
        let claimed = r.try_get::<Option<i64>, _>("claimed_at")?.is_some();
        Ok(super::HandoffState {
            status: if claimed {
                "claimed"
            } else if expires_at <= now {
                "expired"
            } else {
                "waiting"
            }
            .to_string(),
            outcome: if claimed { r.try_get("outcome")? } else { None },
            claimed_by: if claimed {
                r.try_get("display_name")?
            } else {
                None
            },
            expires_at,
        })
    })
    .transpose()
}

/// Marks the QR code claimed (once) and the verification with who claimed it and the outcome.
pub async fn mark_claimed(
    conn: &mut AnyConnection,
    handoff: &HandoffRow,
    account_id: i64,
    outcome: &str,
    now: i64,
) -> Result<(), AppError> {
    let claimed = sqlx::query(
        "UPDATE desk_handoffs SET claimed_at = $1, claimed_by = $2
         WHERE id = $3 AND school_id = $4 AND claimed_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(account_id)
    .bind(handoff.id)
    .bind(handoff.school_id)
    .execute(&mut *conn)
    .await?;
    if claimed.rows_affected() == 0 {
        return Err(AppError::new(ErrorCode::HandoffUsed));
    }
    sqlx::query(
        "UPDATE desk_verifications SET claimed_at = $1, claimed_by = $2, outcome = $3
         WHERE id = $4 AND school_id = $5",
    )
    .bind(now)
    .bind(account_id)
    .bind(outcome)
    .bind(handoff.verification_id)
    .bind(handoff.school_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn full_name_of(r: &sqlx::any::AnyRow) -> Result<String, sqlx::Error> {
    Ok([
        r.try_get::<String, _>("family_name")?,
        r.try_get::<String, _>("middle_name")?,
        r.try_get::<String, _>("given_name")?,
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(" "))
}

fn person_of(r: &sqlx::any::AnyRow) -> Result<PersonRecord, sqlx::Error> {
    Ok(PersonRecord {
        id: r.try_get("id")?,
        full_name: full_name_of(r)?,
        date_of_birth: r.try_get("date_of_birth")?,
    })
}

async fn person_by_hash(
    conn: &mut AnyConnection,
    table: &str,
    school_id: i64,
    pid_hash: &[u8],
) -> Result<Option<PersonRecord>, sqlx::Error> {
    let extra = if table == "staff" {
        " AND status = 'active'"
    } else {
        ""
    };
    let row = sqlx::query(&format!(
        "SELECT id, family_name, middle_name, given_name, date_of_birth FROM {table}
         WHERE school_id = $1 AND pid_hash = $2{extra}"
    ))
    .bind(school_id)
    .bind(pid_hash.to_vec())
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(person_of).transpose()
}

/// The school's records whose ID number is the card's.
pub async fn holder_records(
    conn: &mut AnyConnection,
    school_id: i64,
    pid_hash: &[u8],
) -> Result<HolderRecords, sqlx::Error> {
    Ok(HolderRecords {
        student: person_by_hash(conn, "students", school_id, pid_hash).await?,
        guardian: person_by_hash(conn, "guardians", school_id, pid_hash).await?,
        staff: person_by_hash(conn, "staff", school_id, pid_hash).await?,
    })
}

fn relation_of(code: &str) -> Relation {
    match code {
        "father" => Relation::Father,
        "mother" => Relation::Mother,
        _ => Relation::Guardian,
    }
}

async fn links_of(
    conn: &mut AnyConnection,
    school_id: i64,
    guardian_id: i64,
) -> Result<Vec<LinkRecord>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, student_id, relation, status FROM guardian_links
         WHERE school_id = $1 AND guardian_id = $2 ORDER BY id",
    )
    .bind(school_id)
    .bind(guardian_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(LinkRecord {
                link_id: r.try_get("id")?,
                student_id: r.try_get("student_id")?,
                relation: relation_of(&r.try_get::<String, _>("relation")?),
                status: LinkStatus::from_code(&status).unwrap_or(LinkStatus::Unverified),
            })
        })
        .collect()
}

/// The person claiming: their records in this school, found by their VNeID ID number.
pub async fn claimant(
    conn: &mut AnyConnection,
    school_id: i64,
    account_pid_hash: &[u8],
    vneid_name: Option<String>,
    holder_pid_hash: &[u8],
) -> Result<Claimant, sqlx::Error> {
    let guardian = match person_by_hash(conn, "guardians", school_id, account_pid_hash).await? {
        Some(person) => {
            let links = links_of(conn, school_id, person.id).await?;
            Some(GuardianRecord { person, links })
        }
        None => None,
    };
    Ok(Claimant {
        is_card_holder: account_pid_hash == holder_pid_hash,
        vneid_name,
        guardian,
        staff: person_by_hash(conn, "staff", school_id, account_pid_hash).await?,
    })
}

async fn student_name(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
) -> Result<String, sqlx::Error> {
    let row = sqlx::query(
        "SELECT family_name, middle_name, given_name FROM students WHERE school_id = $1 AND id = $2",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_one(conn)
    .await?;
    full_name_of(&row)
}

/// What the claim changed, for the phone.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    pub verified_children: Vec<String>,
    pub staff_verified: bool,
}

/// Carries out a linkage decision: links verified (by the desk's clerk, on this verification),
/// links queued for review set to pending, review items and staff verification recorded.
pub async fn apply_linkage(
    conn: &mut AnyConnection,
    actor: &Actor,
    verification: &VerificationRow,
    linkage: &Linkage,
    account_id: i64,
    now: i64,
) -> Result<Applied, AppError> {
    let school_id = verification.school_id;
    let mut applied = Applied::default();
    for link in &linkage.verify {
        change_link(
            conn,
            actor,
            school_id,
            link.link_id,
            &LinkChange {
                status: "verified",
                method: Some("desk_card"),
                staff_id: Some(verification.clerk_id),
                verification_id: Some(verification.id),
                note: Some(link.basis.code()),
            },
            now,
        )
        .await?;
        applied
            .verified_children
            .push(student_name(conn, school_id, link.student_id).await?);
    }
    for review in &linkage.reviews {
        insert_review(conn, verification, review, account_id, now).await?;
        if let Some(link_id) = review.link_id {
            let status: Option<String> = sqlx::query_scalar(
                "SELECT status FROM guardian_links WHERE school_id = $1 AND id = $2",
            )
            .bind(school_id)
            .bind(link_id)
            .fetch_optional(&mut *conn)
            .await?;
            if status.as_deref() == Some("unverified") {
                change_link(
                    conn,
                    actor,
                    school_id,
                    link_id,
                    &LinkChange {
                        status: "pending",
                        method: None,
                        staff_id: None,
                        verification_id: Some(verification.id),
                        note: Some(review.reason.code()),
                    },
                    now,
                )
                .await?;
            }
        }
    }
    if let Some(staff_id) = linkage.verify_staff {
        verify_staff(
            conn,
            actor,
            school_id,
            staff_id,
            "desk_card",
            Some(verification.id),
            Some(verification.clerk_id),
            now,
        )
        .await?;
        applied.staff_verified = true;
    }
    Ok(applied)
}

#[allow(clippy::too_many_arguments)]
async fn verify_staff(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    staff_id: i64,
    method: &str,
    verification_id: Option<i64>,
    verified_by: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM staff_verifications WHERE school_id = $1 AND staff_id = $2",
    )
    .bind(school_id)
    .bind(staff_id)
    .fetch_one(&mut *conn)
    .await?;
    if already > 0 {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO staff_verifications (school_id, staff_id, method, verification_id, verified_by, verified_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(school_id)
    .bind(staff_id)
    .bind(method)
    .bind(verification_id)
    .bind(verified_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        event(
            school_id,
            AuditAction::Update,
            "staff",
            Some(staff_id),
            json!({ "verified": method, "verification_id": verification_id }),
        ),
        now,
    )
    .await?;
    Ok(())
}

async fn insert_review(
    conn: &mut AnyConnection,
    verification: &VerificationRow,
    review: &ReviewProposal,
    account_id: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO verification_reviews (school_id, verification_id, account_id, guardian_id, student_id, staff_id,
                                           link_id, proposed_relation, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(verification.school_id)
    .bind(verification.id)
    .bind(account_id)
    .bind(review.guardian_id)
    .bind(review.student_id)
    .bind(review.staff_id)
    .bind(review.link_id)
    .bind(review.proposed_relation.map(Relation::code))
    .bind(review.reason.code())
    .bind(now)
    .fetch_one(conn)
    .await
}

/// What the desk shows next to the card: the school's records with the card's ID number.
pub async fn record_matches(
    conn: &mut AnyConnection,
    actor: &Actor,
    verification: &VerificationRow,
    now: i64,
) -> Result<Vec<RecordMatch>, AppError> {
    let school_id = verification.school_id;
    let holder = holder_records(conn, school_id, &verification.holder_pid_hash).await?;
    let mut matches = Vec::new();
    if let Some(guardian) = &holder.guardian {
        let rows = sqlx::query(
            "SELECT s.family_name, s.middle_name, s.given_name, l.relation, l.status,
                    (SELECT c.name FROM class_enrollments e JOIN classes c ON c.id = e.class_id
                       JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
                      WHERE e.student_id = s.id AND e.left_on IS NULL) AS class_name
             FROM guardian_links l JOIN students s ON s.id = l.student_id
             WHERE l.school_id = $1 AND l.guardian_id = $2 ORDER BY s.date_of_birth",
        )
        .bind(school_id)
        .bind(guardian.id)
        .fetch_all(&mut *conn)
        .await?;
        let related = rows
            .iter()
            .map(|r| {
                Ok(RelatedPerson {
                    name: full_name_of(r)?,
                    class_name: r.try_get("class_name")?,
                    relation: Some(r.try_get("relation")?),
                    status: Some(r.try_get("status")?),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        matches.push(RecordMatch {
            kind: "guardian".into(),
            name: guardian.full_name.clone(),
            related,
            agrees: rules::card_matches_record(&verification.facts, guardian),
        });
    }
    if let Some(student) = &holder.student {
        let rows = sqlx::query(
            "SELECT g.family_name, g.middle_name, g.given_name, l.relation, l.status
             FROM guardian_links l JOIN guardians g ON g.id = l.guardian_id
             WHERE l.school_id = $1 AND l.student_id = $2 ORDER BY l.id",
        )
        .bind(school_id)
        .bind(student.id)
        .fetch_all(&mut *conn)
        .await?;
        let related = rows
            .iter()
            .map(|r| {
                Ok(RelatedPerson {
                    name: full_name_of(r)?,
                    class_name: None,
                    relation: Some(r.try_get("relation")?),
                    status: Some(r.try_get("status")?),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        matches.push(RecordMatch {
            kind: "student".into(),
            name: student.full_name.clone(),
            related,
            agrees: rules::card_matches_record(&verification.facts, student),
        });
    }
    if let Some(staff) = &holder.staff {
        matches.push(RecordMatch {
            kind: "staff".into(),
            name: staff.full_name.clone(),
            related: Vec::new(),
            agrees: rules::card_matches_record(&verification.facts, staff),
        });
    }
    audit::record(
        conn,
        actor,
        event(
            school_id,
            AuditAction::Read,
            "desk_verification",
            Some(verification.id),
            json!({ "records": matches.len() }),
        ),
        now,
    )
    .await?;
    Ok(matches)
}

// ---------------------------------------------------------------------------------------------
// The review queue

pub async fn open_reviews(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    now: i64,
) -> Result<Vec<ReviewItem>, AppError> {
    let rows = sqlx::query(
        "SELECT r.id, r.created_at, r.reason, r.proposed_relation, v.full_name AS card_name,
                v.father_name, v.mother_name, a.display_name AS claimed_by, l.relation,
                g.family_name AS g_family, g.middle_name AS g_middle, g.given_name AS g_given,
                s.family_name AS s_family, s.middle_name AS s_middle, s.given_name AS s_given,
                st.family_name AS t_family, st.middle_name AS t_middle, st.given_name AS t_given
         FROM verification_reviews r JOIN desk_verifications v ON v.id = r.verification_id
         LEFT JOIN accounts a ON a.id = r.account_id
         LEFT JOIN guardian_links l ON l.id = r.link_id
         LEFT JOIN guardians g ON g.id = r.guardian_id
         LEFT JOIN students s ON s.id = r.student_id
         LEFT JOIN staff st ON st.id = r.staff_id
         WHERE r.school_id = $1 AND r.status = 'open' ORDER BY r.created_at, r.id",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let name = |r: &sqlx::any::AnyRow, prefix: &str| -> Result<Option<String>, sqlx::Error> {
        let family: Option<String> = r.try_get(format!("{prefix}_family").as_str())?;
        let middle: Option<String> = r.try_get(format!("{prefix}_middle").as_str())?;
        let given: Option<String> = r.try_get(format!("{prefix}_given").as_str())?;
        Ok(family.map(|family| {
            [
                family,
                middle.unwrap_or_default(),
                given.unwrap_or_default(),
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
        }))
    };
    let items = rows
        .iter()
        .map(|r| {
            Ok(ReviewItem {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                reason: r.try_get("reason")?,
                card_name: r.try_get("card_name")?,
                card_father: r.try_get("father_name")?,
                card_mother: r.try_get("mother_name")?,
                guardian_name: name(r, "g")?,
                student_name: name(r, "s")?,
                staff_name: name(r, "t")?,
                relation: r.try_get("relation")?,
                proposed_relation: r.try_get("proposed_relation")?,
                claimed_by: r.try_get("claimed_by")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    audit::record(
        conn,
        actor,
        event(
            school_id,
            AuditAction::Read,
            "verification_reviews",
            None,
            json!({ "open": items.len() }),
        ),
        now,
    )
    .await?;
    Ok(items)
}

/// A clerk's decision. Approving verifies the link (creating it with the card's relation when
/// the records had none) or the staff record, by the clerk; rejecting changes no link.
/// A clerk's decision on one review item.
#[derive(Clone, Copy, Debug)]
pub struct Resolution<'a> {
    pub review_id: i64,
    pub approve: bool,
    /// The clerk (staff id).
    pub reviewer: i64,
    pub note: &'a str,
}

pub async fn resolve_review(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    resolution: Resolution<'_>,
    now: i64,
) -> Result<(), AppError> {
    let Resolution {
        review_id,
        approve,
        reviewer,
        note,
    } = resolution;
    let row = sqlx::query(
        "SELECT verification_id, guardian_id, student_id, staff_id, link_id, proposed_relation, reason, status
         FROM verification_reviews WHERE school_id = $1 AND id = $2",
    )
    .bind(school_id)
    .bind(review_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    if row.try_get::<String, _>("status")? != "open" {
        return Err(AppError::new(ErrorCode::Conflict));
    }
    let verification_id: i64 = row.try_get("verification_id")?;
    let note = note.trim();
    let note = (!note.is_empty()).then_some(note);
    if approve {
        let staff_id: Option<i64> = row.try_get("staff_id")?;
        if let Some(staff_id) = staff_id {
            verify_staff(
                conn,
                actor,
                school_id,
                staff_id,
                "clerk",
                Some(verification_id),
                Some(reviewer),
                now,
            )
            .await?;
        } else {
            let link_id = match row.try_get::<Option<i64>, _>("link_id")? {
                Some(link_id) => link_id,
                None => {
                    let (Some(guardian_id), Some(student_id), Some(relation)) = (
                        row.try_get::<Option<i64>, _>("guardian_id")?,
                        row.try_get::<Option<i64>, _>("student_id")?,
                        row.try_get::<Option<String>, _>("proposed_relation")?,
                    ) else {
                        return Err(AppError::new(ErrorCode::InvalidInput));
                    };
                    crate::people::store::link_guardian(
                        conn,
                        actor,
                        school_id,
                        guardian_id,
                        student_id,
                        relation_of(&relation),
                        now,
                    )
                    .await?
                }
            };
            change_link(
                conn,
                actor,
                school_id,
                link_id,
                &LinkChange {
                    status: "verified",
                    method: Some("clerk"),
                    staff_id: Some(reviewer),
                    verification_id: Some(verification_id),
                    note,
                },
                now,
            )
            .await?;
        }
    } else if let Some(link_id) = row.try_get::<Option<i64>, _>("link_id")? {
        // A rejected claim puts a link it made pending back to unverified.
        let status: Option<String> = sqlx::query_scalar(
            "SELECT status FROM guardian_links WHERE school_id = $1 AND id = $2",
        )
        .bind(school_id)
        .bind(link_id)
        .fetch_optional(&mut *conn)
        .await?;
        if status.as_deref() == Some("pending") {
            change_link(
                conn,
                actor,
                school_id,
                link_id,
                &LinkChange {
                    status: "unverified",
                    method: None,
                    staff_id: Some(reviewer),
                    verification_id: Some(verification_id),
                    note,
                },
                now,
            )
            .await?;
        }
    }
    sqlx::query(
        "UPDATE verification_reviews SET status = $1, resolved_at = $2, resolved_by = $3, note = $4
         WHERE school_id = $5 AND id = $6",
    )
    .bind(if approve { "approved" } else { "rejected" })
    .bind(now)
    .bind(reviewer)
    .bind(note)
    .bind(school_id)
    .bind(review_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        event(
            school_id,
            AuditAction::Update,
            "verification_review",
            Some(review_id),
            json!({ "approved": approve }),
        ),
        now,
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The guardian's view of their links

pub async fn link_history(
    conn: &mut AnyConnection,
    actor: &Actor,
    school_id: i64,
    guardian_id: i64,
    now: i64,
) -> Result<Vec<LinkEvent>, AppError> {
    let rows = sqlx::query(
        "SELECT e.at, e.status, e.method, l.relation, l.status AS link_status, sc.guardian_access,
                sc.name AS school_name, b.name AS bridge_name,
                s.family_name, s.middle_name, s.given_name,
                st.family_name AS t_family, st.middle_name AS t_middle, st.given_name AS t_given
         FROM guardian_link_events e JOIN guardian_links l ON l.id = e.link_id
         JOIN students s ON s.id = l.student_id JOIN schools sc ON sc.id = e.school_id
         LEFT JOIN staff st ON st.id = e.staff_id
         LEFT JOIN desk_verifications v ON v.id = e.verification_id
         LEFT JOIN desk_bridges b ON b.id = v.bridge_id
         WHERE e.school_id = $1 AND l.guardian_id = $2
         ORDER BY e.at DESC, e.id DESC",
    )
    .bind(school_id)
    .bind(guardian_id)
    .fetch_all(&mut *conn)
    .await?;
    let events = rows
        .iter()
        .map(|r| {
            let staff: Option<String> = r.try_get("t_family")?;
            let by = match staff {
                Some(family) => Some(
                    [
                        family,
                        r.try_get::<Option<String>, _>("t_middle")?
                            .unwrap_or_default(),
                        r.try_get::<Option<String>, _>("t_given")?
                            .unwrap_or_default(),
                    ]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                ),
                None => None,
            };
            let school: String = r.try_get("school_name")?;
            let bridge: Option<String> = r.try_get("bridge_name")?;
            // A child's name only once the school lets this guardian see the child.
            let visible = r.try_get::<String, _>("link_status")? == "verified"
                || r.try_get::<String, _>("guardian_access")? == "linked";
            Ok(LinkEvent {
                at: r.try_get("at")?,
                child_name: if visible {
                    full_name_of(r)?
                } else {
                    String::new()
                },
                relation: r.try_get("relation")?,
                status: r.try_get("status")?,
                method: r.try_get("method")?,
                by,
                place: match bridge {
                    Some(bridge) => format!("{school} · {bridge}"),
                    None => school,
                },
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    audit::record(
        conn,
        actor,
        event(
            school_id,
            AuditAction::Read,
            "guardian_link_events",
            Some(guardian_id),
            json!({ "events": events.len() }),
        ),
        now,
    )
    .await?;
    Ok(events)
}

// ---------------------------------------------------------------------------------------------
// Progress

/// Guardians and teachers of one school, with the classes they count in.
struct SchoolProgress {
    /// Per guardian (all their links): since, verified when every open link is.
    guardians: Vec<Tracked>,
    /// Per (class, guardian): the links to that class's children.
    class_guardians: BTreeMap<i64, Vec<Tracked>>,
    teachers: Vec<Tracked>,
    class_teachers: BTreeMap<i64, Vec<Tracked>>,
    /// Current classes in order: (id, name).
    classes: Vec<(i64, String)>,
}

#[derive(Default)]
struct Acc {
    since: i64,
    all_verified: bool,
    latest: i64,
    /// The way of the latest verification.
    method: Option<VerifiedBy>,
}

impl Acc {
    fn new(since: i64) -> Acc {
        Acc {
            since,
            all_verified: true,
            latest: 0,
            method: None,
        }
    }

    fn add(&mut self, status: &str, verified_at: Option<i64>, method: Option<&str>) {
        match (status, verified_at) {
            ("verified", Some(at)) => {
                if at >= self.latest {
                    self.latest = at;
                    self.method = method.map(VerifiedBy::from_code);
                }
            }
            _ => self.all_verified = false,
        }
    }

    fn tracked(&self) -> Tracked {
        Tracked {
            since: self.since,
            verified_at: self.all_verified.then_some(self.latest),
            method: self.method.filter(|_| self.all_verified),
        }
    }
}

async fn school_progress(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<SchoolProgress, sqlx::Error> {
    let classes: Vec<(i64, String)> = sqlx::query(
        "SELECT c.id, c.name FROM classes c JOIN school_years y ON y.id = c.school_year_id AND y.is_current = 1
         WHERE c.school_id = $1 ORDER BY c.grade, c.name",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let current: BTreeSet<i64> = classes.iter().map(|(id, _)| *id).collect();

    let rows = sqlx::query(
        "SELECT g.id AS guardian_id, g.created_at, l.status, l.verified_at, l.verified_method, e.class_id
         FROM guardian_links l JOIN guardians g ON g.id = l.guardian_id
         LEFT JOIN class_enrollments e ON e.student_id = l.student_id AND e.school_id = $1 AND e.left_on IS NULL
         WHERE l.school_id = $1 AND l.status <> 'revoked'",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut per_guardian: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut per_class_guardian: BTreeMap<(i64, i64), Acc> = BTreeMap::new();
    for r in &rows {
        let guardian: i64 = r.try_get("guardian_id")?;
        let since: i64 = r.try_get("created_at")?;
        let status: String = r.try_get("status")?;
        let verified_at: Option<i64> = r.try_get("verified_at")?;
        let method: Option<String> = r.try_get("verified_method")?;
        per_guardian
            .entry(guardian)
            .or_insert_with(|| Acc::new(since))
            .add(&status, verified_at, method.as_deref());
        if let Some(class) = r.try_get::<Option<i64>, _>("class_id")?
            && current.contains(&class)
        {
            per_class_guardian
                .entry((class, guardian))
                .or_insert_with(|| Acc::new(since))
                .add(&status, verified_at, method.as_deref());
        }
    }
    let mut class_guardians: BTreeMap<i64, Vec<Tracked>> = BTreeMap::new();
    for ((class, _), acc) in &per_class_guardian {
        class_guardians
            .entry(*class)
            .or_default()
            .push(acc.tracked());
    }

    let rows = sqlx::query(
        "SELECT s.id, s.created_at, v.verified_at, v.method, t.class_id
         FROM staff s JOIN staff_roles r ON r.staff_id = s.id AND r.role = 'teacher'
         LEFT JOIN staff_verifications v ON v.staff_id = s.id AND v.school_id = $1
         LEFT JOIN teaching_assignments t ON t.staff_id = s.id AND t.school_id = $1
         WHERE s.school_id = $1 AND s.status = 'active'",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut teachers: BTreeMap<i64, Tracked> = BTreeMap::new();
    let mut class_teacher_set: BTreeMap<i64, BTreeMap<i64, Tracked>> = BTreeMap::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let tracked = Tracked {
            since: r.try_get("created_at")?,
            verified_at: r.try_get("verified_at")?,
            method: r
                .try_get::<Option<String>, _>("method")?
                .as_deref()
                .map(VerifiedBy::from_code),
        };
        teachers.insert(id, tracked);
        if let Some(class) = r.try_get::<Option<i64>, _>("class_id")?
            && current.contains(&class)
        {
            class_teacher_set
                .entry(class)
                .or_default()
                .insert(id, tracked);
        }
    }
    Ok(SchoolProgress {
        guardians: per_guardian.values().map(Acc::tracked).collect(),
        class_guardians,
        teachers: teachers.into_values().collect(),
        class_teachers: class_teacher_set
            .into_iter()
            .map(|(class, set)| (class, set.into_values().collect()))
            .collect(),
        classes,
    })
}

const CHART_WEEKS: i64 = 12;

fn chart(title: &str, guardians: &[Tracked], teachers: &[Tracked], now: i64) -> String {
    let points = rules::weekly_points(now, CHART_WEEKS);
    let labels: Vec<String> = points
        .iter()
        .map(|at| {
            super::format_time(*at)
                .get(0..5)
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let series = [
        Series {
            class: "chart-guardians",
            label: "Phụ huynh / Guardians".into(),
            shares: points.iter().map(|p| Share::at(guardians, *p)).collect(),
        },
        Series {
            class: "chart-teachers",
            label: "Giáo viên / Teachers".into(),
            shares: points.iter().map(|p| Share::at(teachers, *p)).collect(),
        },
    ];
    rules::progress_chart_svg(title, &labels, &series)
}

pub async fn progress_of_school(
    conn: &mut AnyConnection,
    school_id: i64,
    now: i64,
) -> Result<ProgressView, sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&mut *conn)
        .await?;
    let progress = school_progress(conn, school_id).await?;
    let rows = progress
        .classes
        .iter()
        .map(|(id, class_name)| ProgressRow {
            id: Some(*id),
            label: class_name.clone(),
            guardians: Share::at(
                progress
                    .class_guardians
                    .get(id)
                    .map_or(&[][..], Vec::as_slice),
                now,
            ),
            teachers: Share::at(
                progress
                    .class_teachers
                    .get(id)
                    .map_or(&[][..], Vec::as_slice),
                now,
            ),
        })
        .collect();
    Ok(ProgressView {
        chart_svg: chart(&name, &progress.guardians, &progress.teachers, now),
        total: ProgressRow {
            id: None,
            label: name.clone(),
            guardians: Share::at(&progress.guardians, now),
            teachers: Share::at(&progress.teachers, now),
        },
        scope_name: name,
        school_id: Some(school_id),
        district: false,
        rows,
    })
}

pub async fn progress_of_district(
    conn: &mut AnyConnection,
    district_id: i64,
    now: i64,
) -> Result<ProgressView, sqlx::Error> {
    let name: String = sqlx::query_scalar("SELECT name FROM districts WHERE id = $1")
        .bind(district_id)
        .fetch_one(&mut *conn)
        .await?;
    let schools: Vec<(i64, String)> = sqlx::query(
        "SELECT id, name FROM schools WHERE district_id = $1 AND status = 'active' ORDER BY name",
    )
    .bind(district_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut rows = Vec::new();
    let (mut all_guardians, mut all_teachers) = (Vec::new(), Vec::new());
    for (id, school_name) in schools {
        let progress = school_progress(conn, id).await?;
        rows.push(ProgressRow {
            id: Some(id),
            label: school_name,
            guardians: Share::at(&progress.guardians, now),
            teachers: Share::at(&progress.teachers, now),
        });
        all_guardians.extend(progress.guardians);
        all_teachers.extend(progress.teachers);
    }
    Ok(ProgressView {
        chart_svg: chart(&name, &all_guardians, &all_teachers, now),
        total: ProgressRow {
            id: None,
            label: name.clone(),
            guardians: Share::at(&all_guardians, now),
            teachers: Share::at(&all_teachers, now),
        },
        scope_name: name,
        school_id: None,
        district: true,
        rows,
    })
}
