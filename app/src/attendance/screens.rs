//! The roll call on a teacher's phone or tablet (kept on the device until sent), the class's
//! absences, and leave requests on both sides.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    answer_leave, child_leave_requests, class_absences, class_leave_requests, request_leave,
    roll_call, save_roll_call,
};
use super::rules::MarkStatus;
use super::{LeaveView, MarkInput};
use crate::i18n::use_i18n;
use crate::platform::format::{format_date, parse_iso_date};
use crate::texts;
use crate::ui::ErrorNotice;

texts! {
    pub enum AttendanceText {
        RollCallTitle => ("Điểm danh", "Roll call"),
        TapToMark => ("Mặc định tất cả có mặt. Chạm vào tên để đổi: vắng, vắng có phép, đi muộn.", "Everyone is present unless marked. Tap a name: absent, excused, late."),
        Present => ("Có mặt", "Present"),
        Absent => ("Vắng", "Absent"),
        Excused => ("Vắng có phép", "Excused"),
        Late => ("Đi muộn", "Late"),
        OnLeave => ("có đơn xin nghỉ", "on leave"),
        Save => ("Lưu điểm danh", "Save roll call"),
        Saved => ("Đã lưu.", "Saved."),
        NotYetSent => ("thay đổi chưa gửi — sẽ gửi khi có mạng", "changes not yet sent — they will be sent when online"),
        AbsencesTitle => ("Số ngày nghỉ trong năm học", "Days absent this school year"),
        Flagged => ("cần theo dõi", "to follow up"),
        Days => ("ngày", "days"),
        LeaveTitle => ("Đơn xin nghỉ học", "Leave requests"),
        AskLeave => ("Xin cho con nghỉ học", "Ask leave for my child"),
        From => ("Từ ngày", "From"),
        To => ("Đến ngày", "To"),
        Reason => ("Lý do", "Reason"),
        Send => ("Gửi đơn", "Send"),
        Sent => ("Đã gửi đơn.", "Request sent."),
        Pending => ("Đang chờ", "Waiting"),
        Approved => ("Đồng ý", "Approved"),
        Declined => ("Không đồng ý", "Declined"),
        Approve => ("Đồng ý", "Approve"),
        Decline => ("Không đồng ý", "Decline"),
        NoLeave => ("Chưa có đơn nào.", "No requests."),
        WhichRollCall => ("Điểm danh cho", "Roll call for"),
        DayRollCall => ("Đầu buổi (tính ngày nghỉ)", "The day (counts days absent)"),
        Period => ("Tiết", "Period"),
    }
}

fn status_text(status: MarkStatus) -> AttendanceText {
    match status {
        MarkStatus::Present => AttendanceText::Present,
        MarkStatus::AbsentUnexcused => AttendanceText::Absent,
        MarkStatus::AbsentExcused => AttendanceText::Excused,
        MarkStatus::Late => AttendanceText::Late,
    }
}

/// Marks not yet accepted by the server live in the device's storage, so a reload or a closed
/// tab loses nothing; each carries its own id so sending twice counts once.
mod pending {
    use super::MarkInput;

    /// The day's roll call keeps the key it always had; a lesson's adds its slot.
    pub fn key(class_id: i64, day: &str, slot: i64) -> String {
        if slot == 0 {
            format!("truongso.rollcall.{class_id}.{day}")
        } else {
            format!("truongso.rollcall.{class_id}.{day}.{slot}")
        }
    }

    #[cfg(feature = "hydrate")]
    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    #[cfg(feature = "hydrate")]
    pub fn load(key: &str) -> Vec<MarkInput> {
        storage()
            .and_then(|s| s.get_item(key).ok().flatten())
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn load(_key: &str) -> Vec<MarkInput> {
        Vec::new()
    }

    #[cfg(feature = "hydrate")]
    pub fn store(key: &str, marks: &[MarkInput]) {
        if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(marks)) {
            let _ = if marks.is_empty() {
                storage.remove_item(key)
            } else {
                storage.set_item(key, &text)
            };
        }
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn store(_key: &str, _marks: &[MarkInput]) {}

    pub fn new_client_id() -> String {
        #[cfg(feature = "hydrate")]
        {
            let random = js_sys::Math::random();
            format!(
                "{:x}-{:x}",
                js_sys::Date::now() as u64,
                (random * 1e15) as u64
            )
        }
        #[cfg(not(feature = "hydrate"))]
        String::new()
    }
}

#[component]
pub fn RollCallPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let class_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    // `?lesson=SLOT` opens a lesson's roll call; without it, the day's.
    let query = use_query_map();
    let slot = move || {
        query
            .read()
            .get("lesson")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let sheet = Resource::new(
        move || (class_id(), slot()),
        |(id, slot)| roll_call(id, String::new(), Some(slot)),
    );
    // Set once the page runs in the browser (taps before that would do nothing).
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    // Marks waiting to be sent, restored from the device once the page runs in the browser.
    let waiting = RwSignal::new(Vec::<MarkInput>::new());
    let storage_key = Memo::new(move |_| {
        sheet
            .get()
            .and_then(Result::ok)
            .map(|s| pending::key(s.class_id, &s.day, s.slot))
    });
    Effect::new(move |_| {
        if let Some(key) = storage_key.get() {
            waiting.set(pending::load(&key));
        }
    });
    // The action keeps the marks it sent: its input is gone once it has finished.
    let save = Action::new(
        move |(class, day, slot, marks): &(i64, String, i64, Vec<MarkInput>)| {
            let (class, day, slot, marks) = (*class, day.clone(), *slot, marks.clone());
            async move {
                (
                    save_roll_call(class, day, Some(slot), marks.clone()).await,
                    marks,
                )
            }
        },
    );
    // Accepted marks leave the queue; on failure they stay for the next try.
    Effect::new(move |_| {
        if let (Some((Ok(_), sent)), Some(key)) = (save.value().get(), storage_key.get_untracked())
        {
            let left: Vec<MarkInput> = waiting
                .get_untracked()
                .into_iter()
                .filter(|m| !sent.iter().any(|s| s.client_id == m.client_id))
                .collect();
            pending::store(&key, &left);
            waiting.set(left);
        }
    });
    let send = move || {
        if let Some(Ok(sheet)) = sheet.get_untracked() {
            let marks = waiting.get_untracked();
            if !marks.is_empty() {
                save.dispatch((sheet.class_id, sheet.day.clone(), sheet.slot, marks));
            }
        }
    };
    // Coming back online sends what waited.
    #[cfg(feature = "hydrate")]
    {
        let listener = leptos::ev::Custom::<leptos::ev::Event>::new("online");
        let handle = window_event_listener(listener, move |_| send());
        on_cleanup(move || handle.remove());
    }
    view! {
        <Suspense fallback=|| ()>
            {move || sheet.get().map(|result| match result {
                Ok(sheet) => {
                    let key = pending::key(sheet.class_id, &sheet.day, sheet.slot);
                    let day = parse_iso_date(&sheet.day).map(format_date).unwrap_or_default();
                    let here = format!("/staff/class/{}/roll-call", sheet.class_id);
                    let current_slot = sheet.slot;
                    view! {
                        <section class="card" data-page="roll-call" data-day=sheet.day.clone() data-slot=sheet.slot
                            data-interactive=move || interactive.get().to_string()>
                            <h1>{move || i18n.t(AttendanceText::RollCallTitle)} " " {sheet.class_name.clone()} " · " {day}</h1>
                            {(!sheet.lessons.is_empty()).then(|| view! {
                                <nav class="roll-call-choice" aria-label=move || i18n.t(AttendanceText::WhichRollCall)>
                                    <a class="chip" href=here.clone() data-lesson-slot="0"
                                        aria-current=(current_slot == 0).then_some("page")>
                                        {move || i18n.t(AttendanceText::DayRollCall)}
                                    </a>
                                    {sheet.lessons.iter().map(|lesson| view! {
                                        <a class="chip" href=format!("{here}?lesson={}", lesson.slot) data-lesson-slot=lesson.slot
                                            aria-current=(current_slot == lesson.slot).then_some("page")>
                                            {move || i18n.t(AttendanceText::Period)} " " {lesson.period} " · " {lesson.subject.clone()}
                                        </a>
                                    }).collect_view()}
                                </nav>
                            })}
                            <p class="secondary">{move || i18n.t(AttendanceText::TapToMark)}</p>
                            <ul class="roll-call">
                                {sheet.lines.into_iter().map(|line| {
                                    let key = key.clone();
                                    let saved = line.status;
                                    let current = move || {
                                        waiting.get().iter().rev().find(|m| m.student_id == line.student_id).map(|m| m.status).unwrap_or(saved)
                                    };
                                    let tap = move |_| {
                                        let mark = MarkInput { student_id: line.student_id, status: current().next(), client_id: pending::new_client_id() };
                                        waiting.update(|w| w.push(mark));
                                        pending::store(&key, &waiting.get_untracked());
                                    };
                                    view! {
                                        <li>
                                            <button type="button" class="roll-call-line" data-student=line.student_id
                                                data-status=move || current().code() on:click=tap>
                                                <span class="list-title">{line.name.full()}</span>
                                                <span class="status">{move || i18n.t(status_text(current()))}
                                                    {line.on_leave.then(|| view! { " · " {move || i18n.t(AttendanceText::OnLeave)} })}
                                                </span>
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            {move || (!waiting.get().is_empty()).then(|| view! {
                                <p class="notice notice-demo" data-pending=waiting.get().len()>
                                    {waiting.get().len()} " " {i18n.t(AttendanceText::NotYetSent)}
                                </p>
                            })}
                            <button type="button" class="button button-wide" data-action="save-roll-call" on:click=move |_| send()>
                                {move || i18n.t(AttendanceText::Save)}
                            </button>
                            {move || save.value().get().map(|(r, _)| match r {
                                Ok(_) if waiting.get().is_empty() => view! { <p class="notice notice-ok" data-saved="true">{i18n.t(AttendanceText::Saved)}</p> }.into_any(),
                                Ok(_) => ().into_any(),
                                Err(error) => view! { <ErrorNotice error /> }.into_any(),
                            })}
                        </section>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
        <ClassAbsences class_id=Signal::derive(class_id) />
        <ClassLeave class_id=Signal::derive(class_id) />
    }
}

#[component]
fn ClassAbsences(class_id: Signal<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(move || class_id.get(), class_absences);
    view! {
        <Suspense fallback=|| ()>
            {move || list.get().and_then(Result::ok).map(|students| view! {
                <section class="card" data-section="absences">
                    <h2>{move || i18n.t(AttendanceText::AbsencesTitle)}</h2>
                    <ul class="list">
                        {students.into_iter().filter(|s| s.counts.total_days() > 0 || s.counts.late > 0).map(|s| view! {
                            <li class="list-item" data-flagged=s.flagged.to_string()>
                                <span class="list-title">{s.name.full()}
                                    {s.flagged.then(|| view! { " " <span class="badge badge-warn">{move || i18n.t(AttendanceText::Flagged)}</span> })}
                                </span>
                                <span class="list-meta">
                                    {s.counts.total_days()} " " {move || i18n.t(AttendanceText::Days)}
                                    " (" {move || i18n.t(AttendanceText::Excused)} ": " {s.counts.excused_days} ")"
                                </span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
        </Suspense>
    }
}

fn leave_status(status: &str) -> AttendanceText {
    match status {
        "approved" => AttendanceText::Approved,
        "declined" => AttendanceText::Declined,
        _ => AttendanceText::Pending,
    }
}

fn leave_days(leave: &LeaveView) -> String {
    let day = |d: &str| parse_iso_date(d).map(format_date).unwrap_or_default();
    if leave.from_day == leave.to_day {
        day(&leave.from_day)
    } else {
        format!("{} – {}", day(&leave.from_day), day(&leave.to_day))
    }
}

#[component]
fn ClassLeave(class_id: Signal<i64>) -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(move || class_id.get(), class_leave_requests);
    let answer =
        Action::new(|(id, approve): &(i64, bool)| answer_leave(*id, *approve, String::new()));
    Effect::new(move |_| {
        if answer.version().get() > 0 {
            list.refetch();
        }
    });
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    view! {
        <Suspense fallback=|| ()>
            {move || list.get().and_then(Result::ok).map(|requests| view! {
                <section class="card" data-section="class-leave" data-interactive=move || interactive.get().to_string()>
                    <h2>{move || i18n.t(AttendanceText::LeaveTitle)}</h2>
                    {requests.is_empty().then(|| view! { <p>{move || i18n.t(AttendanceText::NoLeave)}</p> })}
                    <ul class="list">
                        {requests.into_iter().map(|leave| {
                            let pending = leave.status == "pending";
                            let status = leave_status(&leave.status);
                            view! {
                                <li class="list-item" data-leave=leave.id data-leave-status=leave.status.clone()>
                                    <span class="list-title">{leave.student_name.clone()} " · " {leave_days(&leave)}</span>
                                    <span class="list-meta">{leave.reason.clone()} " · " {move || i18n.t(status)}</span>
                                    {pending.then(|| view! {
                                        <div class="inline-form">
                                            <button type="button" class="button" data-action="approve-leave" on:click=move |_| { answer.dispatch((leave.id, true)); }>
                                                {move || i18n.t(AttendanceText::Approve)}
                                            </button>
                                            <button type="button" class="button button-danger" data-action="decline-leave" on:click=move |_| { answer.dispatch((leave.id, false)); }>
                                                {move || i18n.t(AttendanceText::Decline)}
                                            </button>
                                        </div>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })}
        </Suspense>
    }
}

/// On a guardian's page, for one child: ask leave, and see the answers.
#[component]
pub fn ChildLeave(student_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let requests = Resource::new(move || student_id, child_leave_requests);
    let (from, to, reason) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let ask = Action::new(move |_: &()| {
        request_leave(
            student_id,
            from.get_untracked(),
            to.get_untracked(),
            reason.get_untracked(),
        )
    });
    Effect::new(move |_| {
        if matches!(ask.value().get(), Some(Ok(_))) {
            requests.refetch();
        }
    });
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    view! {
        <details class="child-leave" data-child-leave=student_id data-interactive=move || interactive.get().to_string()>
            <summary>{move || i18n.t(AttendanceText::AskLeave)}</summary>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); ask.dispatch(()); }>
                <label>{move || i18n.t(AttendanceText::From)}
                    <input class="input" type="date" name="from" required on:input=move |ev| from.set(event_target_value(&ev)) />
                </label>
                <label>{move || i18n.t(AttendanceText::To)}
                    <input class="input" type="date" name="to" required on:input=move |ev| to.set(event_target_value(&ev)) />
                </label>
                <label>{move || i18n.t(AttendanceText::Reason)}
                    <input class="input" name="reason" required maxlength="300" on:input=move |ev| reason.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="button">{move || i18n.t(AttendanceText::Send)}</button>
                {move || ask.value().get().map(|r| match r {
                    Ok(_) => view! { <p class="notice notice-ok" data-leave-sent="true">{i18n.t(AttendanceText::Sent)}</p> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </form>
        </details>
        <Suspense fallback=|| ()>
            {move || requests.get().and_then(Result::ok).map(|list| view! {
                <ul class="list">
                    {list.into_iter().map(|leave| {
                        let status = leave_status(&leave.status);
                        view! {
                            <li class="list-item" data-leave-status=leave.status.clone()>
                                <span>{leave_days(&leave)} " · " {leave.reason.clone()}</span>
                                <span class="list-meta">{move || i18n.t(status)} {leave.answer.clone().map(|a| format!(" — {a}"))}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </Suspense>
    }
}
