//! Screens of the timetable feature:
//! - [`editor`]: the tablet editor (tap a lesson in the tray, then a cell; move, swap, drag),
//!   live conflicts from the shared rules, offline edits sent on reconnection, publishing;
//! - [`home`]: the editors' start page; [`settings`]: the school week; [`import`]: FET files;
//!   [`substitutions`]: absent teachers and the day's changes;
//! - [`week`]: a class's or teacher's next school days on a phone, with calendar feeds;
//!   [`print`]: the printable A4 page; and here, the card and notices on persona home pages.

pub mod editor;
pub mod home;
pub mod import;
pub mod print;
pub mod settings;
pub mod substitutions;
pub mod week;

use leptos::prelude::*;

use super::api::{my_notices, my_timetables, read_my_notices};
use super::rules::{Session, Weekday};
use super::views::{NoticeKind, NoticeView, WeekOf};
use crate::i18n::{Translate, use_i18n};
use crate::platform::format::{format_date, parse_iso_date};
use crate::texts;
use crate::ui::ErrorNotice;

texts! {
    /// Texts of the timetable screens.
    pub enum TtText {
        Timetable => ("Thời khóa biểu", "Timetable"),
        MyWeek => ("Lịch dạy của tôi", "My teaching week"),
        MyClassWeek => ("Thời khóa biểu của em", "My timetable"),
        ClassWeek => ("Thời khóa biểu lớp", "Class timetable"),
        ChildClass => ("Thời khóa biểu của con", "My child's timetable"),
        BuildTimetable => ("Xếp thời khóa biểu", "Build the timetable"),
        Today => ("Hôm nay", "Today"),
        Period => ("Tiết", "Period"),
        Morning => ("Sáng", "Morning"),
        Afternoon => ("Chiều", "Afternoon"),
        Monday => ("Thứ Hai", "Monday"),
        Tuesday => ("Thứ Ba", "Tuesday"),
        Wednesday => ("Thứ Tư", "Wednesday"),
        Thursday => ("Thứ Năm", "Thursday"),
        Friday => ("Thứ Sáu", "Friday"),
        Saturday => ("Thứ Bảy", "Saturday"),
        Sunday => ("Chủ nhật", "Sunday"),
        NoLessons => ("Không có tiết học.", "No lessons."),
        NoTimetable => ("Nhà trường chưa công bố thời khóa biểu.", "The school has not published a timetable yet."),
        AppliesFrom => ("Áp dụng từ", "In force from"),
        Changed => ("Thay đổi", "Changed"),
        SubstituteBy => ("Dạy thay:", "Substitute:"),
        Cancelled => ("Nghỉ tiết này", "Lesson not held"),
        CoveringFor => ("Dạy thay cho", "Covering for"),
        Room => ("Phòng", "Room"),
        Print => ("In thời khóa biểu (A4)", "Print (A4)"),
        PrintNow => ("In", "Print"),
        Version => ("Bản", "Version"),
        OfflineCopy => ("Đang xem bản đã lưu trên máy.", "Showing the copy saved on this device."),
        NoticesTitle => ("Thông báo", "Notices"),
        NoNotices => ("Chưa có thông báo mới.", "No new notices."),
        MarkRead => ("Đánh dấu đã đọc", "Mark as read"),
        NoticePublished => ("Thời khóa biểu mới áp dụng từ", "A new timetable applies from"),
        NoticeSubstitution => ("Có thay đổi tiết học ngày", "Lessons change on"),
        NoticeChanges => ("tiết thay đổi", "lessons change"),
        SubscribeTitle => ("Đưa vào lịch của điện thoại", "Add to your phone's calendar"),
        SubscribeIntro => (
            "Tạo một đường dẫn bí mật rồi thêm vào ứng dụng Lịch (Google Calendar, Lịch iPhone). Ai có đường dẫn đều xem được, nên chỉ chia sẻ trong gia đình; có thể thu hồi bất cứ lúc nào.",
            "Make a secret link and add it to your Calendar app (Google Calendar, iPhone Calendar). Anyone with the link can see the timetable, so share it only at home; you can revoke it at any time."
        ),
        MakeFeed => ("Tạo đường dẫn lịch", "Make a calendar link"),
        FeedReady => ("Đường dẫn lịch (chỉ hiện một lần):", "Calendar link (shown once):"),
        OpenInCalendar => ("Mở bằng ứng dụng Lịch", "Open in the Calendar app"),
        MyFeeds => ("Các đường dẫn lịch đang dùng", "Calendar links in use"),
        Revoke => ("Thu hồi", "Revoke"),
        Teacher => ("Giáo viên", "Teacher"),
        Class => ("Lớp", "Class"),
        Back => ("Quay lại", "Back"),
    }
}

pub fn day_text(day: Weekday) -> TtText {
    match day {
        Weekday::Monday => TtText::Monday,
        Weekday::Tuesday => TtText::Tuesday,
        Weekday::Wednesday => TtText::Wednesday,
        Weekday::Thursday => TtText::Thursday,
        Weekday::Friday => TtText::Friday,
        Weekday::Saturday => TtText::Saturday,
        Weekday::Sunday => TtText::Sunday,
    }
}

pub fn session_text(session: Session) -> TtText {
    match session {
        Session::Morning => TtText::Morning,
        Session::Afternoon => TtText::Afternoon,
    }
}

/// "dd/mm/yyyy" from an ISO date (the ISO text itself if it cannot be read).
pub fn show_date(iso: &str) -> String {
    parse_iso_date(iso)
        .map(format_date)
        .unwrap_or_else(|| iso.to_string())
}

pub fn week_path(of: WeekOf) -> String {
    match of {
        WeekOf::Class(id) => format!("/timetable/class/{id}"),
        WeekOf::Teacher(id) => format!("/timetable/teacher/{id}"),
    }
}

/// The timetable's part of a persona's home page: the weeks they follow, the editor for
/// timetablers, and their notices.
#[component]
pub fn TimetableCard() -> impl IntoView {
    let i18n = use_i18n();
    let mine = Resource::new(|| (), |_| my_timetables());
    view! {
        <section class="card" data-section="timetable">
            <h2>{move || i18n.t(TtText::Timetable)}</h2>
            <Suspense fallback=|| ()>
                {move || mine.get().map(|result| match result {
                    Ok(mine) => view! {
                        <ul class="list">
                            {mine.own.map(|own| {
                                let label = match own.of {
                                    WeekOf::Teacher(_) => TtText::MyWeek,
                                    WeekOf::Class(_) => TtText::MyClassWeek,
                                };
                                view! {
                                    <li class="list-item">
                                        <a class="list-link" href="/timetable/me" data-week="me">
                                            <span class="list-title">{move || i18n.t(label)}</span>
                                            <span class="list-meta">{own.title.clone()}</span>
                                        </a>
                                    </li>
                                }
                            })}
                            {mine.others.into_iter().map(|week| {
                                let title = week.title.clone();
                                let heading = match &week.child {
                                    Some(child) => format!("{child} · {title}"),
                                    None => title.clone(),
                                };
                                view! {
                                    <li class="list-item">
                                        <a class="list-link" href=week_path(week.of) data-week=title.clone()>
                                            <span class="list-title">{move || i18n.t(if week.child.is_some() { TtText::ChildClass } else { TtText::ClassWeek })}</span>
                                            <span class="list-meta">{heading.clone()}</span>
                                        </a>
                                    </li>
                                }
                            }).collect_view()}
                            {mine.can_edit.then(|| view! {
                                <li class="list-item">
                                    <a class="button" href="/timetable" data-action="build-timetable">{move || i18n.t(TtText::BuildTimetable)}</a>
                                </li>
                            })}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
        <NoticeInbox />
    }
}

fn notice_line(notice: &NoticeView, lang: crate::i18n::Lang) -> String {
    let date = notice
        .detail
        .date
        .as_deref()
        .map(show_date)
        .unwrap_or_default();
    let head = match notice.kind {
        NoticeKind::TimetablePublished => TtText::NoticePublished,
        NoticeKind::Substitution => TtText::NoticeSubstitution,
    };
    let class = notice
        .detail
        .class_name
        .as_deref()
        .map(|c| format!(" · {} {c}", TtText::Class.text(lang)))
        .unwrap_or_default();
    format!(
        "{} {date}{class} · {} {}",
        head.text(lang),
        notice.detail.changes,
        TtText::NoticeChanges.text(lang)
    )
}

/// The in-app notices of the persona (a minimal inbox; the notifications work generalises it).
#[component]
pub fn NoticeInbox() -> impl IntoView {
    let i18n = use_i18n();
    let notices = Resource::new(|| (), |_| my_notices());
    let mark = Action::new(|_: &()| read_my_notices());
    Effect::new(move |_| {
        if mark.version().get() > 0 {
            notices.refetch();
        }
    });
    view! {
        <section class="card" data-section="notices">
            <h2>{move || i18n.t(TtText::NoticesTitle)}</h2>
            <Suspense fallback=|| ()>
                {move || notices.get().map(|result| match result {
                    Ok(list) => {
                        let unread = list.iter().filter(|n| !n.read).count();
                        if list.is_empty() {
                            view! { <p class="secondary">{move || i18n.t(TtText::NoNotices)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="list" data-unread=unread>
                                    {list.into_iter().map(|notice| {
                                        let link = notice.link.clone().unwrap_or_else(|| "/timetable/me".into());
                                        let kind = notice.kind.code();
                                        let read = notice.read;
                                        view! {
                                            <li class="list-item" data-notice=kind data-read=read.to_string()>
                                                <a class="list-link" href=link>
                                                    <span class=if read { "list-meta" } else { "list-title" }>
                                                        {move || notice_line(&notice, i18n.lang())}
                                                    </span>
                                                </a>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {(unread > 0).then(|| view! {
                                    <button type="button" class="button button-secondary" data-action="mark-read"
                                        on:click=move |_| { mark.dispatch(()); }>
                                        {move || i18n.t(TtText::MarkRead)}
                                    </button>
                                })}
                            }.into_any()
                        }
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// Whether the browser says it has no network (false on the server).
pub fn browser_offline() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().is_some_and(|w| !w.navigator().on_line())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}
