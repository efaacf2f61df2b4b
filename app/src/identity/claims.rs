//! What the identity provider says about a citizen, read through configurable claim names.
//! VNeID's names are the defaults; another known set is `citizenPid`, `fullName`, `birthDate`,
//! `accountLevel`. Pure: the same mapping is unit-tested without a provider.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::{Date, Month};

use crate::platform::personal_id::PersonalId;

/// Where each fact is found in the ID token or userinfo response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClaimNames {
    pub personal_id: String,
    pub full_name: String,
    pub birth_date: String,
    /// The account level (VNeID level 1 or 2). Deployments differ (`loAs`, `IAL`,
    /// `accountLevel`, `acr`); the value's first number is taken as the level.
    pub assurance_level: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            personal_id: "SoDinhDanh".into(),
            full_name: "HoVaTen".into(),
            birth_date: "NgayThangNamSinh".into(),
            assurance_level: "loAs".into(),
        }
    }
}

/// A citizen as the provider vouches for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitizenClaims {
    pub personal_id: PersonalId,
    pub full_name: Option<String>,
    pub birth_date: Option<Date>,
    pub assurance_level: Option<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClaimError {
    #[error("the provider sent no valid personal ID number")]
    MissingPersonalId,
}

/// Reads the claims from the merged ID-token and userinfo claims (userinfo wins).
pub fn read_claims(
    names: &ClaimNames,
    claims: &serde_json::Map<String, Value>,
) -> Result<CitizenClaims, ClaimError> {
    let text = |name: &str| -> Option<String> {
        match claims.get(name)? {
            Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let personal_id = text(&names.personal_id)
        .and_then(|s| PersonalId::parse(&s).ok())
        .ok_or(ClaimError::MissingPersonalId)?;
    Ok(CitizenClaims {
        personal_id,
        full_name: text(&names.full_name).map(|n| crate::platform::collation::normalize_name(&n)),
        birth_date: text(&names.birth_date).and_then(|d| parse_birth_date(&d)),
        assurance_level: text(&names.assurance_level).and_then(|l| parse_level(&l)),
    })
}

/// VNeID sends `YYYYMMDD`; ISO and dd/mm/yyyy are accepted too.
pub fn parse_birth_date(text: &str) -> Option<Date> {
    let t = text.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        let year: i32 = t[0..4].parse().ok()?;
        let month: u8 = t[4..6].parse().ok()?;
        let day: u8 = t[6..8].parse().ok()?;
        return Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok();
    }
    crate::platform::format::parse_iso_date(t).or_else(|| crate::platform::format::parse_date(t))
}

/// "2", "LoA2", "IAL2", "loa-2" → 2.
pub fn parse_level(text: &str) -> Option<u8> {
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// The path to return to after login: only a path on this site, never another host.
pub fn safe_return_path(requested: Option<&str>) -> String {
    let Some(path) = requested.map(str::trim) else {
        return "/".into();
    };
    let acceptable = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.contains(['\\', '\r', '\n', '\t'])
        && !path.contains("://")
        && path.len() <= 512;
    if acceptable {
        path.to_string()
    } else {
        "/".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::date;

    fn map(value: Value) -> serde_json::Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn vneid_claims_are_read_by_default() {
        let claims = read_claims(
            &ClaimNames::default(),
            &map(
                json!({"sub": "x", "SoDinhDanh": "079185000005", "HoVaTen": "Nguyễn  Thị Lan",
                        "NgayThangNamSinh": "19850930", "loAs": "2"}),
            ),
        )
        .unwrap();
        assert_eq!(claims.personal_id.expose(), "079185000005");
        assert_eq!(claims.full_name.as_deref(), Some("Nguyễn Thị Lan"));
        assert_eq!(claims.birth_date, Some(date!(1985 - 09 - 30)));
        assert_eq!(claims.assurance_level, Some(2));
    }

    #[test]
    fn the_other_known_claim_set_is_configurable() {
        let names = ClaimNames {
            personal_id: "citizenPid".into(),
            full_name: "fullName".into(),
            birth_date: "birthDate".into(),
            assurance_level: "accountLevel".into(),
        };
        let claims = read_claims(
            &names,
            &map(json!({"citizenPid": 79185000005u64, "accountLevel": 1})),
        )
        .unwrap_err();
        assert_eq!(
            claims,
            ClaimError::MissingPersonalId,
            "11 digits as a number is not a 12-digit ID"
        );
        let claims = read_claims(
            &names,
            &map(
                json!({"citizenPid": "079185000005", "accountLevel": 1, "birthDate": "1985-09-30"}),
            ),
        )
        .unwrap();
        assert_eq!(claims.assurance_level, Some(1));
        assert_eq!(claims.birth_date, Some(date!(1985 - 09 - 30)));
    }

    #[test]
    fn a_missing_or_malformed_id_is_refused() {
        assert!(read_claims(&ClaimNames::default(), &map(json!({"HoVaTen": "A"}))).is_err());
        assert!(
            read_claims(
                &ClaimNames::default(),
                &map(json!({"SoDinhDanh": "07918500000X"}))
            )
            .is_err()
        );
    }

    #[test]
    fn levels_are_read_from_their_many_spellings() {
        for (text, level) in [
            ("2", Some(2)),
            ("LoA2", Some(2)),
            ("IAL1", Some(1)),
            ("loa-2", Some(2)),
            ("high", None),
        ] {
            assert_eq!(parse_level(text), level, "{text}");
        }
    }

    #[test]
    fn return_paths_never_leave_the_site() {
        assert_eq!(
            safe_return_path(Some("/guardian?tab=fees")),
            "/guardian?tab=fees"
        );
        for evil in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/a\r\nLocation: x",
            "javascript:alert(1)",
            "/redirect?to=https://evil",
        ] {
            assert_eq!(safe_return_path(Some(evil)), "/", "{evil}");
        }
        assert_eq!(safe_return_path(None), "/");
    }
}
