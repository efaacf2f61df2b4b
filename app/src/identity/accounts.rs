//! Login accounts and the personas they can act as. A citizen's account is found by the keyed
//! hash of their personal ID number and linked, through the same hash, to every staff, guardian,
//! student and district-admin record of the district. No record is created by a login.

use rand::RngCore;
use sqlx::{AnyConnection, Row};

use super::claims::CitizenClaims;
use super::{PersonaChoice, PersonaKind, PersonaRef};
use crate::people::StaffRole;
use crate::people::store::{PidMatch, find_by_pid_hash};
use crate::platform::collation::fold_for_search;
use crate::platform::format::iso_date;

fn new_user_handle() -> Vec<u8> {
    let mut handle = vec![0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut handle);
    handle
}

/// The account of a citizen, made on their first login (the records must already exist).
pub async fn upsert_citizen(
    conn: &mut AnyConnection,
    pid_hash: &[u8],
    display_name: &str,
    assurance_level: Option<u8>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO accounts (kind, pid_hash, display_name, user_handle, assurance_level, created_at)
         VALUES ('citizen', $1, $2, $3, $4, $5)
         ON CONFLICT (pid_hash) DO UPDATE SET display_name = excluded.display_name,
                                              assurance_level = excluded.assurance_level
         RETURNING id",
    )
    .bind(pid_hash.to_vec())
    .bind(display_name)
    .bind(new_user_handle())
    .bind(assurance_level.map(i64::from))
    .bind(now)
    .fetch_one(conn)
    .await
}

/// What a session needs to know about its account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub kind: String,
    pub display_name: String,
    pub pid_hash: Option<Vec<u8>>,
    pub student_id: Option<i64>,
    pub school_id: Option<i64>,
    pub assurance_level: Option<i64>,
    pub user_handle: Vec<u8>,
}

pub async fn load(
    conn: &mut AnyConnection,
    account_id: i64,
) -> Result<Option<Account>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, kind, display_name, pid_hash, student_id, school_id, assurance_level, user_handle
         FROM accounts WHERE id = $1 AND status = 'active'",
    )
    .bind(account_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok(Account {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            display_name: r.try_get("display_name")?,
            pid_hash: r.try_get("pid_hash")?,
            student_id: r.try_get("student_id")?,
            school_id: r.try_get("school_id")?,
            assurance_level: r.try_get("assurance_level")?,
            user_handle: r.try_get("user_handle")?,
        })
    })
    .transpose()
}

/// Every persona the account may act as now (records still active, schools still active).
pub async fn personas(
    conn: &mut AnyConnection,
    account: &Account,
) -> Result<Vec<PersonaChoice>, sqlx::Error> {
    let matches = match (&account.pid_hash, account.student_id, account.school_id) {
        (Some(hash), _, _) => find_by_pid_hash(conn, hash).await?,
        (None, Some(student), Some(school)) => vec![PidMatch {
            kind: "student",
            school_id: Some(school),
            id: student,
        }],
        _ => Vec::new(),
    };
    let mut choices = Vec::new();
    for found in matches {
        if let Some(choice) = persona_choice(conn, &found).await? {
            choices.push(choice);
        }
    }
    choices.sort_by(|a, b| (a.persona.kind as u8, &a.place).cmp(&(b.persona.kind as u8, &b.place)));
    Ok(choices)
}

/// The persona a record gives, if the record and its school are active.
async fn persona_choice(
    conn: &mut AnyConnection,
    found: &PidMatch,
) -> Result<Option<PersonaChoice>, sqlx::Error> {
    let (kind, sql) = match found.kind {
        "staff" => (
            PersonaKind::Staff,
            "SELECT sc.name FROM staff p JOIN schools sc ON sc.id = p.school_id
             WHERE p.id = $1 AND p.status = 'active' AND sc.status = 'active'",
        ),
        "guardian" => (
            PersonaKind::Guardian,
            "SELECT sc.name FROM guardians p JOIN schools sc ON sc.id = p.school_id
             WHERE p.id = $1 AND sc.status = 'active'",
        ),
        "student" => (
            PersonaKind::Student,
            "SELECT sc.name FROM students p JOIN schools sc ON sc.id = p.school_id
             WHERE p.id = $1 AND p.status IN ('studying', 'transferred_in') AND sc.status = 'active'",
        ),
        _ => (
            PersonaKind::DistrictAdmin,
            "SELECT d.name FROM district_admins p JOIN districts d ON d.id = p.district_id
             WHERE p.id = $1 AND p.status = 'active'",
        ),
    };
    let Some(place) = sqlx::query_scalar::<_, String>(sql)
        .bind(found.id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let roles = if kind == PersonaKind::Staff {
        staff_roles(conn, found.id).await?
    } else {
        Vec::new()
    };
    if kind == PersonaKind::Staff && roles.is_empty() {
        return Ok(None);
    }
    Ok(Some(PersonaChoice {
        persona: PersonaRef {
            kind,
            school_id: found.school_id,
            record_id: found.id,
        },
        place,
        roles,
    }))
}

pub async fn staff_roles(
    conn: &mut AnyConnection,
    staff_id: i64,
) -> Result<Vec<StaffRole>, sqlx::Error> {
    let codes: Vec<String> =
        sqlx::query_scalar("SELECT role FROM staff_roles WHERE staff_id = $1 ORDER BY role")
            .bind(staff_id)
            .fetch_all(conn)
            .await?;
    Ok(codes
        .iter()
        .filter_map(|c| StaffRole::from_code(c))
        .collect())
}

/// Records whose name or date of birth differ from what VNeID says are flagged for the school
/// (the match by ID number still stands).
pub async fn flag_mismatches(
    conn: &mut AnyConnection,
    matches: &[PidMatch],
    claims: &CitizenClaims,
    now: i64,
) -> Result<usize, sqlx::Error> {
    let mut flagged = 0;
    for found in matches {
        let table = match found.kind {
            "staff" => "staff",
            "guardian" => "guardians",
            "student" => "students",
            _ => continue,
        };
        let Some(school_id) = found.school_id else {
            continue;
        };
        let row = sqlx::query(&format!(
            "SELECT family_name, middle_name, given_name, date_of_birth FROM {table} WHERE id = $1"
        ))
        .bind(found.id)
        .fetch_one(&mut *conn)
        .await?;
        let recorded_name = [
            row.try_get::<String, _>("family_name")?,
            row.try_get::<String, _>("middle_name")?,
            row.try_get::<String, _>("given_name")?,
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        let recorded_birth: Option<String> = row.try_get("date_of_birth")?;
        let mut differences = Vec::new();
        if let Some(name) = &claims.full_name
            && fold_for_search(name) != fold_for_search(&recorded_name)
        {
            differences.push(("full_name", recorded_name.clone(), name.clone()));
        }
        if let (Some(birth), Some(recorded)) = (claims.birth_date, &recorded_birth)
            && iso_date(birth) != *recorded
        {
            differences.push(("date_of_birth", recorded.clone(), iso_date(birth)));
        }
        for (field, school_value, vneid_value) in differences {
            let inserted = sqlx::query(
                "INSERT INTO identity_mismatches (school_id, record_kind, record_id, field, school_value, vneid_value, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(school_id)
            .bind(found.kind)
            .bind(found.id)
            .bind(field)
            .bind(school_value)
            .bind(vneid_value)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            flagged += inserted.rows_affected() as usize;
        }
    }
    Ok(flagged)
}
