//! The school's week: days, the periods of each session and their times, the soft rules'
//! limits, which classes study in which session, the rooms that are booked, each class ×
//! subject's weekly count (the curriculum's unless changed, per semester), doubles, and the
//! teachers' unavailable periods.

use leptos::prelude::*;

use super::home::ForEditors;
use super::{TtText, day_text, session_text};
use crate::i18n::use_i18n;
use crate::platform::error::AppError;
use crate::texts;
use crate::timetable::api::{
    add_teacher_unavailability, add_timetable_room, remove_teacher_unavailability,
    save_class_session, save_timetable_requirement, save_timetable_week, timetable_settings,
};
use crate::timetable::rules::{SchoolWeek, Session, SessionPlan, TimeOfDay, Weekday};
use crate::timetable::views::{RequirementView, SettingsView, day_code, session_code};
use crate::ui::ErrorNotice;

texts! {
    pub enum SettingsText {
        Title => ("Tuần học của trường", "The school week"),
        Days => ("Ngày học", "School days"),
        Periods => ("Số tiết", "Periods"),
        Starts => ("Bắt đầu", "Starts"),
        LongBreakAfter => ("Ra chơi sau tiết", "Long break after period"),
        SemesterWeeks => ("Số tuần học kỳ I / II", "Weeks in semester I / II"),
        MaxSubjectPerDay => ("Tối đa tiết một môn trong ngày", "At most periods of a subject a day"),
        MaxTeacherPerDay => ("Tối đa tiết dạy một ngày của giáo viên", "At most periods a teacher teaches a day"),
        MaxGaps => ("Tối đa tiết trống xen giữa của giáo viên", "At most free periods between a teacher's lessons"),
        Save => ("Lưu", "Save"),
        Saved => ("Đã lưu.", "Saved."),
        ClassSessions => ("Buổi học của các lớp", "Which session each class studies"),
        FullDay => ("Cả ngày", "Full day"),
        Rooms => ("Phòng cần xếp (phòng máy, phòng thí nghiệm, nhà đa năng)", "Booked rooms (computer room, labs, gym)"),
        RoomName => ("Tên phòng", "Room name"),
        Add => ("Thêm", "Add"),
        Requirements => ("Số tiết mỗi tuần", "Periods a week"),
        Subject => ("Môn", "Subject"),
        FirstSemester => ("HK I", "Sem. I"),
        SecondSemester => ("HK II", "Sem. II"),
        Doubles => ("Tiết đôi", "Doubles"),
        Default => ("Mặc định theo chương trình", "Curriculum default"),
        NoRoom => ("Không cần phòng", "No room"),
        Unavailable => ("Lịch bận của giáo viên", "Teachers' unavailable periods"),
        WholeDay => ("Cả ngày", "Whole day"),
        WholeSession => ("Cả buổi", "Whole session"),
        Remove => ("Xóa", "Remove"),
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <ForEditors page=|school_id| view! { <Settings school_id /> }.into_any() /> }
}

#[component]
fn Settings(school_id: i64) -> impl IntoView {
    let settings = Resource::new(move || school_id, timetable_settings);
    let changed = RwSignal::new(0u32);
    Effect::new(move |_| {
        if changed.get() > 0 {
            settings.refetch();
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || settings.get().map(|result| match result {
                Ok(view) => view! { <SettingsBody view changed /> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
            })}
        </Suspense>
    }
}

fn result_notice(result: Option<Result<(), AppError>>) -> Option<AnyView> {
    let i18n = use_i18n();
    result.map(|r| match r {
        Ok(()) => view! { <p class="notice notice-ok" data-saved="">{move || i18n.t(SettingsText::Saved)}</p> }.into_any(),
        Err(error) => view! { <ErrorNotice error /> }.into_any(),
    })
}

#[component]
fn SettingsBody(view: SettingsView, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-page="timetable-settings">
            <h1>{move || i18n.t(SettingsText::Title)}</h1>
            <a href="/timetable">{move || i18n.t(TtText::Back)}</a>
        </section>
        <WeekForm view=view.clone() changed />
        <ClassSessions view=view.clone() changed />
        <Rooms view=view.clone() changed />
        <Requirements view=view.clone() changed />
        <Unavailability view changed />
    }
}

#[component]
fn WeekForm(view: SettingsView, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let school_id = view.school_id;
    let days = RwSignal::new(view.week.days.clone());
    let plan = |session: Session| {
        let plan = view.week.session(session);
        (
            RwSignal::new(plan.period_count()),
            RwSignal::new(
                plan.periods
                    .first()
                    .map(|p| p.start.to_string())
                    .unwrap_or_else(|| "07:00".into()),
            ),
            RwSignal::new(
                plan.long_break_after
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
            ),
        )
    };
    let morning = plan(Session::Morning);
    let afternoon = plan(Session::Afternoon);
    let first_weeks = RwSignal::new(view.first_semester_weeks);
    let second_weeks = RwSignal::new(view.second_semester_weeks);
    let rules = StoredValue::new(view.rules.clone());
    let max_subject = RwSignal::new(view.rules.max_subject_periods_per_day);
    let max_teacher = RwSignal::new(view.rules.max_teacher_periods_per_day);
    let max_gaps = RwSignal::new(view.rules.max_teacher_gaps_per_session);
    let save = Action::new(move |_: &()| {
        let session_plan =
            |(count, start, long): (RwSignal<u8>, RwSignal<String>, RwSignal<String>)| {
                SessionPlan::evenly_spaced(
                    TimeOfDay::parse(&start.get_untracked()).unwrap_or(SEVEN),
                    count.get_untracked(),
                    long.get_untracked().trim().parse().ok(),
                )
            };
        let mut chosen = days.get_untracked();
        chosen.sort();
        let week = SchoolWeek {
            days: chosen,
            morning: session_plan(morning),
            afternoon: session_plan(afternoon),
        };
        let mut rules = rules.get_value();
        rules.max_subject_periods_per_day = max_subject.get_untracked();
        rules.max_teacher_periods_per_day = max_teacher.get_untracked();
        rules.max_teacher_gaps_per_session = max_gaps.get_untracked();
        let week = serde_json::to_string(&week).unwrap_or_default();
        let rules = serde_json::to_string(&rules).unwrap_or_default();
        async move {
            save_timetable_week(
                school_id,
                week,
                rules,
                first_weeks.get_untracked(),
                second_weeks.get_untracked(),
            )
            .await
        }
    });
    Effect::new(move |_| {
        if save.value().get().is_some_and(|r| r.is_ok()) {
            changed.update(|n| *n += 1);
        }
    });
    let number = |signal: RwSignal<u8>| {
        move |ev: leptos::ev::Event| {
            if let Ok(value) = event_target_value(&ev).parse() {
                signal.set(value);
            }
        }
    };
    view! {
        <section class="card" data-section="week">
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
                <fieldset class="tt-days">
                    <legend>{move || i18n.t(SettingsText::Days)}</legend>
                    {Weekday::ALL.into_iter().map(|day| view! {
                        <label class="tt-check">
                            <input type="checkbox" data-day=day_code(day) prop:checked=move || days.get().contains(&day)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    days.update(|d| { d.retain(|x| *x != day); if on { d.push(day); } });
                                } />
                            {move || i18n.t(day_text(day))}
                        </label>
                    }).collect_view()}
                </fieldset>
                {[(Session::Morning, morning), (Session::Afternoon, afternoon)].into_iter().map(|(session, (count, start, long))| view! {
                    <fieldset class="tt-session" data-session=session_code(session)>
                        <legend>{move || i18n.t(session_text(session))}</legend>
                        <label>{move || i18n.t(SettingsText::Periods)}
                            <input class="input" type="number" min="0" max="12" prop:value=move || count.get().to_string() on:input=number(count) />
                        </label>
                        <label>{move || i18n.t(SettingsText::Starts)}
                            <input class="input" type="time" prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev)) />
                        </label>
                        <label>{move || i18n.t(SettingsText::LongBreakAfter)}
                            <input class="input" type="number" min="1" max="11" prop:value=move || long.get() on:input=move |ev| long.set(event_target_value(&ev)) />
                        </label>
                    </fieldset>
                }).collect_view()}
                <label>{move || i18n.t(SettingsText::SemesterWeeks)}
                    <span class="inline-form">
                        <input class="input" type="number" min="1" max="30" prop:value=move || first_weeks.get().to_string()
                            on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { first_weeks.set(v) } } />
                        <input class="input" type="number" min="1" max="30" prop:value=move || second_weeks.get().to_string()
                            on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { second_weeks.set(v) } } />
                    </span>
                </label>
                <label>{move || i18n.t(SettingsText::MaxSubjectPerDay)}
                    <input class="input" type="number" min="1" max="12" prop:value=move || max_subject.get().to_string() on:input=number(max_subject) />
                </label>
                <label>{move || i18n.t(SettingsText::MaxTeacherPerDay)}
                    <input class="input" type="number" min="1" max="24" prop:value=move || max_teacher.get().to_string() on:input=number(max_teacher) />
                </label>
                <label>{move || i18n.t(SettingsText::MaxGaps)}
                    <input class="input" type="number" min="0" max="12" prop:value=move || max_gaps.get().to_string() on:input=number(max_gaps) />
                </label>
                <button type="submit" class="button" data-action="save-week">{move || i18n.t(SettingsText::Save)}</button>
                {move || result_notice(save.value().get())}
            </form>
        </section>
    }
}

/// The start of a session whose time cannot be read (the form sends well-formed times).
const SEVEN: TimeOfDay = match TimeOfDay::new(7, 0) {
    Some(time) => time,
    None => panic!("07:00 is a time of day"),
};

#[component]
fn ClassSessions(view: SettingsView, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let school_id = view.school_id;
    let save = Action::new(move |(class, session): &(i64, String)| {
        save_class_session(school_id, *class, session.clone())
    });
    Effect::new(move |_| {
        if save.value().get().is_some_and(|r| r.is_ok()) {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card" data-section="class-sessions">
            <h2>{move || i18n.t(SettingsText::ClassSessions)}</h2>
            <ul class="list">
                {view.classes.into_iter().map(|class| {
                    let current = class.session.clone();
                    view! {
                        <li class="list-item">
                            <label class="inline-form">
                                <span class="list-title">{move || i18n.t(TtText::Class)} " " {class.name.clone()}</span>
                                <select class="input" data-class-session=class.name.clone()
                                    on:change=move |ev| { save.dispatch((class.id, event_target_value(&ev))); }>
                                    {[("morning", Some(Session::Morning)), ("afternoon", Some(Session::Afternoon)), ("full_day", None)].into_iter().map(|(code, session)| {
                                        let selected = current == code;
                                        view! {
                                            <option value=code selected=selected>
                                                {move || match session { Some(s) => i18n.t(session_text(s)), None => i18n.t(SettingsText::FullDay) }}
                                            </option>
                                        }
                                    }).collect_view()}
                                </select>
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || save.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
        </section>
    }
}

#[component]
fn Rooms(view: SettingsView, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let school_id = view.school_id;
    let name = RwSignal::new(String::new());
    let add = Action::new(move |_: &()| add_timetable_room(school_id, name.get_untracked()));
    Effect::new(move |_| {
        if add.value().get().is_some_and(|r| r.is_ok()) {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card" data-section="rooms">
            <h2>{move || i18n.t(SettingsText::Rooms)}</h2>
            <ul class="list">
                {view.rooms.into_iter().map(|room| view! { <li class="list-item" data-room=room.name.clone()>{room.name.clone()}</li> }).collect_view()}
            </ul>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
                <input class="input" data-field="room-name" maxlength="80" placeholder=move || i18n.t(SettingsText::RoomName)
                    on:input=move |ev| name.set(event_target_value(&ev)) />
                <button type="submit" class="button button-secondary">{move || i18n.t(SettingsText::Add)}</button>
            </form>
            {move || add.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
        </section>
    }
}

#[component]
fn Requirements(view: SettingsView, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let classes: Vec<(i64, String)> = view
        .classes
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    let shown = RwSignal::new(classes.first().map(|c| c.0).unwrap_or_default());
    let requirements = StoredValue::new(view.requirements.clone());
    let rooms = view.rooms.clone();
    let school_id = view.school_id;
    view! {
        <section class="card" data-section="requirements">
            <h2>{move || i18n.t(SettingsText::Requirements)}</h2>
            <select class="input" data-field="requirements-class" on:change=move |ev| {
                if let Ok(id) = event_target_value(&ev).parse() { shown.set(id) }
            }>
                {classes.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
            </select>
            <p class="secondary">{move || i18n.t(SettingsText::Default)}</p>
            {move || {
                let class = shown.get();
                let rows: Vec<RequirementView> = requirements.with_value(|all| all.iter().filter(|r| r.class_id == class).cloned().collect());
                let rooms = rooms.clone();
                view! {
                    <ul class="list">
                        {rows.into_iter().map(|row| view! { <RequirementRow row rooms=rooms.clone() school_id changed /> }).collect_view()}
                    </ul>
                }
            }}
        </section>
    }
}

#[component]
fn RequirementRow(
    row: RequirementView,
    rooms: Vec<crate::timetable::rules::RoomInfo>,
    school_id: i64,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let first = RwSignal::new(
        if row.periods.first_semester != row.default.first_semester {
            row.periods.first_semester.to_string()
        } else {
            String::new()
        },
    );
    let second = RwSignal::new(
        if row.periods.second_semester != row.default.second_semester {
            row.periods.second_semester.to_string()
        } else {
            String::new()
        },
    );
    let doubles = RwSignal::new(row.double_periods);
    let room = RwSignal::new(row.room.map(|r| r.0.to_string()).unwrap_or_default());
    let (class_id, subject_id) = (row.class_id, row.subject_id);
    let save = Action::new(move |_: &()| {
        save_timetable_requirement(
            school_id,
            class_id,
            subject_id,
            first.get_untracked().trim().parse().ok(),
            second.get_untracked().trim().parse().ok(),
            doubles.get_untracked(),
            room.get_untracked().parse().ok(),
        )
    });
    Effect::new(move |_| {
        if save.value().get().is_some_and(|r| r.is_ok()) {
            changed.update(|n| *n += 1);
        }
    });
    let current_room = room.get_untracked();
    view! {
        <li class="list-item" data-requirement=row.subject_name.clone()>
            <span class="list-title">{row.subject_name.clone()}</span>
            <span class="list-meta">{row.teacher_name.clone()} " · " {row.periods.first_semester} " / " {row.periods.second_semester}</span>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
                <label>{move || i18n.t(SettingsText::FirstSemester)}
                    <input class="input tt-narrow" type="number" min="0" max="20" placeholder=row.default.first_semester.to_string()
                        prop:value=move || first.get() on:input=move |ev| first.set(event_target_value(&ev)) />
                </label>
                <label>{move || i18n.t(SettingsText::SecondSemester)}
                    <input class="input tt-narrow" type="number" min="0" max="20" placeholder=row.default.second_semester.to_string()
                        prop:value=move || second.get() on:input=move |ev| second.set(event_target_value(&ev)) />
                </label>
                <label>{move || i18n.t(SettingsText::Doubles)}
                    <input class="input tt-narrow" type="number" min="0" max="10" prop:value=move || doubles.get().to_string()
                        on:input=move |ev| { if let Ok(v) = event_target_value(&ev).parse() { doubles.set(v) } } />
                </label>
                <select class="input" on:change=move |ev| room.set(event_target_value(&ev))>
                    <option value="" selected=current_room.is_empty()>{move || i18n.t(SettingsText::NoRoom)}</option>
                    {rooms.into_iter().map(|r| {
                        let selected = current_room == r.id.0.to_string();
                        view! { <option value=r.id.0 selected=selected>{r.name.clone()}</option> }
                    }).collect_view()}
                </select>
                <button type="submit" class="button button-secondary">{move || i18n.t(SettingsText::Save)}</button>
            </form>
            {move || save.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
        </li>
    }
}

#[component]
fn Unavailability(view: SettingsView, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let school_id = view.school_id;
    let teacher = RwSignal::new(view.teachers.first().map(|t| t.0).unwrap_or_default());
    let day = RwSignal::new("monday".to_string());
    let session = RwSignal::new(String::new());
    let period = RwSignal::new(String::new());
    let add = Action::new(move |_: &()| {
        add_teacher_unavailability(
            school_id,
            teacher.get_untracked(),
            day.get_untracked(),
            Some(session.get_untracked()).filter(|s| !s.is_empty()),
            period.get_untracked().parse().ok(),
        )
    });
    let remove = Action::new(move |id: &i64| remove_teacher_unavailability(school_id, *id));
    Effect::new(move |_| {
        if add.value().get().is_some_and(|r| r.is_ok())
            || remove.value().get().is_some_and(|r| r.is_ok())
        {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card" data-section="unavailability">
            <h2>{move || i18n.t(SettingsText::Unavailable)}</h2>
            <ul class="list">
                {view.unavailability.into_iter().map(|item| {
                    let rule = item.rule;
                    view! {
                        <li class="list-item">
                            <span>{item.teacher_name.clone()} " · " {move || i18n.t(day_text(rule.day))}
                                {move || match rule.session { Some(s) => format!(", {}", i18n.t(session_text(s))), None => format!(", {}", i18n.t(SettingsText::WholeDay)) }}
                                {move || rule.period.map(|p| format!(", {} {p}", i18n.t(TtText::Period))).unwrap_or_default()}
                            </span>
                            <button type="button" class="button button-danger" on:click=move |_| { remove.dispatch(item.id); }>
                                {move || i18n.t(SettingsText::Remove)}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
                <select class="input" on:change=move |ev| { if let Ok(id) = event_target_value(&ev).parse() { teacher.set(id) } }>
                    {view.teachers.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
                <select class="input" on:change=move |ev| day.set(event_target_value(&ev))>
                    {Weekday::ALL.into_iter().map(|d| view! { <option value=day_code(d)>{move || i18n.t(day_text(d))}</option> }).collect_view()}
                </select>
                <select class="input" on:change=move |ev| session.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t(SettingsText::WholeDay)}</option>
                    {Session::ALL.into_iter().map(|s| view! { <option value=session_code(s)>{move || i18n.t(session_text(s))}</option> }).collect_view()}
                </select>
                <select class="input" on:change=move |ev| period.set(event_target_value(&ev))>
                    <option value="">{move || i18n.t(SettingsText::WholeSession)}</option>
                    {(1..=10u8).map(|p| view! { <option value=p>{move || i18n.t(TtText::Period)} " " {p}</option> }).collect_view()}
                </select>
                <button type="submit" class="button button-secondary">{move || i18n.t(SettingsText::Add)}</button>
            </form>
            {move || add.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
        </section>
    }
}
