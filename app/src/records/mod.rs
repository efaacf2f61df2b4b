//! Records: finding, viewing, adding, editing and archiving a school's people; life events and the
//! year rollover; the ministry's Excel files in and out; the commune police's confirmation of
//! identity data; and each family's own data (download, consents, correction requests), with the
//! retention job that erases leavers' personal data after a configurable period.
//!
//! `rules` is pure (header matching, row checks, import plans); `store` holds the queries; `api`
//! the server functions; `routes` the plain endpoints for file uploads and downloads (server
//! functions carry small bodies, and a 10 MB workbook needs a raw, size-limited body).

pub mod api;
pub mod rules;
pub mod screens;

#[cfg(feature = "ssr")]
pub mod retention;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod xlsx;

use serde::{Deserialize, Serialize};

use crate::people::FullName;
use rules::{Change, RowError};

/// Dates of school life are Vietnam's (UTC+7), whatever the server's clock zone.
#[cfg(feature = "ssr")]
pub fn local_date(unix: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(unix + 7 * 3600)
        .map(|t| t.date())
        .unwrap_or(time::Date::MIN)
}

/// The largest file an import accepts.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// One line of a search result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSummary {
    pub id: i64,
    pub name: FullName,
    /// The class (students), position (staff) or children's classes (guardians).
    pub detail: String,
    pub moet_code: Option<String>,
    /// "••••••••1234"; never the whole number.
    pub masked_id: Option<String>,
    pub status: String,
    pub archived: bool,
}

/// A guardian as a student's record shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedGuardian {
    pub guardian_id: i64,
    pub relation: String,
    pub name: FullName,
    pub phone: Option<String>,
    pub masked_id: Option<String>,
    pub link_status: String,
}

/// One class a student was in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentView {
    pub class_name: String,
    pub year_name: String,
    pub enrolled_on: String,
    pub left_on: Option<String>,
}

/// A student's record for the office.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentDetail {
    pub id: i64,
    pub school_id: i64,
    pub moet_code: Option<String>,
    pub name: FullName,
    /// ISO date.
    pub date_of_birth: String,
    pub sex: String,
    pub ethnicity: Option<String>,
    pub status: String,
    pub masked_id: Option<String>,
    pub class_id: Option<i64>,
    pub class_name: Option<String>,
    pub archived: bool,
    pub police_status: Option<String>,
    pub guardians: Vec<LinkedGuardian>,
    pub history: Vec<EnrollmentView>,
}

/// What the add/edit form sends (dates as dd/mm/yyyy, as typed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentForm {
    pub id: Option<i64>,
    pub full_name: String,
    pub date_of_birth: String,
    /// "M" or "F".
    pub sex: String,
    pub moet_code: String,
    /// Empty keeps the stored number.
    pub personal_id: String,
    pub ethnicity: String,
    pub class_id: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffForm {
    pub id: Option<i64>,
    pub full_name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub personal_id: String,
    pub phone: String,
    pub email: String,
    pub position: String,
    /// Role codes (school_admin, clerk, teacher, timetabler). An empty list is absent from a
    /// URL-encoded form, so a missing one means none.
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianForm {
    pub student_id: i64,
    pub guardian_id: Option<i64>,
    /// father, mother or guardian.
    pub relation: String,
    pub full_name: String,
    pub personal_id: String,
    pub phone: String,
    pub occupation: String,
}

/// A class of the current year with its size and teachers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassInfo {
    pub id: i64,
    pub name: String,
    pub grade: i64,
    pub students: i64,
    pub homeroom: Option<String>,
    pub assignments: Vec<AssignmentView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentView {
    pub id: i64,
    pub subject: Option<String>,
    pub teacher: String,
    pub needs_review: bool,
}

/// The school's classes and what the class screens offer to choose from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolClasses {
    pub year_name: Option<String>,
    pub classes: Vec<ClassInfo>,
    pub subjects: Vec<(i64, String)>,
    pub teachers: Vec<(i64, String)>,
}

/// What a year rollover does (or did).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloverSummary {
    pub new_year: String,
    pub classes_created: usize,
    pub students_moved_up: usize,
    pub graduates_archived: usize,
    pub assignments_copied: usize,
    pub applied: bool,
}

/// A row the import would change, and what in it (values stay on the server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowChange {
    pub row: u32,
    pub name: String,
    pub changes: Vec<Change>,
}

/// The preview (or result) of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub kind: String,
    pub rows: usize,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub errors: Vec<RowError>,
    pub additions: Vec<RowChange>,
    pub changes: Vec<RowChange>,
    pub applied: bool,
}

/// What a returned police file did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliceReport {
    pub rows: usize,
    pub confirmed: usize,
    pub corrected: usize,
    pub not_found: usize,
    pub errors: Vec<RowError>,
    pub applied: bool,
}

/// A police correction waiting for the school.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoliceCorrectionView {
    pub id: i64,
    pub student_id: i64,
    pub current_name: String,
    pub full_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub sex: Option<String>,
    /// The corrected number, masked.
    pub masked_id: Option<String>,
}

/// A family's request to correct something, as the clerk sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionRequestView {
    pub id: i64,
    pub guardian_name: String,
    pub student_id: Option<i64>,
    pub student_name: Option<String>,
    pub field: String,
    pub requested: String,
    pub status: String,
    pub created_at: i64,
}

/// The purposes a family can consent to, each with its versioned text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Purpose {
    SchoolPhotos,
    ClassContacts,
    HealthRecords,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [
        Purpose::SchoolPhotos,
        Purpose::ClassContacts,
        Purpose::HealthRecords,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Purpose::SchoolPhotos => "school_photos",
            Purpose::ClassContacts => "class_contacts",
            Purpose::HealthRecords => "health_records",
        }
    }

    pub fn from_code(code: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The current version of the text a guardian agrees to; a new wording gets a new version.
    pub fn version(self) -> i64 {
        1
    }

    pub fn text_vi(self) -> &'static str {
        match self {
            Purpose::SchoolPhotos => {
                "Tôi đồng ý để nhà trường đăng ảnh của con tôi trong các hoạt động của trường trên trang thông tin và bản tin của trường."
            }
            Purpose::ClassContacts => {
                "Tôi đồng ý để số điện thoại của tôi được chia sẻ với phụ huynh khác trong danh bạ lớp của con."
            }
            Purpose::HealthRecords => {
                "Tôi đồng ý để y tế trường lưu và dùng thông tin sức khoẻ của con tôi cho việc chăm sóc sức khoẻ học đường."
            }
        }
    }

    pub fn text_en(self) -> &'static str {
        match self {
            Purpose::SchoolPhotos => {
                "I agree that the school may publish photos of my child taken at school activities on its website and newsletter."
            }
            Purpose::ClassContacts => {
                "I agree that my phone number may be shared with other parents in my child's class contact list."
            }
            Purpose::HealthRecords => {
                "I agree that the school nurse may keep and use my child's health information for school health care."
            }
        }
    }
}

/// One consent as the family sees it: the current state and the text agreed to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub student_id: i64,
    pub purpose: String,
    pub given: bool,
    pub text_vi: String,
    pub text_en: String,
    pub text_version: i64,
    pub given_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

/// A person's own details as a family's download shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonData {
    pub name: String,
    pub date_of_birth: Option<String>,
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub occupation: Option<String>,
    pub moet_code: Option<String>,
    pub masked_id: Option<String>,
    pub class_name: Option<String>,
    pub status: Option<String>,
    pub relation: Option<String>,
    pub student_id: Option<i64>,
}

/// One read or change of the family's data, from the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    pub at: i64,
    /// "Đinh Thị Thu (staff)", "system", …
    pub who: String,
    pub action: String,
    pub what: String,
}

/// Everything the school holds about a guardian and their children (Law 91/2025).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyData {
    pub school_name: String,
    pub guardian: PersonData,
    pub children: Vec<PersonData>,
    pub consents: Vec<ConsentView>,
    pub requests: Vec<CorrectionRequestView>,
    pub access: Vec<AccessEntry>,
    pub generated_at: i64,
}
