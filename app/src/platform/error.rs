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
    LeaveDatesReversed = "leave_dates_reversed" => ("Ngày kết thúc phải sau ngày bắt đầu.", "The last day must come after the first."),
    LeaveTooLong = "leave_too_long" => ("Đơn xin nghỉ quá dài; hãy liên hệ giáo viên chủ nhiệm.", "The leave is too long; please contact the homeroom teacher."),
    LeaveInThePast = "leave_in_the_past" => ("Không xin nghỉ cho những ngày đã qua.", "Leave cannot be asked for days already past."),
    LeaveAlreadyAnswered = "leave_already_answered" => ("Đơn này đã được trả lời.", "This request has already been answered."),
    LeaveReasonMissing = "leave_reason_missing" => ("Hãy ghi lý do xin nghỉ.", "Please give the reason."),
    PushUnavailable = "push_unavailable" => (
        "Trình duyệt này chưa nhận được thông báo. Hãy cài ứng dụng lên màn hình chính rồi thử lại.",
        "This browser cannot receive notifications. Install the app on the home screen and try again."
    ),
    PushEndpointTaken = "push_endpoint_taken" => ("Thiết bị này đang nhận thông báo cho một tài khoản khác.", "This device receives notifications for another account."),
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
    BridgeUnknown = "bridge_unknown" => (
        "Máy đọc thẻ này chưa được ghép nối với trường. Nhờ quản trị trường tạo mã ghép nối.",
        "This card reader is not paired with the school. Ask the school admin for a pairing code."
    ),
    BridgeRevoked = "bridge_revoked" => (
        "Máy đọc thẻ này đã bị thu hồi. Nhờ quản trị trường ghép nối lại.",
        "This card reader was revoked. Ask the school admin to pair it again."
    ),
    DeskResultInvalid = "desk_result_invalid" => (
        "Kết quả từ máy đọc thẻ không hợp lệ (chữ ký không đúng). Hãy đọc lại thẻ.",
        "The card reader's result is not valid (bad signature). Read the card again."
    ),
    ChallengeInvalid = "challenge_invalid" => (
        "Yêu cầu đọc thẻ này không phải của phiên làm việc của bạn. Hãy đọc lại thẻ.",
        "This card read was not requested by your session. Read the card again."
    ),
    ChallengeUsed = "challenge_used" => (
        "Kết quả đọc thẻ này đã được dùng. Hãy đọc lại thẻ.",
        "This card read was already used. Read the card again."
    ),
    ChallengeExpired = "challenge_expired" => (
        "Yêu cầu đọc thẻ đã hết hạn. Hãy đọc lại thẻ.",
        "The card read request has expired. Read the card again."
    ),
    CardNotAuthentic = "card_not_authentic" => (
        "Thẻ không qua được kiểm tra chữ ký số của cơ quan cấp: không thể xác minh bằng thẻ này.",
        "The card failed the issuer's digital-signature checks: it cannot be used for verification."
    ),
    CardDataIncomplete = "card_data_incomplete" => (
        "Chip của thẻ thiếu số định danh hoặc họ tên.",
        "The card's chip lacks the ID number or the name."
    ),
    HandoffInvalid = "handoff_invalid" => (
        "Mã QR không đúng. Hãy quét lại mã đang hiện ở bàn văn phòng.",
        "This QR link is not valid. Scan the code shown at the office desk again."
    ),
    HandoffExpired = "handoff_expired" => (
        "Mã QR đã hết hạn. Nhờ văn phòng tạo mã mới.",
        "This QR code has expired. Ask the office for a new one."
    ),
    HandoffUsed = "handoff_used" => (
        "Mã QR này đã được dùng. Mỗi mã chỉ dùng được một lần.",
        "This QR code was already used. Each code works once."
    ),
    HandoffOtherSchool = "handoff_other_school" => (
        "Mã QR này thuộc trường khác với vai trò bạn đang dùng. Hãy đổi vai trò sang trường đó rồi quét lại.",
        "This QR code belongs to another school than the role you are using. Switch to your role at that school and scan again."
    ),
    ClaimNotCardHolder = "claim_not_card_holder" => (
        "Thẻ vừa đọc không phải của bạn và không ghi tên bạn là cha hoặc mẹ. Không có liên kết nào thay đổi.",
        "The card just read is not yours and does not name you as father or mother. No link was changed."
    ),
    ClaimNotInRecords = "claim_not_in_records" => (
        "Hồ sơ của trường không có liên kết nào ứng với thẻ này. Không có liên kết nào thay đổi.",
        "The school's records have nothing this card can be linked to. No link was changed."
    ),
    PairingCodeInvalid = "pairing_code_invalid" => (
        "Mã ghép nối không đúng, đã dùng hoặc đã hết hạn.",
        "The pairing code is wrong, used or expired."
    ),
    Unavailable = "unavailable" => (
        "Máy chủ tạm thời không truy cập được cơ sở dữ liệu. Vui lòng thử lại sau ít phút.",
        "The server cannot reach its database right now. Please try again in a few minutes."
    ),
    Network = "network" => (
        "Không kết nối được tới máy chủ. Kiểm tra mạng và thử lại.",
        "Could not reach the server. Check the connection and try again."
    ),
    ReceiptReasonRequired = "receipt_reason_required" => (
        "Cần ghi lý do huỷ biên lai.",
        "A receipt can only be cancelled with a reason."
    ),
    ReceiptAlreadyCancelled = "receipt_already_cancelled" => (
        "Biên lai này đã được huỷ trước đó.",
        "This receipt was already cancelled."
    ),
    TransferAlreadyAssigned = "transfer_already_assigned" => (
        "Khoản chuyển khoản này đã được ghi nhận cho khoản thu khác.",
        "This transfer has already been assigned."
    ),
    NoFeeAccount = "no_fee_account" => (
        "Nhà trường chưa khai báo tài khoản nhận tiền.",
        "The school has not set up an account to receive payments."
    ),
    NothingToPay = "nothing_to_pay" => (
        "Các khoản đã chọn đã được nộp đủ.",
        "The chosen notices are already paid."
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
    // Grades (the rules' own codes keep their strings; see grades::errors).
    ScoreEmpty = "score_empty" => ("Chưa nhập điểm.", "No score was entered."),
    ScoreNotANumber = "score_not_a_number" => (
        "Điểm phải là một số, ví dụ 7 hoặc 7,5.",
        "A score must be a number, e.g. 7 or 7.5."
    ),
    ScoreOutOfRange = "score_out_of_range" => ("Điểm phải từ 0 đến 10.", "A score must be between 0 and 10."),
    ScoreTooPrecise = "score_too_precise" => (
        "Điểm chỉ ghi đến một chữ số thập phân, ví dụ 7,3 (không ghi 7,25).",
        "Scores are recorded to one decimal place, e.g. 7.3 (not 7.25)."
    ),
    GradingRegularCountOutOfRange = "grading_regular_count_out_of_range" => (
        "Số lần đánh giá thường xuyên mỗi học kì phải từ 1 đến 9.",
        "The number of regular assessments per semester must be between 1 and 9."
    ),
    GradingBandsOutOfOrder = "grading_bands_out_of_order" => (
        "Mốc số tiết của các nhóm môn học phải tăng dần (ví dụ 35 rồi 70).",
        "The period limits of the subject bands must increase (e.g. 35, then 70)."
    ),
    GradingConductRuleMissing = "grading_conduct_rule_missing" => (
        "Bảng xếp loại rèn luyện cả năm còn thiếu một tổ hợp của hai học kì.",
        "The year conduct table lacks a pair of semester levels."
    ),
    GradingConductRuleDuplicate = "grading_conduct_rule_duplicate" => (
        "Bảng xếp loại rèn luyện cả năm có một tổ hợp của hai học kì bị lặp.",
        "The year conduct table has a pair of semester levels twice."
    ),
    YearEndRetrainingNotRequired = "year_end_retraining_not_required" => (
        "Học sinh không phải rèn luyện trong kì nghỉ hè: kết quả rèn luyện cả năm đã từ mức Đạt trở lên.",
        "The student has no summer re-training: the year conduct is already Pass or better."
    ),
    YearEndRetestNotAllowed = "year_end_retest_not_allowed" => (
        "Học sinh không thuộc diện kiểm tra lại.",
        "The student is not due for a re-test."
    ),
    YearEndRetestSubjectNotEligible = "year_end_retest_subject_not_eligible" => (
        "Môn học này không thuộc diện kiểm tra lại của học sinh.",
        "The student may not re-test this subject."
    ),
    YearEndRetestKindMismatch = "year_end_retest_kind_mismatch" => (
        "Kết quả kiểm tra lại không đúng cách đánh giá của môn học (điểm số hay nhận xét).",
        "The re-test result does not match how the subject is assessed (score or comment)."
    ),
    YearEndRetestDuplicate = "year_end_retest_duplicate" => (
        "Môn học này đã có kết quả kiểm tra lại.",
        "This subject already has a re-test result."
    ),
    GradeEntryClosed = "grade_entry_closed" => (
        "Nhà trường chưa mở nhập điểm cho học kì này.",
        "The school has not opened score entry for this semester yet."
    ),
    GradesLocked = "grades_locked" => (
        "Học kì đã khoá sổ điểm. Muốn sửa, hãy gửi đề nghị điều chỉnh kèm lí do để hiệu trưởng duyệt.",
        "This semester's scores are locked. To change one, send a correction with a reason for the principal to approve."
    ),
    CorrectionReasonRequired = "correction_reason_required" => (
        "Hãy ghi lí do điều chỉnh (ít nhất 5 ký tự).",
        "Please give a reason for the correction (at least 5 characters)."
    ),
    CorrectionNotNeeded = "correction_not_needed" => (
        "Học kì chưa khoá sổ: hãy sửa điểm trực tiếp trên bảng điểm.",
        "The semester is not locked: change the score on the sheet directly."
    ),
    ImportNotASpreadsheet = "import_not_a_spreadsheet" => (
        "Tệp không phải bảng tính Excel (.xlsx) đọc được.",
        "The file is not a readable Excel workbook (.xlsx)."
    ),
    ImportMissingColumn = "import_missing_column" => (
        "Không tìm thấy cột \"Mã học sinh\" ở dòng tiêu đề.",
        "The header row has no \"Mã học sinh\" (student code) column."
    ),
    ImportUnknownColumn = "import_unknown_column" => (
        "Cột điểm này không có trong bảng điểm của môn học.",
        "This score column is not part of the subject's sheet."
    ),
    ImportUnknownStudent = "import_unknown_student" => (
        "Mã học sinh không thuộc lớp này.",
        "No student of this class has this code."
    ),
    ImportHasErrors = "import_has_errors" => (
        "Tệp còn dòng lỗi nên chưa nhập gì. Hãy sửa các dòng được báo rồi nhập lại.",
        "The file has bad rows, so nothing was imported. Fix the rows listed and import again."
    ),
    RecordsFileUnreadable = "records_file_unreadable" => (
        "Không đọc được tệp. Hãy chọn tệp Excel (.xlsx) xuất từ CSDL ngành hoặc vnEdu.",
        "The file cannot be read. Choose an Excel (.xlsx) file exported from the ministry's database or vnEdu."
    ),
    RecordsFileTooLarge = "records_file_too_large" => (
        "Tệp quá lớn (tối đa 10 MB).",
        "The file is too large (10 MB at most)."
    ),
    RecordsFileNoHeader = "records_file_no_header" => (
        "Không tìm thấy dòng tiêu đề có cột Họ tên.",
        "No header row with a full-name column was found."
    ),
    RecordsFileMissingColumn = "records_file_missing_column" => (
        "Tệp thiếu một cột bắt buộc.",
        "The file lacks a required column."
    ),
    RecordsFileOtherSchool = "records_file_other_school" => (
        "Tệp có dòng của trường khác; không dòng nào được nhập.",
        "The file has rows of another school; nothing was imported."
    ),
    RecordsFileTooManyRows = "records_file_too_many_rows" => (
        "Tệp có quá nhiều dòng (tối đa 20.000).",
        "The file has too many rows (20,000 at most)."
    ),
    RecordsImportHasErrors = "records_import_has_errors" => (
        "Tệp còn dòng lỗi; hãy sửa rồi nhập lại. Chưa có gì thay đổi.",
        "The file still has bad rows; fix them and import again. Nothing was changed."
    ),
    ReasonRequired = "reason_required" => (
        "Hãy ghi lý do (ít nhất 5 ký tự).",
        "Please give a reason (at least 5 characters)."
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
            ErrorCode::StudentLoginRefused | ErrorCode::PushEndpointTaken => 403,
            ErrorCode::PushUnavailable => 400,
            ErrorCode::LeaveDatesReversed
            | ErrorCode::LeaveTooLong
            | ErrorCode::LeaveInThePast
            | ErrorCode::LeaveReasonMissing => 422,
            ErrorCode::LeaveAlreadyAnswered => 409,
            ErrorCode::PasswordTooShort => 422,
            ErrorCode::BridgeUnknown | ErrorCode::BridgeRevoked => 403,
            ErrorCode::DeskResultInvalid => 422,
            ErrorCode::ChallengeInvalid => 403,
            ErrorCode::ChallengeUsed => 409,
            ErrorCode::ChallengeExpired => 410,
            ErrorCode::CardNotAuthentic | ErrorCode::CardDataIncomplete => 422,
            ErrorCode::HandoffInvalid => 404,
            ErrorCode::HandoffExpired => 410,
            ErrorCode::HandoffUsed => 409,
            ErrorCode::HandoffOtherSchool
            | ErrorCode::ClaimNotCardHolder
            | ErrorCode::ClaimNotInRecords => 403,
            ErrorCode::PairingCodeInvalid => 400,
            ErrorCode::ReceiptReasonRequired => 422,
            ErrorCode::ReceiptAlreadyCancelled
            | ErrorCode::TransferAlreadyAssigned
            | ErrorCode::NoFeeAccount
            | ErrorCode::NothingToPay => 409,
            ErrorCode::Unavailable => 503,
            ErrorCode::Network => 502,
            ErrorCode::Internal => 500,
            ErrorCode::TimetableHasHardConflicts
            | ErrorCode::TimetableNotDraft
            | ErrorCode::TimetableNoSchoolYear
            | ErrorCode::TimetableNotInForce
            | ErrorCode::SubstituteNotFree => 409,
            ErrorCode::TimetableImportInvalid => 422,
            ErrorCode::ScoreEmpty
            | ErrorCode::ScoreNotANumber
            | ErrorCode::ScoreOutOfRange
            | ErrorCode::ScoreTooPrecise
            | ErrorCode::GradingRegularCountOutOfRange
            | ErrorCode::GradingBandsOutOfOrder
            | ErrorCode::GradingConductRuleMissing
            | ErrorCode::GradingConductRuleDuplicate
            | ErrorCode::YearEndRetrainingNotRequired
            | ErrorCode::YearEndRetestNotAllowed
            | ErrorCode::YearEndRetestSubjectNotEligible
            | ErrorCode::YearEndRetestKindMismatch
            | ErrorCode::YearEndRetestDuplicate
            | ErrorCode::CorrectionReasonRequired
            | ErrorCode::CorrectionNotNeeded
            | ErrorCode::ImportNotASpreadsheet
            | ErrorCode::ImportMissingColumn
            | ErrorCode::ImportUnknownColumn
            | ErrorCode::ImportUnknownStudent
            | ErrorCode::ImportHasErrors => 422,
            ErrorCode::GradeEntryClosed | ErrorCode::GradesLocked => 409,
            ErrorCode::RecordsFileTooLarge => 413,
            ErrorCode::RecordsFileUnreadable
            | ErrorCode::RecordsFileNoHeader
            | ErrorCode::RecordsFileMissingColumn
            | ErrorCode::RecordsFileOtherSchool
            | ErrorCode::RecordsFileTooManyRows
            | ErrorCode::RecordsImportHasErrors
            | ErrorCode::ReasonRequired => 422,
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
