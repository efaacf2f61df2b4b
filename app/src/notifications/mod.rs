//! Notifications: every user's inbox, and Web Push (VAPID, RFC 8291 payload encryption) to the
//! phones of guardians who installed the app. A message is written to the inbox first; pushing
//! it is a background job with retries, so a failed push never loses a message. Messages never
//! carry a personal ID number, and a child's message goes only to that child's guardians.

pub mod api;
#[cfg(feature = "ssr")]
pub mod push;
pub mod screens;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

use crate::texts;

/// What a message is about; guardians choose which kinds are pushed, per child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NotificationKind {
    /// The child was marked absent this morning.
    Absence,
    /// A leave request was answered.
    LeaveAnswer,
    /// A new score was released.
    ScoreReleased,
    /// A new fee notice.
    FeeNotice,
    /// The timetable changed, or a lesson has a substitute.
    TimetableChange,
    /// Anything else from the school.
    General,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 6] = [
        NotificationKind::Absence,
        NotificationKind::LeaveAnswer,
        NotificationKind::ScoreReleased,
        NotificationKind::FeeNotice,
        NotificationKind::TimetableChange,
        NotificationKind::General,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NotificationKind::Absence => "absence",
            NotificationKind::LeaveAnswer => "leave_answer",
            NotificationKind::ScoreReleased => "score_released",
            NotificationKind::FeeNotice => "fee_notice",
            NotificationKind::TimetableChange => "timetable_change",
            NotificationKind::General => "general",
        }
    }

    pub fn from_code(code: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> NotificationText {
        match self {
            NotificationKind::Absence => NotificationText::KindAbsence,
            NotificationKind::LeaveAnswer => NotificationText::KindLeaveAnswer,
            NotificationKind::ScoreReleased => NotificationText::KindScoreReleased,
            NotificationKind::FeeNotice => NotificationText::KindFeeNotice,
            NotificationKind::TimetableChange => NotificationText::KindTimetableChange,
            NotificationKind::General => NotificationText::KindGeneral,
        }
    }
}

/// A message as the inbox shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    pub id: i64,
    pub kind: String,
    pub title_vi: String,
    pub title_en: String,
    pub body_vi: String,
    pub body_en: String,
    pub link: Option<String>,
    pub created_at: i64,
    pub read: bool,
}

/// A guardian's choice for one child and one kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    pub student_id: i64,
    pub student_name: String,
    pub kind: NotificationKind,
    pub enabled: bool,
}

texts! {
    pub enum NotificationText {
        InboxTitle => ("Hộp thư", "Inbox"),
        NoMessages => ("Chưa có tin nhắn nào.", "No messages yet."),
        Unread => ("chưa đọc", "unread"),
        MarkRead => ("Đánh dấu đã đọc", "Mark as read"),
        PushTitle => ("Thông báo trên điện thoại", "Notifications on this phone"),
        EnablePush => ("Bật thông báo trên thiết bị này", "Turn on notifications on this device"),
        PushEnabled => ("Thiết bị này sẽ nhận thông báo.", "This device will receive notifications."),
        PushUnavailable => (
            "Trình duyệt này chưa nhận được thông báo. Hãy cài ứng dụng lên màn hình chính rồi thử lại.",
            "This browser cannot receive notifications. Install the app on the home screen and try again."
        ),
        PreferencesTitle => ("Con được thông báo những gì", "What to be told about"),
        KindAbsence => ("Vắng mặt", "Absence"),
        KindLeaveAnswer => ("Trả lời đơn xin nghỉ", "Leave request answered"),
        KindScoreReleased => ("Điểm mới", "New scores"),
        KindFeeNotice => ("Thông báo học phí", "Fee notices"),
        KindTimetableChange => ("Thay đổi thời khoá biểu", "Timetable changes"),
        KindGeneral => ("Tin của nhà trường", "School news"),
    }
}
