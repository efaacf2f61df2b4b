//! The audit trail: who read or changed which personal data, when, and why.
//! Store functions that touch personal data take an [`Actor`] and write here in the same
//! transaction, so a read or change cannot happen without its entry. The table is append-only
//! (database triggers refuse updates and deletes). Details never hold a personal ID number.

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

/// Who acts. `id` points into the table the kind names (staff, guardians, students, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActorKind {
    /// The server itself: start-up, demo data, scheduled jobs.
    System,
    DistrictAdmin,
    Staff,
    Guardian,
    Student,
    /// A logged-in account acting on itself (its sessions, its passkeys).
    Account,
    /// Someone not yet linked to a record (e.g. a login with an unknown ID).
    Anonymous,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::System => "system",
            ActorKind::DistrictAdmin => "district_admin",
            ActorKind::Staff => "staff",
            ActorKind::Guardian => "guardian",
            ActorKind::Student => "student",
            ActorKind::Account => "account",
            ActorKind::Anonymous => "anonymous",
        }
    }
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            kind: ActorKind::System,
            id: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Read,
    Update,
    Archive,
    /// An unmasked personal ID number was shown (always with a reason).
    Reveal,
    Export,
    Import,
    Login,
    LoginRefused,
    /// Something was refused that the school should see (e.g. a card result that failed its checks).
    Refuse,
    /// Personal data erased (retention), the record kept as a tombstone.
    Erase,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Read => "read",
            AuditAction::Update => "update",
            AuditAction::Archive => "archive",
            AuditAction::Reveal => "reveal",
            AuditAction::Export => "export",
            AuditAction::Import => "import",
            AuditAction::Login => "login",
            AuditAction::LoginRefused => "login_refused",
            AuditAction::Refuse => "refuse",
            AuditAction::Erase => "erase",
        }
    }
}

/// One entry of the trail.
#[derive(Clone, Debug)]
pub struct AuditEvent<'a> {
    pub school_id: Option<i64>,
    pub action: AuditAction,
    /// The table or kind of record, e.g. "student", "class_list".
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub reason: Option<&'a str>,
    pub detail: serde_json::Value,
}

pub async fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    event: AuditEvent<'_>,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, school_id, actor_kind, actor_id, action, entity, entity_id, reason, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(at)
    .bind(event.school_id)
    .bind(actor.kind.as_str())
    .bind(actor.id)
    .bind(event.action.as_str())
    .bind(event.entity)
    .bind(event.entity_id)
    .bind(event.reason)
    .bind(event.detail.to_string())
    .execute(conn)
    .await
    .map(|_| ())
}

/// An entry as read back (for the school's audit screens and for tests).
#[derive(Clone, Debug, sqlx::FromRow, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub school_id: Option<i64>,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub reason: Option<String>,
    pub detail: String,
}

/// The newest entries about one school, newest first.
pub async fn recent_for_school(
    conn: &mut AnyConnection,
    school_id: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as::<_, AuditRow>(
        "SELECT id, at, school_id, actor_kind, actor_id, action, entity, entity_id, reason, detail
         FROM audit_log WHERE school_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(school_id)
    .bind(limit)
    .fetch_all(conn)
    .await
}
