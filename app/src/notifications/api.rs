//! Server functions of notifications: the inbox, push subscriptions, preferences.

use leptos::prelude::*;

use super::{InboxMessage, NotificationKind, Preference};
use crate::identity::client::CsrfClient;
use crate::platform::error::AppError;

/// The inbox's recipient for the persona the request acts as.
#[cfg(feature = "ssr")]
fn recipient(
    grant: &crate::identity::authz::Grant,
) -> Result<(i64, super::store::Recipient), AppError> {
    use super::store::Recipient;
    use crate::identity::authz::ActivePersona;
    match &grant.persona {
        Some(ActivePersona::Guardian {
            school_id,
            guardian_id,
        }) => Ok((*school_id, Recipient::Guardian(*guardian_id))),
        Some(ActivePersona::Staff {
            school_id,
            staff_id,
            ..
        }) => Ok((*school_id, Recipient::Staff(*staff_id))),
        Some(ActivePersona::Student {
            school_id,
            student_id,
        }) => Ok((*school_id, Recipient::Student(*student_id))),
        _ => Err(crate::platform::error::ErrorCode::Forbidden.into()),
    }
}

/// My newest messages (as the persona I act as).
#[server(prefix = "/api", endpoint = "my_inbox", client = CsrfClient)]
pub async fn my_inbox() -> Result<Vec<InboxMessage>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::OwnInbox).await?;
    let (school, who) = recipient(&grant)?;
    let mut conn = grant.conn().await?;
    Ok(super::store::inbox(&mut conn, school, who, 100).await?)
}

#[server(prefix = "/api", endpoint = "unread_count", client = CsrfClient)]
pub async fn unread_count() -> Result<i64, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::OwnInbox).await?;
    let (school, who) = recipient(&grant)?;
    let mut conn = grant.conn().await?;
    Ok(super::store::unread_count(&mut conn, school, who).await?)
}

/// Marks one of my messages read (someone else's message is "not found").
#[server(prefix = "/api", endpoint = "mark_message_read", client = CsrfClient)]
pub async fn mark_message_read(id: i64) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::OwnInbox).await?;
    let (school, who) = recipient(&grant)?;
    let mut conn = grant.conn().await?;
    match super::store::mark_read(&mut conn, school, who, id, grant.now()).await? {
        true => Ok(()),
        false => Err(crate::platform::error::ErrorCode::NotFound.into()),
    }
}

/// The key browsers subscribe with; `None` when push is not configured.
#[server(prefix = "/api", endpoint = "push_public_key", client = CsrfClient)]
pub async fn push_public_key() -> Result<Option<String>, AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::OwnAccount).await?;
    Ok(grant.state.push_key.as_ref().map(|k| k.public_key()))
}

/// Keeps this device's push subscription for my account. An endpoint another account holds is
/// refused (a browser profile receives for one account at a time; logging out releases it).
#[server(prefix = "/api", endpoint = "subscribe_push", client = CsrfClient)]
pub async fn subscribe_push(
    endpoint: String,
    p256dh: String,
    auth: String,
) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    use crate::platform::error::ErrorCode;
    let grant = authorize(Action::OwnAccount).await?;
    let account = grant.account()?.id;
    // Push services are on the internet, over https; a loopback endpoint only for the demo's tests.
    let loopback = endpoint.starts_with("http://127.0.0.1:") && grant.state.settings.demo;
    let valid = (endpoint.starts_with("https://") || loopback)
        && endpoint.len() <= 1024
        && (40..=200).contains(&p256dh.len())
        && (10..=64).contains(&auth.len());
    if !valid {
        return Err(AppError::for_field(ErrorCode::InvalidInput, "endpoint"));
    }
    let mut conn = grant.conn().await?;
    let owner: Option<i64> =
        sqlx::query_scalar("SELECT account_id FROM push_subscriptions WHERE endpoint = $1")
            .bind(&endpoint)
            .fetch_optional(&mut *conn)
            .await?;
    if owner.is_some_and(|o| o != account) {
        return Err(ErrorCode::PushEndpointTaken.into());
    }
    super::store::save_subscription(&mut conn, account, &endpoint, &p256dh, &auth, grant.now())
        .await?;
    Ok(())
}

/// Stops pushes to this device (before logging out, or when the person turns them off).
#[server(prefix = "/api", endpoint = "unsubscribe_push", client = CsrfClient)]
pub async fn unsubscribe_push(endpoint: String) -> Result<(), AppError> {
    use crate::identity::authz::{Action, authorize};
    let grant = authorize(Action::OwnAccount).await?;
    let mut conn = grant.conn().await?;
    sqlx::query("DELETE FROM push_subscriptions WHERE endpoint = $1 AND account_id = $2")
        .bind(&endpoint)
        .bind(grant.account()?.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A guardian's choices: which kinds of message are pushed, per child.
#[server(prefix = "/api", endpoint = "my_notification_preferences", client = CsrfClient)]
pub async fn my_notification_preferences() -> Result<Vec<Preference>, AppError> {
    use crate::identity::authz::{Action, ActivePersona, authorize};
    let grant = authorize(Action::GuardianHome).await?;
    let Some(ActivePersona::Guardian {
        school_id,
        guardian_id,
    }) = grant.persona.clone()
    else {
        return Err(crate::platform::error::ErrorCode::Forbidden.into());
    };
    let mut conn = grant.conn().await?;
    Ok(super::store::preferences(&mut conn, school_id, guardian_id).await?)
}

#[server(prefix = "/api", endpoint = "set_notification_preference", client = CsrfClient)]
pub async fn set_notification_preference(
    student_id: i64,
    kind: NotificationKind,
    enabled: bool,
) -> Result<(), AppError> {
    use crate::identity::authz::{Action, ActivePersona, authorize};
    let grant = authorize(Action::RequestLeave { student_id }).await?;
    let Some(ActivePersona::Guardian {
        school_id,
        guardian_id,
    }) = grant.persona.clone()
    else {
        return Err(crate::platform::error::ErrorCode::Forbidden.into());
    };
    let mut conn = grant.conn().await?;
    Ok(
        super::store::set_preference(&mut conn, school_id, guardian_id, student_id, kind, enabled)
            .await?,
    )
}
