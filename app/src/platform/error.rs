//! Errors that reach a user: a stable code (the wire format and the key of its translation)
//! and, when useful, which field was wrong. Every module keeps its own `thiserror` enum and
//! converts into [`AppError`] at the edge of a server function.

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Translate};

macro_rules! error_codes {
    ($($variant:ident = $code:literal => ($vi:expr, $en:expr)),* $(,)?) => {
        /// Stable error codes. The string form is part of the API: never rename one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ErrorCode {
            $(#[serde(rename = $code)] $variant),*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),* }
            }

            pub fn from_code(code: &str) -> Option<ErrorCode> {
                match code { $($code => Some(ErrorCode::$variant),)* _ => None }
            }
        }

        impl Translate for ErrorCode {
            fn text(&self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (ErrorCode::$variant, Lang::Vi) => $vi,
                        (ErrorCode::$variant, Lang::En) => $en,
                    )*
                }
            }
        }
    };
}

error_codes! {
    NotFound = "not_found" => ("Không tìm thấy dữ liệu yêu cầu.", "The requested record was not found."),
    Unauthenticated = "unauthenticated" => ("Bạn cần đăng nhập để tiếp tục.", "Please log in to continue."),
    Forbidden = "forbidden" => ("Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."),
    CsrfRejected = "csrf_rejected" => (
        "Yêu cầu không hợp lệ (thiếu mã bảo vệ). Hãy tải lại trang rồi thử lại.",
        "The request was refused (missing protection token). Reload the page and try again."
    ),
    TooManyAttempts = "too_many_attempts" => (
        "Bạn đã thử quá nhiều lần. Vui lòng đợi vài phút rồi thử lại.",
        "Too many attempts. Please wait a few minutes and try again."
    ),
    LoginStateInvalid = "login_state_invalid" => (
        "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Hãy đăng nhập lại.",
        "This login has expired or is not valid. Please log in again."
    ),
    LoginProviderUnavailable = "login_provider_unavailable" => (
        "Không kết nối được với VNeID. Vui lòng thử lại sau.",
        "VNeID cannot be reached. Please try again later."
    ),
    LoginRefused = "login_refused" => (
        "Đăng nhập không thành công: thông tin xác thực từ VNeID không hợp lệ.",
        "Login failed: the answer from VNeID could not be verified."
    ),
    LoginClaimsMissing = "login_claims_missing" => (
        "VNeID không gửi số định danh cá nhân, nên không thể đăng nhập.",
        "VNeID did not send a personal ID number, so you cannot be logged in."
    ),
    LoginLevelTooLow = "login_level_too_low" => (
        "Nhà trường yêu cầu tài khoản định danh điện tử mức độ 2. Hãy nâng cấp tài khoản VNeID rồi đăng nhập lại.",
        "The school requires a level-2 electronic identity account. Upgrade your VNeID account and log in again."
    ),
    LoginUnknownPerson = "login_unknown_person" => (
        "Chưa tìm thấy bạn trong hồ sơ của nhà trường. Vui lòng liên hệ văn phòng trường để được cập nhật.",
        "You are not in the school's records yet. Please contact the school office to be added."
    ),
    PasskeyExpired = "passkey_expired" => (
        "Phiên đăng nhập bằng khoá truy cập đã hết hạn. Hãy thử lại.",
        "The passkey request has expired. Please try again."
    ),
    PasskeyCancelled = "passkey_cancelled" => (
        "Chưa dùng được khoá truy cập: thao tác đã bị huỷ hoặc thiết bị không hỗ trợ.",
        "The passkey was not used: it was cancelled, or this device does not support passkeys."
    ),
    PasskeyRefused = "passkey_refused" => (
        "Khoá truy cập này không được chấp nhận (có thể đã bị xoá). Hãy đăng nhập bằng VNeID.",
        "This passkey was not accepted (it may have been removed). Please log in with VNeID."
    ),
    StudentLoginRefused = "student_login_refused" => (
        "Tên đăng nhập, mã kích hoạt hoặc mật khẩu không đúng.",
        "The username, activation code or password is not right."
    ),
    PasswordTooShort = "password_too_short" => (
        "Mật khẩu cần ít nhất 8 ký tự.",
        "The password needs at least 8 characters."
    ),
    InvalidInput = "invalid_input" => ("Dữ liệu nhập chưa hợp lệ.", "The data entered is not valid."),
    InvalidPersonalId = "invalid_personal_id" => (
        "Số định danh cá nhân phải gồm đúng 12 chữ số.",
        "A personal ID number must be exactly 12 digits."
    ),
    InvalidDate = "invalid_date" => ("Ngày phải theo dạng dd/mm/yyyy.", "Dates must be written dd/mm/yyyy."),
    Conflict = "conflict" => (
        "Dữ liệu đã được người khác thay đổi; hãy tải lại.",
        "Someone else changed this meanwhile; please reload."
    ),
    Duplicate = "duplicate" => ("Bản ghi này đã tồn tại.", "This record already exists."),
    Unavailable = "unavailable" => (
        "Máy chủ tạm thời không truy cập được cơ sở dữ liệu. Vui lòng thử lại sau ít phút.",
        "The server cannot reach its database right now. Please try again in a few minutes."
    ),
    Network = "network" => (
        "Không kết nối được tới máy chủ. Kiểm tra mạng và thử lại.",
        "Could not reach the server. Check the connection and try again."
    ),
    Internal = "internal" => (
        "Đã có lỗi phía máy chủ. Nhà trường đã được ghi nhận để xử lý.",
        "Something went wrong on the server. It has been logged for the school."
    ),
    TimetableHasHardConflicts = "timetable_has_hard_conflicts" => (
        "Chưa thể công bố thời khóa biểu: vẫn còn lỗi phải sửa (giáo viên hoặc lớp bị trùng tiết, thiếu hoặc thừa tiết…).",
        "The timetable cannot be published yet: conflicts remain that must be fixed (a teacher or class double-booked, periods missing or in excess…)."
    ),
    TimetableNotDraft = "timetable_not_draft" => (
        "Thời khóa biểu này đã công bố nên không sửa được; hãy tạo bản nháp mới từ nó.",
        "This timetable is published and cannot be edited; make a new draft from it."
    ),
    TimetableNoSchoolYear = "timetable_no_school_year" => (
        "Trường chưa có năm học hiện hành, nên chưa xếp được thời khóa biểu.",
        "The school has no current school year, so no timetable can be made yet."
    ),
    TimetableNotInForce = "timetable_not_in_force" => (
        "Chưa có thời khóa biểu nào được công bố cho ngày này.",
        "No published timetable is in force on that day."
    ),
    TimetableImportInvalid = "timetable_import_invalid" => (
        "Không đọc được tệp thời khóa biểu FET; chưa có gì được nhập.",
        "The FET timetable file could not be read; nothing was imported."
    ),
    SubstituteNotFree = "substitute_not_free" => (
        "Giáo viên này không dạy thay được vào giờ đó (đang có tiết, đang vắng hoặc đã báo bận).",
        "This teacher cannot substitute then (teaching, absent or unavailable)."
    ),
}

/// What a server function returns on failure. Serialised as `{"error": "<code>", "field": …}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", code.as_str())]
pub struct AppError {
    #[serde(rename = "error")]
    pub code: ErrorCode,
    /// The input field at fault, when there is one (for forms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode) -> Self {
        Self { code, field: None }
    }

    pub fn for_field(code: ErrorCode, field: impl Into<String>) -> Self {
        Self {
            code,
            field: Some(field.into()),
        }
    }

    /// The HTTP status that goes with the code (used by plain JSON endpoints too).
    pub fn http_status(&self) -> u16 {
        match self.code {
            ErrorCode::NotFound => 404,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden | ErrorCode::CsrfRejected => 403,
            ErrorCode::TooManyAttempts => 429,
            ErrorCode::Conflict | ErrorCode::Duplicate => 409,
            ErrorCode::InvalidInput | ErrorCode::InvalidPersonalId | ErrorCode::InvalidDate => 422,
            ErrorCode::LoginStateInvalid
            | ErrorCode::LoginRefused
            | ErrorCode::LoginClaimsMissing
            | ErrorCode::LoginLevelTooLow
            | ErrorCode::LoginUnknownPerson => 403,
            ErrorCode::LoginProviderUnavailable => 502,
            ErrorCode::PasskeyExpired | ErrorCode::PasskeyRefused => 403,
            ErrorCode::PasskeyCancelled => 400,
            ErrorCode::StudentLoginRefused => 403,
            ErrorCode::PasswordTooShort => 422,
            ErrorCode::Unavailable => 503,
            ErrorCode::Network => 502,
            ErrorCode::Internal => 500,
            ErrorCode::TimetableHasHardConflicts
            | ErrorCode::TimetableNotDraft
            | ErrorCode::TimetableNoSchoolYear
            | ErrorCode::TimetableNotInForce
            | ErrorCode::SubstituteNotFree => 409,
            ErrorCode::TimetableImportInvalid => 422,
        }
    }
}

impl From<ErrorCode> for AppError {
    fn from(code: ErrorCode) -> Self {
        AppError::new(code)
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) => AppError::new(ErrorCode::Network),
            E::Args(_) | E::MissingArg(_) => AppError::new(ErrorCode::InvalidInput),
            _ => AppError::new(ErrorCode::Internal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_vietnamese_and_english_text() {
        for code in ErrorCode::ALL {
            let vi = code.text(Lang::Vi);
            let en = code.text(Lang::En);
            assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{code:?}");
            assert_ne!(vi, en, "{code:?} is not translated");
        }
    }

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
            assert_eq!(ErrorCode::from_code(code.as_str()), Some(*code));
        }
    }

    #[test]
    fn the_wire_format_is_a_stable_code() {
        let json =
            serde_json::to_value(AppError::for_field(ErrorCode::InvalidDate, "date_of_birth"))
                .unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"error": "invalid_date", "field": "date_of_birth"})
        );
        let plain = serde_json::to_value(AppError::new(ErrorCode::Forbidden)).unwrap_or_default();
        assert_eq!(plain, serde_json::json!({"error": "forbidden"}));
    }
}
