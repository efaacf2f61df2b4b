//! Server functions of desk verification. Each starts with its authorization; the desk, the
//! review queue and the bridges act in the school of the persona one acts as.

use leptos::prelude::*;

use super::{
    BridgeList, ClaimResult, ClaimSummary, DeskInfo, DeskOutcome, HandoffState, HandoffTicket,
    LinkEvent, PairingCode, ProgressView, ReadChallenge, ReviewItem,
};
use crate::identity::client::CsrfClient;
use crate::platform::error::AppError;

#[cfg(feature = "ssr")]
mod server {
    use crate::identity::authz::{ActivePersona, Grant};
    use crate::platform::error::{AppError, ErrorCode};

    /// The school and staff id of an office persona (the authorization checked the roles).
    pub fn office(grant: &Grant) -> Result<(i64, i64), AppError> {
        match &grant.persona {
            Some(ActivePersona::Staff {
                school_id,
                staff_id,
                ..
            }) => Ok((*school_id, *staff_id)),
            _ => Err(AppError::new(ErrorCode::Forbidden)),
        }
    }

    pub fn persona_school(grant: &Grant) -> Result<i64, AppError> {
        grant
            .persona
            .as_ref()
            .and_then(|p| p.school_id())
            .ok_or_else(|| AppError::new(ErrorCode::Forbidden))
    }
}

/// What the desk page needs before reading a card.
#[server(prefix = "/api", endpoint = "desk_context", client = CsrfClient)]
pub async fn desk_context() -> Result<DeskInfo, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::DeskVerify).await?;
    let (school_id, _) = server::office(&grant)?;
    let mut conn = grant.conn().await?;
    let school_name: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(DeskInfo {
        school_name,
        bridge_url: grant.state.settings.desk.bridge_url.clone(),
        face_image: super::store::face_image_enabled(&mut conn, school_id).await?,
        active_bridges: super::store::active_bridges(&mut conn, school_id).await?,
    })
}

/// A single-use challenge for one card read, bound to this session and school.
#[server(prefix = "/api", endpoint = "desk_challenge", client = CsrfClient)]
pub async fn desk_challenge() -> Result<ReadChallenge, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::DeskVerify).await?;
    let (school_id, staff_id) = server::office(&grant)?;
    let session_id = grant.session()?.id;
    let mut conn = grant.conn().await?;
    let include_face_image = super::store::face_image_enabled(&mut conn, school_id).await?;
    let (challenge, expires_at) =
        super::store::issue_challenge(&mut conn, school_id, session_id, staff_id, grant.now())
            .await?;
    Ok(ReadChallenge {
        challenge,
        include_face_image,
        expires_at,
    })
}

/// The bridge's signed result, forwarded by the desk page as it came (JSON text). The server
/// checks it, keeps the verification and answers what the desk shows, with the QR code.
#[server(prefix = "/api", endpoint = "desk_submit", client = CsrfClient)]
pub async fn desk_submit(signed: String) -> Result<DeskOutcome, AppError> {
    use super::desk::{self, Submission, Submitted};
    use crate::identity::authz::{Action, authorize, set_response_status};
    let grant = authorize(Action::DeskVerify).await?;
    let (school_id, staff_id) = server::office(&grant)?;
    let session_id = grant.session()?.id;
    let now = grant.now();
    let result: Result<DeskOutcome, AppError> = async {
        let mut tx = grant.state.db.pool().begin().await?;
        let face_image_enabled = super::store::face_image_enabled(&mut tx, school_id).await?;
        let submission = Submission {
            school_id,
            staff_id,
            session_id,
            face_image_enabled,
            signed: &signed,
            now,
        };
        match desk::submit(&mut tx, &grant.state.crypto, &grant.actor, &submission).await? {
            Submitted::Refused(error) => {
                // The challenge is used up and the refusal audited, whatever the result.
                tx.commit().await?;
                Err(error)
            }
            Submitted::Accepted(accepted) => {
                let verification =
                    super::store::load_verification(&mut tx, school_id, accepted.verification_id)
                        .await?
                        .ok_or_else(|| {
                            AppError::new(crate::platform::error::ErrorCode::Internal)
                        })?;
                let matches =
                    super::store::record_matches(&mut tx, &grant.actor, &verification, now).await?;
                let ticket = desk::ticket(
                    &mut tx,
                    &grant.state.settings.public_url,
                    school_id,
                    accepted.verification_id,
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(desk::outcome(accepted, matches, ticket))
            }
        }
    }
    .await;
    if let Err(error) = &result {
        tracing::info!(code = error.code.as_str(), "desk result refused");
        set_response_status(error);
    }
    result
}

/// Whether the QR code was claimed yet (the desk page asks every few seconds).
#[server(prefix = "/api", endpoint = "handoff_status", client = CsrfClient)]
pub async fn handoff_status(handoff_id: i64) -> Result<HandoffState, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::DeskVerify).await?;
    let (school_id, _) = server::office(&grant)?;
    let mut conn = grant.conn().await?;
    super::store::handoff_state(&mut conn, school_id, handoff_id, grant.now())
        .await?
        .ok_or_else(|| AppError::new(crate::platform::error::ErrorCode::NotFound))
}

/// A fresh QR code for a verification of this school that nobody claimed yet.
#[server(prefix = "/api", endpoint = "new_handoff", client = CsrfClient)]
pub async fn new_handoff(verification_id: i64) -> Result<HandoffTicket, AppError> {
    use crate::identity::authz::{Action, authorize};
    use crate::platform::error::ErrorCode;
    let grant = authorize(Action::DeskVerify).await?;
    let (school_id, _) = server::office(&grant)?;
    let mut conn = grant.conn().await?;
    let verification = super::store::load_verification(&mut conn, school_id, verification_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if verification.claimed_at.is_some() {
        return Err(AppError::new(ErrorCode::HandoffUsed));
    }
    super::desk::ticket(
        &mut conn,
        &grant.state.settings.public_url,
        school_id,
        verification_id,
        grant.now(),
    )
    .await
}

/// What the phone shows before the parent confirms.
#[server(prefix = "/api", endpoint = "claim_preview", client = CsrfClient)]
pub async fn claim_preview(token: String) -> Result<ClaimSummary, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ClaimHandoff).await?;
    let school = server::persona_school(&grant)?;
    let mut conn = grant.conn().await?;
    let (handoff, verification) =
        super::desk::open_handoff(&mut conn, &token, school, grant.now()).await?;
    let school_name: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school)
        .fetch_one(&mut *conn)
        .await?;
    Ok(ClaimSummary {
        school_name,
        card_name: verification.facts.full_name,
        read_at: verification.read_at,
        expires_at: handoff.expires_at,
    })
}

/// The parent confirms on their phone: the verification is attached to their account and the
/// linkage rules verify their links (or queue them for a clerk).
#[server(prefix = "/api", endpoint = "claim_handoff", client = CsrfClient)]
pub async fn claim_handoff(token: String) -> Result<ClaimResult, AppError> {
    use super::desk::{self, ClaimantAccount, Claimed};
    use crate::identity::authz::{Action, authorize, set_response_status};
    use crate::platform::error::ErrorCode;
    let grant = authorize(Action::ClaimHandoff).await?;
    let school = server::persona_school(&grant)?;
    let account = grant.account()?.clone();
    let pid_hash = account
        .pid_hash
        .clone()
        .ok_or_else(|| AppError::new(ErrorCode::Forbidden))?;
    let now = grant.now();
    let result: Result<ClaimResult, AppError> = async {
        let mut tx = grant.state.db.pool().begin().await?;
        let (handoff, verification) = desk::open_handoff(&mut tx, &token, school, now).await?;
        let claimant = ClaimantAccount {
            account_id: account.id,
            pid_hash: &pid_hash,
            vneid_name: Some(account.display_name.clone()).filter(|n| n.trim() != "—"),
        };
        let claimed = desk::claim(
            &mut tx,
            &grant.actor,
            &claimant,
            &handoff,
            &verification,
            now,
        )
        .await?;
        tx.commit().await?;
        match claimed {
            Claimed::Done(result) => Ok(result),
            Claimed::Refused(error) => Err(error),
        }
    }
    .await;
    if let Err(error) = &result {
        set_response_status(error);
    }
    result
}

/// The open items of the school's review queue.
#[server(prefix = "/api", endpoint = "review_queue", client = CsrfClient)]
pub async fn review_queue() -> Result<Vec<ReviewItem>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReviewVerifications).await?;
    let (school_id, _) = server::office(&grant)?;
    let mut conn = grant.conn().await?;
    super::store::open_reviews(&mut conn, &grant.actor, school_id, grant.now()).await
}

/// A clerk approves (verifies the link, by the clerk) or rejects (nothing is linked).
#[server(prefix = "/api", endpoint = "resolve_review", client = CsrfClient)]
pub async fn resolve_review(review_id: i64, approve: bool, note: String) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ReviewVerifications).await?;
    let (school_id, staff_id) = server::office(&grant)?;
    let mut tx = grant.state.db.pool().begin().await?;
    super::store::resolve_review(
        &mut tx,
        &grant.actor,
        school_id,
        super::store::Resolution {
            review_id,
            approve,
            reviewer: staff_id,
            note: &note,
        },
        grant.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The school's desk bridges, the desk settings, and how many pairing codes are open.
#[server(prefix = "/api", endpoint = "bridges_overview", client = CsrfClient)]
pub async fn bridges_overview() -> Result<BridgeList, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageBridges).await?;
    let (school_id, _) = server::office(&grant)?;
    let mut conn = grant.conn().await?;
    Ok(BridgeList {
        bridges: super::store::list_bridges(&mut conn, school_id).await?,
        face_image: super::store::face_image_enabled(&mut conn, school_id).await?,
        bridge_url: grant.state.settings.desk.bridge_url.clone(),
        open_codes: super::store::open_pairing_codes(&mut conn, school_id, grant.now()).await?,
    })
}

/// A one-time code to pair a desk's bridge (shown once; only its hash is kept).
#[server(prefix = "/api", endpoint = "create_pairing_code", client = CsrfClient)]
pub async fn create_pairing_code() -> Result<PairingCode, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageBridges).await?;
    let (school_id, staff_id) = server::office(&grant)?;
    let mut conn = grant.conn().await?;
    super::store::create_pairing_code(
        &mut conn,
        &grant.actor,
        school_id,
        Some(staff_id),
        grant.now(),
    )
    .await
}

/// Revokes a bridge: its signatures are refused from now on.
#[server(prefix = "/api", endpoint = "revoke_bridge", client = CsrfClient)]
pub async fn revoke_bridge(bridge_id: i64) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageBridges).await?;
    let (school_id, staff_id) = server::office(&grant)?;
    let mut conn = grant.conn().await?;
    super::store::revoke_bridge(
        &mut conn,
        &grant.actor,
        school_id,
        bridge_id,
        Some(staff_id),
        grant.now(),
    )
    .await
}

/// Whether the desk reads, shows and keeps the card's face image.
#[server(prefix = "/api", endpoint = "set_desk_face_image", client = CsrfClient)]
pub async fn set_desk_face_image(enabled: bool) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ManageBridges).await?;
    let (school_id, _) = server::office(&grant)?;
    let mut conn = grant.conn().await?;
    super::store::set_face_image(&mut conn, &grant.actor, school_id, enabled, grant.now()).await
}

/// Progress towards every guardian and teacher verified: a school's classes, or the district's
/// schools (`school_id` absent).
#[server(prefix = "/api", endpoint = "verification_progress", client = CsrfClient)]
pub async fn verification_progress(school_id: Option<i64>) -> Result<ProgressView, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::ViewProgress { school_id }).await?;
    progress_view(&grant, school_id).await
}

/// The progress of a school, or of the acting district admin's district (the server function
/// and the Excel download share it; the caller has authorized `ViewProgress`).
#[cfg(feature = "ssr")]
pub async fn progress_view(
    grant: &crate::identity::authz::Grant,
    school_id: Option<i64>,
) -> Result<ProgressView, AppError> {
    use crate::identity::authz::ActivePersona;
    use crate::platform::error::ErrorCode;
    let mut conn = grant.conn().await?;
    let now = grant.now();
    match (school_id, &grant.persona) {
        (Some(school), _) => Ok(super::store::progress_of_school(&mut conn, school, now).await?),
        (None, Some(ActivePersona::DistrictAdmin { district_id, .. })) => {
            Ok(super::store::progress_of_district(&mut conn, *district_id, now).await?)
        }
        _ => Err(AppError::new(ErrorCode::Forbidden)),
    }
}

/// The history of the guardian's own links: who verified which, where and when.
#[server(prefix = "/api", endpoint = "my_link_history", client = CsrfClient)]
pub async fn my_link_history() -> Result<Vec<LinkEvent>, AppError> {
    use crate::identity::authz::{Action, ActivePersona, authorize};
    use crate::platform::error::ErrorCode;
    let grant = authorize(Action::GuardianHome).await?;
    let Some(ActivePersona::Guardian {
        school_id,
        guardian_id,
    }) = grant.persona.clone()
    else {
        return Err(ErrorCode::Forbidden.into());
    };
    let mut conn = grant.conn().await?;
    super::store::link_history(&mut conn, &grant.actor, school_id, guardian_id, grant.now()).await
}

/// Who is not verified yet in a school, or in one class (the homeroom teacher's list).
#[server(prefix = "/api", endpoint = "verification_follow_up", client = CsrfClient)]
pub async fn verification_follow_up(
    school_id: i64,
    class_id: Option<i64>,
) -> Result<crate::reports::Table, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::VerificationFollowUp {
        school_id,
        class_id,
    })
    .await?;
    follow_up_report(&grant, school_id, class_id).await
}

/// The follow-up list as a table (the server function and the Excel download share it).
#[cfg(feature = "ssr")]
pub async fn follow_up_report(
    grant: &crate::identity::authz::Grant,
    school_id: i64,
    class_id: Option<i64>,
) -> Result<crate::reports::Table, AppError> {
    use super::follow_up::{follow_up_scope, follow_up_table, missing_in_school};
    let mut tx = grant.state.db.pool().begin().await?;
    let scope = follow_up_scope(&mut tx, school_id, class_id).await?;
    let missing =
        missing_in_school(&mut tx, &grant.actor, school_id, class_id, grant.now()).await?;
    tx.commit().await?;
    Ok(follow_up_table(&scope, missing))
}
