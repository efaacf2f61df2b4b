//! The one authorization layer. A server function names what it wants to do as an [`Action`];
//! [`authorize`] checks the CSRF token, loads the session and the persona it acts as, and decides,
//! deny by default: `decide` matches every action, so a new action cannot exist without a rule.
//! The [`Grant`] it returns is the only way a server function reaches the database.

use http::Method;
use sqlx::AnyConnection;

use super::PersonaRef;
use super::accounts::{self, Account};
use super::session::{self, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, Session, cookie_value};
use crate::people::StaffRole;
use crate::platform::audit::{Actor, ActorKind};
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::state::{AppState, use_app_state};

/// Everything a server function may ask to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Public information; no login needed.
    Public,
    /// One's own account: who am I, my sessions, my passkeys, logging out.
    OwnAccount,
    /// Acting as one of one's own personas.
    ChoosePersona(PersonaRef),
    /// The start screen of the persona one acts as.
    StaffHome,
    GuardianHome,
    StudentHome,
    DistrictHome,
    /// The students of a class (names, dates of birth).
    ReadClassList {
        class_id: i64,
    },
    /// A child's own data, for their guardian or the student themselves.
    ReadChild {
        student_id: i64,
    },
    /// School administration: settings, identity mismatches.
    ManageSchool {
        school_id: i64,
    },
    /// Printing a student's school-issued login.
    IssueStudentLogin {
        student_id: i64,
    },
    /// Building the school's timetable (week settings, drafts, FET import, publishing,
    /// substitutions): its timetablers and school admins.
    EditTimetable {
        school_id: i64,
    },
    /// One timetable (draft or published version), for the editors of its school.
    EditTimetableVersion {
        timetable_id: i64,
    },
    /// A class's week: the school's staff, the district, the class's students and their families.
    ReadClassTimetable {
        class_id: i64,
    },
    /// A teacher's week: the school's staff (the teacher among them) and the district.
    ReadTeacherTimetable {
        staff_id: i64,
    },
    /// A calendar feed: only the account that made it.
    ManageFeed {
        feed_id: i64,
    },
    /// One's own in-app notices, as a staff member, guardian or student.
    OwnNotices,
    /// The weeks one's persona follows: a teacher's own, a student's class, a guardian's
    /// children's classes.
    OwnTimetable,
    /// Taking (and reading) a class's roll call: its teachers and the school's admins.
    TakeRollCall {
        class_id: i64,
    },
    /// A guardian asking leave (or choosing notifications) for their own child.
    RequestLeave {
        student_id: i64,
    },
    /// A class's leave requests: its homeroom teacher and the school's admins.
    ManageClassLeave {
        class_id: i64,
    },
    /// Answering one leave request: the homeroom teacher of the child's class, the school's admins.
    AnswerLeave {
        leave_id: i64,
    },
    /// One's own inbox, as the persona one acts as.
    OwnInbox,
    /// The desk of the school one acts for: reading chip ID cards through its bridge, handing
    /// them to phones.
    DeskVerify,
    /// Claiming a desk verification with the QR code (the card holder, or a parent it names).
    ClaimHandoff,
    /// The clerk's queue of verifications the linkage rules could not decide (own school).
    ReviewVerifications,
    /// Pairing codes, the list of desk bridges, revoking one; the desk's settings (own school).
    ManageBridges,
    /// The verification progress of a school, or of the district (`None`).
    ViewProgress {
        school_id: Option<i64>,
    },
    /// Who is not verified yet, with their phone numbers: a school's office and its district for
    /// the whole school or a class; a class's homeroom teacher for that class.
    VerificationFollowUp {
        school_id: i64,
        class_id: Option<i64>,
    },
    /// Paying notices from the phone (a VietQR code): a guardian who may read every child named.
    PayNotices {
        notice_ids: Vec<i64>,
    },
    /// A receipt: a guardian of a child on it, the school's admins and clerks, the district.
    ReadReceipt {
        receipt_id: i64,
    },
    /// The fee office of a school: cash, the queue of unmatched transfers, cancellations, reports.
    ManageFees {
        school_id: i64,
    },
    /// What a school collects: collections, reductions and exemptions, notices, accounts, notifiers.
    SetFees {
        school_id: i64,
    },
    /// Reading a class × subject score sheet: its subject teacher, the class's homeroom teacher
    /// and the school admin.
    ReadScoreSheet {
        class_id: i64,
        subject_id: i64,
    },
    /// Entering, releasing and importing a sheet's scores, asking for a correction: the subject
    /// teacher of that class only.
    EditScores {
        class_id: i64,
        subject_id: i64,
    },
    /// Conduct and (until attendance exists) absences of a class: its homeroom teacher.
    HomeroomEntry {
        class_id: i64,
    },
    /// A class's results, conduct, awards and promotion: its homeroom teacher, the school admin.
    ReadClassResults {
        class_id: i64,
    },
    /// Entry windows, corrections and grading settings of the school the persona acts in: its
    /// school admin.
    ManageGrades,
    /// A school's records: find, view, add, edit, archive, import, export, the police's
    /// confirmation and the families' correction requests (its admins and clerks; the district's
    /// admins).
    ManageRecords {
        school_id: i64,
    },
    /// Creating the district's schools and their admins (district admins).
    ManageDistrict,
    /// Moving a student between two schools of the district (its admins).
    TransferStudent {
        from_school: i64,
        to_school: i64,
    },
    /// A guardian's own data and their children's: the download, correction requests.
    OwnFamilyData,
    /// A guardian's consents for one child (through a link the school counts).
    ChildConsent {
        student_id: i64,
    },
}

/// The persona a request acts as, with what it may do, read fresh from the records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActivePersona {
    DistrictAdmin {
        district_id: i64,
        admin_id: i64,
    },
    Staff {
        school_id: i64,
        staff_id: i64,
        roles: Vec<StaffRole>,
    },
    Guardian {
        school_id: i64,
        guardian_id: i64,
    },
    Student {
        school_id: i64,
        student_id: i64,
    },
}

impl ActivePersona {
    pub fn actor(&self) -> Actor {
        let (kind, id) = match self {
            ActivePersona::DistrictAdmin { admin_id, .. } => (ActorKind::DistrictAdmin, *admin_id),
            ActivePersona::Staff { staff_id, .. } => (ActorKind::Staff, *staff_id),
            ActivePersona::Guardian { guardian_id, .. } => (ActorKind::Guardian, *guardian_id),
            ActivePersona::Student { student_id, .. } => (ActorKind::Student, *student_id),
        };
        Actor { kind, id: Some(id) }
    }

    pub fn school_id(&self) -> Option<i64> {
        match self {
            ActivePersona::DistrictAdmin { .. } => None,
            ActivePersona::Staff { school_id, .. }
            | ActivePersona::Guardian { school_id, .. }
            | ActivePersona::Student { school_id, .. } => Some(*school_id),
        }
    }
}

/// Permission to go on, with what the server function needs.
#[derive(Clone, Debug)]
pub struct Grant {
    pub state: AppState,
    pub session: Option<Session>,
    pub account: Option<Account>,
    pub persona: Option<ActivePersona>,
    /// Who the audit trail names.
    pub actor: Actor,
}

impl Grant {
    pub fn now(&self) -> i64 {
        self.state.clock.unix()
    }

    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, AppError> {
        Ok(self.state.db.pool().acquire().await?)
    }

    /// The session, for actions that need one (they were refused without).
    pub fn session(&self) -> Result<&Session, AppError> {
        self.session
            .as_ref()
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))
    }

    pub fn account(&self) -> Result<&Account, AppError> {
        self.account
            .as_ref()
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))
    }
}

/// What the request brings: its method, cookies and CSRF header.
#[derive(Clone, Debug, Default)]
pub struct RequestFacts {
    pub state_changing: bool,
    pub session_token: Option<String>,
    pub csrf_cookie: Option<String>,
    pub csrf_header: Option<String>,
}

impl RequestFacts {
    pub fn from_parts(parts: &http::request::Parts) -> RequestFacts {
        let cookies: Vec<&str> = parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let find = |name: &str| {
            cookies
                .iter()
                .find_map(|h| cookie_value(h, name))
                .map(str::to_string)
        };
        RequestFacts {
            state_changing: !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS),
            session_token: find(SESSION_COOKIE),
            csrf_cookie: find(CSRF_COOKIE),
            csrf_header: parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        }
    }
}

/// Authorizes the current server-function call or page render.
pub async fn authorize(action: Action) -> Result<Grant, AppError> {
    let state = use_app_state()?;
    let facts = leptos::prelude::use_context::<http::request::Parts>()
        .map(|parts| RequestFacts::from_parts(&parts))
        .unwrap_or_default();
    let result = authorize_with(&state, &facts, &action).await;
    if let Err(error) = &result {
        tracing::info!(action = ?action_name(&action), code = error.code.as_str(), "refused");
        set_response_status(error);
    }
    result
}

fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Public => "public",
        Action::OwnAccount => "own_account",
        Action::ChoosePersona(_) => "choose_persona",
        Action::StaffHome => "staff_home",
        Action::GuardianHome => "guardian_home",
        Action::StudentHome => "student_home",
        Action::DistrictHome => "district_home",
        Action::ReadClassList { .. } => "read_class_list",
        Action::ReadChild { .. } => "read_child",
        Action::ManageSchool { .. } => "manage_school",
        Action::IssueStudentLogin { .. } => "issue_student_login",
        Action::EditTimetable { .. } => "edit_timetable",
        Action::EditTimetableVersion { .. } => "edit_timetable_version",
        Action::ReadClassTimetable { .. } => "read_class_timetable",
        Action::ReadTeacherTimetable { .. } => "read_teacher_timetable",
        Action::ManageFeed { .. } => "manage_feed",
        Action::OwnNotices => "own_notices",
        Action::OwnTimetable => "own_timetable",
        Action::TakeRollCall { .. } => "take_roll_call",
        Action::RequestLeave { .. } => "request_leave",
        Action::ManageClassLeave { .. } => "manage_class_leave",
        Action::AnswerLeave { .. } => "answer_leave",
        Action::OwnInbox => "own_inbox",
        Action::DeskVerify => "desk_verify",
        Action::ClaimHandoff => "claim_handoff",
        Action::ReviewVerifications => "review_verifications",
        Action::ManageBridges => "manage_bridges",
        Action::ViewProgress { .. } => "view_progress",
        Action::VerificationFollowUp { .. } => "verification_follow_up",
        Action::PayNotices { .. } => "pay_notices",
        Action::ReadReceipt { .. } => "read_receipt",
        Action::ManageFees { .. } => "manage_fees",
        Action::SetFees { .. } => "set_fees",
        Action::ReadScoreSheet { .. } => "read_score_sheet",
        Action::EditScores { .. } => "edit_scores",
        Action::HomeroomEntry { .. } => "homeroom_entry",
        Action::ReadClassResults { .. } => "read_class_results",
        Action::ManageGrades => "manage_grades",
        Action::ManageRecords { .. } => "manage_records",
        Action::ManageDistrict => "manage_district",
        Action::TransferStudent { .. } => "transfer_student",
        Action::OwnFamilyData => "own_family_data",
        Action::ChildConsent { .. } => "child_consent",
    }
}

/// Server functions answer refusals with their status (401, 403, 404…), not a generic 500.
pub fn set_response_status(error: &AppError) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(error.http_status())
    {
        response.set_status(status);
    }
}

/// The decision itself, without Leptos context (so it can be tested and reused by plain handlers).
pub async fn authorize_with(
    state: &AppState,
    facts: &RequestFacts,
    action: &Action,
) -> Result<Grant, AppError> {
    let mut conn = state.db.pool().acquire().await?;
    let now = state.clock.unix();
    let session = match &facts.session_token {
        Some(token) => session::load(&mut conn, token, now, &state.settings.sessions).await?,
        None => None,
    };
    check_csrf(facts, session.as_ref())?;
    let account = match &session {
        Some(s) => accounts::load(&mut conn, s.account_id).await?,
        None => None,
    };
    let persona = match (&session, &account) {
        (Some(s), Some(a)) => match &s.persona {
            Some(p) => active_persona(&mut conn, a, p).await?,
            None => None,
        },
        _ => None,
    };
    decide(&mut conn, action, account.as_ref(), persona.as_ref()).await?;
    let actor = match (&persona, &account) {
        (Some(p), _) => p.actor(),
        (None, Some(a)) => Actor {
            kind: ActorKind::Account,
            id: Some(a.id),
        },
        (None, None) => Actor {
            kind: ActorKind::Anonymous,
            id: None,
        },
    };
    Ok(Grant {
        state: state.clone(),
        session,
        account,
        persona,
        actor,
    })
}

/// State-changing requests carry the CSRF token: the session's own when logged in, otherwise the
/// one in the `ts_csrf` cookie (double submit). Cross-site pages can read neither.
fn check_csrf(facts: &RequestFacts, session: Option<&Session>) -> Result<(), AppError> {
    if !facts.state_changing {
        return Ok(());
    }
    let expected = match session {
        Some(s) => Some(s.csrf_token.as_str()),
        None => facts.csrf_cookie.as_deref(),
    };
    match (expected, facts.csrf_header.as_deref()) {
        (Some(expected), Some(given))
            if constant_time_eq(expected.as_bytes(), given.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(AppError::new(ErrorCode::CsrfRejected)),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Re-checks that the persona in the session still belongs to the account and is active.
pub async fn active_persona(
    conn: &mut AnyConnection,
    account: &Account,
    wanted: &PersonaRef,
) -> Result<Option<ActivePersona>, sqlx::Error> {
    let choices = accounts::personas(conn, account).await?;
    let Some(choice) = choices.into_iter().find(|c| &c.persona == wanted) else {
        return Ok(None);
    };
    let p = choice.persona;
    Ok(Some(match (p.kind, p.school_id) {
        (super::PersonaKind::DistrictAdmin, _) => {
            let district_id: i64 =
                sqlx::query_scalar("SELECT district_id FROM district_admins WHERE id = $1")
                    .bind(p.record_id)
                    .fetch_one(conn)
                    .await?;
            ActivePersona::DistrictAdmin {
                district_id,
                admin_id: p.record_id,
            }
        }
        (super::PersonaKind::Staff, Some(school_id)) => ActivePersona::Staff {
            school_id,
            staff_id: p.record_id,
            roles: choice.roles,
        },
        (super::PersonaKind::Guardian, Some(school_id)) => ActivePersona::Guardian {
            school_id,
            guardian_id: p.record_id,
        },
        (super::PersonaKind::Student, Some(school_id)) => ActivePersona::Student {
            school_id,
            student_id: p.record_id,
        },
        _ => return Ok(None),
    }))
}

fn forbidden() -> AppError {
    AppError::new(ErrorCode::Forbidden)
}

/// Deny by default: each action lists who may do it.
async fn decide(
    conn: &mut AnyConnection,
    action: &Action,
    account: Option<&Account>,
    persona: Option<&ActivePersona>,
) -> Result<(), AppError> {
    if matches!(action, Action::Public) {
        return Ok(());
    }
    let Some(account) = account else {
        return Err(AppError::new(ErrorCode::Unauthenticated));
    };
    let allowed = match (action, persona) {
        (Action::Public, _) | (Action::OwnAccount, _) => true,
        (Action::ChoosePersona(wanted), _) => accounts::personas(conn, account)
            .await?
            .iter()
            .any(|c| &c.persona == wanted),
        (Action::StaffHome, Some(ActivePersona::Staff { .. }))
        | (Action::GuardianHome, Some(ActivePersona::Guardian { .. }))
        | (Action::StudentHome, Some(ActivePersona::Student { .. }))
        | (Action::DistrictHome, Some(ActivePersona::DistrictAdmin { .. })) => true,
        (Action::ReadClassList { class_id }, Some(p)) => may_read_class(conn, p, *class_id).await?,
        (Action::ReadChild { student_id }, Some(p)) => may_read_child(conn, p, *student_id).await?,
        (Action::ManageSchool { school_id }, Some(p)) => {
            is_school_admin(conn, p, *school_id).await?
        }
        (Action::IssueStudentLogin { student_id }, Some(p)) => {
            let school = school_of_student(conn, *student_id).await?;
            matches!(p, ActivePersona::Staff { school_id, roles, .. }
                if Some(*school_id) == school && roles.iter().any(|r| matches!(r, StaffRole::SchoolAdmin | StaffRole::Clerk)))
        }
        (Action::EditTimetable { school_id }, Some(p)) => may_edit_timetable(p, *school_id),
        (Action::EditTimetableVersion { timetable_id }, Some(p)) => {
            let school: Option<i64> =
                sqlx::query_scalar("SELECT school_id FROM timetables WHERE id = $1")
                    .bind(*timetable_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            school.is_some_and(|school| may_edit_timetable(p, school))
        }
        (Action::ReadClassTimetable { class_id }, Some(p)) => {
            may_read_class_timetable(conn, p, *class_id).await?
        }
        (Action::ReadTeacherTimetable { staff_id }, Some(p)) => {
            let school: Option<i64> =
                sqlx::query_scalar("SELECT school_id FROM staff WHERE id = $1")
                    .bind(*staff_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            match (school, p) {
                (Some(school), ActivePersona::Staff { school_id, .. }) => school == *school_id,
                (Some(school), ActivePersona::DistrictAdmin { district_id, .. }) => {
                    district_of_school(conn, school).await? == Some(*district_id)
                }
                _ => false,
            }
        }
        (Action::ManageFeed { feed_id }, _) => {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM timetable_feeds WHERE id = $1 AND account_id = $2",
            )
            .bind(*feed_id)
            .bind(account.id)
            .fetch_one(&mut *conn)
            .await?
                > 0
        }
        (Action::OwnNotices | Action::OwnTimetable, Some(p)) => {
            !matches!(p, ActivePersona::DistrictAdmin { .. })
        }
        (Action::TakeRollCall { class_id }, Some(p)) => {
            teaches_or_runs(conn, p, *class_id, false).await?
        }
        (Action::RequestLeave { student_id }, Some(p @ ActivePersona::Guardian { .. })) => {
            may_read_child(conn, p, *student_id).await?
        }
        (Action::ManageClassLeave { class_id }, Some(p)) => {
            teaches_or_runs(conn, p, *class_id, true).await?
        }
        (Action::AnswerLeave { leave_id }, Some(p)) => {
            let class: Option<i64> = sqlx::query_scalar(
                "SELECT e.class_id FROM leave_requests l JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL
                 WHERE l.id = $1",
            )
            .bind(*leave_id)
            .fetch_optional(&mut *conn)
            .await?;
            match class {
                Some(class_id) => teaches_or_runs(conn, p, class_id, true).await?,
                None => false,
            }
        }
        (Action::OwnInbox, Some(_)) => true,
        (Action::DeskVerify, Some(p)) | (Action::ReviewVerifications, Some(p)) => p
            .school_id()
            .is_some_and(|school| is_office_staff(p, school)),
        // Students cannot claim: only citizens (VNeID) acting for a school.
        (
            Action::ClaimHandoff,
            Some(ActivePersona::Guardian { .. } | ActivePersona::Staff { .. }),
        ) => account.pid_hash.is_some(),
        (Action::ManageBridges, Some(ActivePersona::Staff { roles, .. })) => {
            roles.contains(&StaffRole::SchoolAdmin)
        }
        (
            Action::ViewProgress {
                school_id: Some(school_id),
            },
            Some(p),
        ) => {
            is_office_staff(p, *school_id)
                || matches!(p, ActivePersona::DistrictAdmin { district_id, .. }
                    if district_of_school(conn, *school_id).await? == Some(*district_id))
        }
        (Action::ViewProgress { school_id: None }, Some(ActivePersona::DistrictAdmin { .. })) => {
            true
        }
        (
            Action::VerificationFollowUp {
                school_id,
                class_id,
            },
            Some(p),
        ) => {
            let class_here = match class_id {
                Some(class) => {
                    sqlx::query_scalar::<_, i64>("SELECT school_id FROM classes WHERE id = $1")
                        .bind(*class)
                        .fetch_optional(&mut *conn)
                        .await?
                        == Some(*school_id)
                }
                None => true,
            };
            class_here
                && (is_office_staff(p, *school_id)
                    || matches!(p, ActivePersona::DistrictAdmin { district_id, .. }
                        if district_of_school(conn, *school_id).await? == Some(*district_id))
                    || match class_id {
                        Some(class) => teaches(conn, p, *class, None).await?,
                        None => false,
                    })
        }
        (Action::PayNotices { notice_ids }, Some(p)) => {
            may_pay_notices(conn, p, notice_ids).await?
        }
        (Action::ReadReceipt { receipt_id }, Some(p)) => {
            may_read_receipt(conn, p, *receipt_id).await?
        }
        (Action::ManageFees { school_id }, Some(p)) => is_office_staff(p, *school_id),
        (
            Action::SetFees { school_id },
            Some(ActivePersona::Staff {
                school_id: own,
                roles,
                ..
            }),
        ) => own == school_id && roles.contains(&StaffRole::SchoolAdmin),
        (
            Action::ReadScoreSheet {
                class_id,
                subject_id,
            },
            Some(p),
        ) => {
            teaches(conn, p, *class_id, Some(*subject_id)).await?
                || teaches(conn, p, *class_id, None).await?
                || is_admin_of_class(conn, p, *class_id).await?
        }
        (
            Action::EditScores {
                class_id,
                subject_id,
            },
            Some(p),
        ) => teaches(conn, p, *class_id, Some(*subject_id)).await?,
        (Action::HomeroomEntry { class_id }, Some(p)) => teaches(conn, p, *class_id, None).await?,
        (Action::ReadClassResults { class_id }, Some(p)) => {
            teaches(conn, p, *class_id, None).await?
                || is_admin_of_class(conn, p, *class_id).await?
        }
        (Action::ManageGrades, Some(ActivePersona::Staff { roles, .. })) => {
            roles.contains(&StaffRole::SchoolAdmin)
        }
        (Action::ManageRecords { school_id }, Some(p)) => {
            may_manage_records(conn, p, *school_id).await?
        }
        (Action::ManageDistrict, Some(ActivePersona::DistrictAdmin { .. })) => true,
        (
            Action::TransferStudent {
                from_school,
                to_school,
            },
            Some(ActivePersona::DistrictAdmin { district_id, .. }),
        ) => {
            district_of_school(conn, *from_school).await? == Some(*district_id)
                && district_of_school(conn, *to_school).await? == Some(*district_id)
        }
        (Action::OwnFamilyData, Some(ActivePersona::Guardian { .. })) => true,
        (Action::ChildConsent { student_id }, Some(p @ ActivePersona::Guardian { .. })) => {
            may_read_child(conn, p, *student_id).await?
        }
        _ => false,
    };
    if allowed { Ok(()) } else { Err(forbidden()) }
}

/// Whether a persona of an account (e.g. the one that made a calendar feed) may still do
/// something: the persona is re-read from the records, as at every request.
pub async fn persona_may(
    conn: &mut AnyConnection,
    account_id: i64,
    persona: &PersonaRef,
    action: &Action,
) -> Result<bool, AppError> {
    let Some(account) = accounts::load(conn, account_id).await? else {
        return Ok(false);
    };
    let Some(active) = active_persona(conn, &account, persona).await? else {
        return Ok(false);
    };
    match decide(conn, action, Some(&account), Some(&active)).await {
        Ok(()) => Ok(true),
        Err(error) if error.code == ErrorCode::Forbidden => Ok(false),
        Err(error) => Err(error),
    }
}

/// Timetablers and school admins of the school.
fn may_edit_timetable(persona: &ActivePersona, school: i64) -> bool {
    matches!(persona, ActivePersona::Staff { school_id, roles, .. }
        if *school_id == school && roles.iter().any(|r| matches!(r, StaffRole::Timetabler | StaffRole::SchoolAdmin)))
}

/// The school's staff and district; a student enrolled in the class now; a guardian of one of
/// them whose link the school counts (as for [`may_read_child`]).
async fn may_read_class_timetable(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    class_id: i64,
) -> Result<bool, sqlx::Error> {
    let Some(class_school) =
        sqlx::query_scalar::<_, i64>("SELECT school_id FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(false);
    };
    Ok(match persona {
        ActivePersona::Staff { school_id, .. } => *school_id == class_school,
        ActivePersona::DistrictAdmin { district_id, .. } => {
            district_of_school(conn, class_school).await? == Some(*district_id)
        }
        ActivePersona::Student { school_id, student_id } => {
            *school_id == class_school
                && sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM class_enrollments
                     WHERE school_id = $1 AND class_id = $2 AND student_id = $3 AND left_on IS NULL",
                )
                .bind(class_school)
                .bind(class_id)
                .bind(*student_id)
                .fetch_one(conn)
                .await?
                    > 0
        }
        ActivePersona::Guardian { school_id, guardian_id } => {
            *school_id == class_school
                && sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM guardian_links l JOIN schools s ON s.id = l.school_id
                       JOIN class_enrollments e ON e.student_id = l.student_id AND e.left_on IS NULL
                     WHERE l.school_id = $1 AND l.guardian_id = $2 AND e.class_id = $3
                       AND (l.status = 'verified' OR (s.guardian_access = 'linked' AND l.status IN ('unverified', 'pending')))",
                )
                .bind(class_school)
                .bind(*guardian_id)
                .bind(class_id)
                .fetch_one(conn)
                .await?
                    > 0
        }
    })
}

/// A teacher of the class (only its homeroom teacher when `homeroom_only`), or an admin of its school.
async fn teaches_or_runs(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    class_id: i64,
    homeroom_only: bool,
) -> Result<bool, sqlx::Error> {
    if is_admin_of_class(conn, persona, class_id).await?
        || teaches(conn, persona, class_id, None).await?
    {
        return Ok(true);
    }
    // Subject 0 stands for any subject.
    Ok(!homeroom_only && teaches(conn, persona, class_id, Some(0)).await?)
}

/// The school's admins and clerks (the office).
fn is_office_staff(persona: &ActivePersona, school: i64) -> bool {
    matches!(persona, ActivePersona::Staff { school_id, roles, .. }
        if *school_id == school && roles.iter().any(|r| matches!(r, StaffRole::SchoolAdmin | StaffRole::Clerk)))
}

async fn school_of_student(
    conn: &mut AnyConnection,
    student_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT school_id FROM students WHERE id = $1")
        .bind(student_id)
        .fetch_optional(conn)
        .await
}

async fn district_of_school(
    conn: &mut AnyConnection,
    school_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT district_id FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_optional(conn)
        .await
}

async fn is_school_admin(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    school: i64,
) -> Result<bool, sqlx::Error> {
    Ok(match persona {
        ActivePersona::Staff {
            school_id, roles, ..
        } => *school_id == school && roles.contains(&StaffRole::SchoolAdmin),
        ActivePersona::DistrictAdmin { district_id, .. } => {
            district_of_school(conn, school).await? == Some(*district_id)
        }
        _ => false,
    })
}

/// The school's admins and clerks, and the admins of its district.
async fn may_manage_records(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    school: i64,
) -> Result<bool, sqlx::Error> {
    Ok(match persona {
        ActivePersona::Staff {
            school_id, roles, ..
        } => {
            *school_id == school
                && roles
                    .iter()
                    .any(|r| matches!(r, StaffRole::SchoolAdmin | StaffRole::Clerk))
        }
        ActivePersona::DistrictAdmin { district_id, .. } => {
            district_of_school(conn, school).await? == Some(*district_id)
        }
        _ => false,
    })
}

/// School admins and clerks of the class's school, its teachers (subject or homeroom), and the
/// district's admins.
async fn may_read_class(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    class_id: i64,
) -> Result<bool, sqlx::Error> {
    let Some(class_school) =
        sqlx::query_scalar::<_, i64>("SELECT school_id FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(false);
    };
    Ok(match persona {
        ActivePersona::Staff { school_id, staff_id, roles } if *school_id == class_school => {
            roles.iter().any(|r| matches!(r, StaffRole::SchoolAdmin | StaffRole::Clerk))
                || sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM teaching_assignments WHERE school_id = $1 AND class_id = $2 AND staff_id = $3",
                )
                .bind(class_school)
                .bind(class_id)
                .bind(*staff_id)
                .fetch_one(conn)
                .await?
                    > 0
        }
        ActivePersona::DistrictAdmin { district_id, .. } => district_of_school(conn, class_school).await? == Some(*district_id),
        _ => false,
    })
}

/// A guardian may pay notices of children they may read (every one of them, all in their school).
async fn may_pay_notices(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    notice_ids: &[i64],
) -> Result<bool, sqlx::Error> {
    let ActivePersona::Guardian { school_id, .. } = persona else {
        return Ok(false);
    };
    if notice_ids.is_empty() || notice_ids.len() > 20 {
        return Ok(false);
    }
    for notice in notice_ids {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT school_id, student_id FROM fee_notices WHERE id = $1")
                .bind(*notice)
                .fetch_optional(&mut *conn)
                .await?;
        match row {
            Some((school, student))
                if school == *school_id && may_read_child(conn, persona, student).await? => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

/// A receipt: a guardian who may read a child it names; the school's fee office; the district.
async fn may_read_receipt(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    receipt_id: i64,
) -> Result<bool, sqlx::Error> {
    let Some(school) =
        sqlx::query_scalar::<_, i64>("SELECT school_id FROM fee_receipts WHERE id = $1")
            .bind(receipt_id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(false);
    };
    Ok(match persona {
        ActivePersona::Guardian { school_id, .. } if *school_id == school => {
            let students: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT student_id FROM fee_receipt_lines WHERE receipt_id = $1",
            )
            .bind(receipt_id)
            .fetch_all(&mut *conn)
            .await?;
            let mut any = false;
            for student in students {
                if may_read_child(conn, persona, student).await? {
                    any = true;
                    break;
                }
            }
            any
        }
        ActivePersona::Staff { .. } => is_office_staff(persona, school),
        ActivePersona::DistrictAdmin { district_id, .. } => {
            district_of_school(conn, school).await? == Some(*district_id)
        }
        _ => false,
    })
}

/// A staff member's assignment to a class: teaching `subject_id`, or its homeroom when `None`.
async fn teaches(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    class_id: i64,
    subject_id: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let ActivePersona::Staff {
        school_id,
        staff_id,
        ..
    } = persona
    else {
        return Ok(false);
    };
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM teaching_assignments WHERE school_id = $1 AND class_id = $2 AND staff_id = $3
           AND kind = $4 AND ($5 = 0 OR subject_id = $5)",
    )
    .bind(*school_id)
    .bind(class_id)
    .bind(*staff_id)
    .bind(if subject_id.is_some() { "subject" } else { "homeroom" })
    .bind(subject_id.unwrap_or(0))
    .fetch_one(conn)
    .await?;
    Ok(count > 0)
}

/// The school admin of the class's school.
async fn is_admin_of_class(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    class_id: i64,
) -> Result<bool, sqlx::Error> {
    let ActivePersona::Staff {
        school_id, roles, ..
    } = persona
    else {
        return Ok(false);
    };
    if !roles.contains(&StaffRole::SchoolAdmin) {
        return Ok(false);
    }
    let class_school: Option<i64> =
        sqlx::query_scalar("SELECT school_id FROM classes WHERE id = $1")
            .bind(class_id)
            .fetch_optional(conn)
            .await?;
    Ok(class_school == Some(*school_id))
}

/// A guardian through a link the school counts (verified; or any link where the school allows
/// it), or the student themselves.
async fn may_read_child(
    conn: &mut AnyConnection,
    persona: &ActivePersona,
    student_id: i64,
) -> Result<bool, sqlx::Error> {
    Ok(match persona {
        ActivePersona::Student { student_id: own, .. } => *own == student_id,
        ActivePersona::Guardian { school_id, guardian_id } => {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM guardian_links l JOIN schools s ON s.id = l.school_id
                 WHERE l.school_id = $1 AND l.guardian_id = $2 AND l.student_id = $3
                   AND (l.status = 'verified' OR (s.guardian_access = 'linked' AND l.status IN ('unverified', 'pending')))",
            )
            .bind(*school_id)
            .bind(*guardian_id)
            .bind(student_id)
            .fetch_one(conn)
            .await?
                > 0
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(state_changing: bool, cookie: Option<&str>, header: Option<&str>) -> RequestFacts {
        RequestFacts {
            state_changing,
            session_token: None,
            csrf_cookie: cookie.map(str::to_string),
            csrf_header: header.map(str::to_string),
        }
    }

    #[test]
    fn reads_need_no_csrf_token_but_changes_do() {
        assert!(check_csrf(&facts(false, None, None), None).is_ok());
        assert!(check_csrf(&facts(true, None, None), None).is_err());
        assert!(check_csrf(&facts(true, Some("a"), None), None).is_err());
        assert!(check_csrf(&facts(true, Some("a"), Some("b")), None).is_err());
        assert!(check_csrf(&facts(true, Some("a"), Some("a")), None).is_ok());
    }

    #[test]
    fn a_session_checks_its_own_token_not_the_cookie() {
        let session = Session {
            id: 1,
            account_id: 1,
            csrf_token: "session-token".into(),
            auth_method: "vneid".into(),
            persona: None,
            created_at: 0,
            last_seen_at: 0,
        };
        // An attacker who can plant a cookie still cannot match the session's token.
        assert!(
            check_csrf(
                &facts(true, Some("planted"), Some("planted")),
                Some(&session)
            )
            .is_err()
        );
        assert!(
            check_csrf(
                &facts(true, Some("x"), Some("session-token")),
                Some(&session)
            )
            .is_ok()
        );
    }
}
