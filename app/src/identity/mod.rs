//! Identity: logging in with VNeID (OpenID Connect) or a passkey, school-issued student logins,
//! server-side sessions, the personas a person can act as, and the one authorization layer every
//! server function goes through.

pub mod api;
pub mod claims;
pub mod client;
pub mod screens;

#[cfg(feature = "hydrate")]
pub mod webauthn_browser;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod authz;
#[cfg(feature = "ssr")]
pub mod demo_idp;
#[cfg(feature = "ssr")]
pub mod login;
#[cfg(feature = "ssr")]
pub mod oidc;
#[cfg(feature = "ssr")]
pub mod passkeys;
#[cfg(feature = "ssr")]
pub mod ratelimit;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod student_login;

use serde::{Deserialize, Serialize};

use crate::people::StaffRole;

/// The session cookie (HttpOnly; the database keeps only its hash).
pub const SESSION_COOKIE: &str = "ts_session";
/// Readable by the page's script, sent back in the `x-csrf-token` header on every change.
pub const CSRF_COOKIE: &str = "ts_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The kinds of record a login can act as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PersonaKind {
    DistrictAdmin,
    Staff,
    Guardian,
    Student,
}

impl PersonaKind {
    pub fn code(self) -> &'static str {
        match self {
            PersonaKind::DistrictAdmin => "district_admin",
            PersonaKind::Staff => "staff",
            PersonaKind::Guardian => "guardian",
            PersonaKind::Student => "student",
        }
    }

    pub fn from_code(code: &str) -> Option<PersonaKind> {
        match code {
            "district_admin" => Some(PersonaKind::DistrictAdmin),
            "staff" => Some(PersonaKind::Staff),
            "guardian" => Some(PersonaKind::Guardian),
            "student" => Some(PersonaKind::Student),
            _ => None,
        }
    }

    /// Where this persona starts.
    pub fn home_path(self) -> &'static str {
        match self {
            PersonaKind::DistrictAdmin => "/district",
            PersonaKind::Staff => "/staff",
            PersonaKind::Guardian => "/guardian",
            PersonaKind::Student => "/student",
        }
    }
}

/// One way a logged-in person can act: a record in a school (or the district).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonaRef {
    pub kind: PersonaKind,
    /// `None` for the district.
    pub school_id: Option<i64>,
    pub record_id: i64,
}

/// A persona as the role picker shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonaChoice {
    pub persona: PersonaRef,
    /// The school's (or district's) name.
    pub place: String,
    /// For staff: their roles in that school.
    pub roles: Vec<StaffRole>,
}

/// Who is logged in, as the screens see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub display_name: String,
    pub persona: Option<PersonaChoice>,
    pub personas: Vec<PersonaChoice>,
    /// How this session was opened: `vneid`, `passkey` or `password`.
    pub auth_method: String,
}

/// A passkey as the account page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySummary {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// What the school prints for a student's first login.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedLogin {
    pub username: String,
    pub activation_code: String,
    pub expires_at: i64,
}
