//! Records of the district's schools and their people: schools, classes, students, staff,
//! guardians. This module holds the shared model and naming rules; queries are in `store`.

pub mod api;
pub mod names;
pub mod screens;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::platform::personal_id::Sex;
pub use names::FullName;

/// A school as listed publicly (no personal data).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolSummary {
    pub id: i64,
    pub moet_code: String,
    pub name: String,
    pub class_count: i64,
    pub student_count: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Relation {
    Father,
    Mother,
    Guardian,
}

impl Relation {
    pub fn code(self) -> &'static str {
        match self {
            Relation::Father => "father",
            Relation::Mother => "mother",
            Relation::Guardian => "guardian",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StaffRole {
    SchoolAdmin,
    Clerk,
    Teacher,
    Timetabler,
}

impl StaffRole {
    pub fn code(self) -> &'static str {
        match self {
            StaffRole::SchoolAdmin => "school_admin",
            StaffRole::Clerk => "clerk",
            StaffRole::Teacher => "teacher",
            StaffRole::Timetabler => "timetabler",
        }
    }

    pub fn from_code(code: &str) -> Option<StaffRole> {
        match code {
            "school_admin" => Some(StaffRole::SchoolAdmin),
            "clerk" => Some(StaffRole::Clerk),
            "teacher" => Some(StaffRole::Teacher),
            "timetabler" => Some(StaffRole::Timetabler),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Assessment {
    /// Comment plus a score on the 10-point scale.
    Scored,
    /// Đạt / Chưa đạt only.
    Comment,
}

impl Assessment {
    pub fn code(self) -> &'static str {
        match self {
            Assessment::Scored => "scored",
            Assessment::Comment => "comment",
        }
    }
}

/// One line of a class list, in class-list order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassListEntry {
    pub student_id: i64,
    pub moet_code: Option<String>,
    pub name: FullName,
    /// ISO date.
    pub date_of_birth: String,
    pub sex: Sex,
}

/// A class a staff member works with, for their start screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffClass {
    pub class_id: i64,
    pub class_name: String,
    pub grade: i64,
    /// Subject names (Vietnamese) taught there; empty for a class seen as admin or clerk.
    pub subjects: Vec<String>,
    pub homeroom: bool,
}

/// A child as their guardian's start screen lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChildSummary {
    pub student_id: i64,
    pub name: FullName,
    pub class_name: Option<String>,
    pub relation: String,
    /// `verified`, or the status that keeps the child's data hidden for now.
    pub link_status: String,
    /// Whether the school lets this guardian see the child's data.
    pub visible: bool,
}

/// Sorts a class list the Vietnamese way: given name, then middle, then family name.
pub fn sort_class_list(entries: &mut [ClassListEntry]) {
    entries.sort_by_cached_key(|e| e.name.class_list_key());
}
