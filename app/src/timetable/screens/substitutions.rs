//! Substitutions (dạy thay): mark a teacher absent on a date; each of their lessons that day is
//! listed with the free teachers, those of the same subject first; choose one (or let the lesson
//! not be held), then publish the day's changes on top of the timetable, no new version.

use leptos::prelude::*;

use super::home::ForEditors;
use super::{TtText, session_text, show_date};
use crate::i18n::use_i18n;
use crate::texts;
use crate::timetable::api::{
    choose_substitute, clear_teacher_absence, mark_teacher_absent, publish_substitutions,
    substitution_day,
};
use crate::timetable::views::{AffectedView, SubstitutionPlan};
use crate::ui::ErrorNotice;

texts! {
    pub enum SubstitutionText {
        Title => ("Dạy thay", "Substitutions"),
        Date => ("Ngày", "Date"),
        MarkAbsent => ("Báo giáo viên vắng", "Mark a teacher absent"),
        Absent => ("Vắng", "Absent"),
        NotAbsent => ("Không vắng nữa", "No longer absent"),
        NoAbsences => ("Không có giáo viên vắng ngày này.", "No teacher is absent that day."),
        NoLessons => ("Không có tiết dạy ngày này.", "No lessons that day."),
        SameSubject => ("cùng môn", "same subject"),
        AtSchool => ("đang ở trường", "at school"),
        PeriodsThatDay => ("tiết trong ngày", "periods that day"),
        Choose => ("— chọn người dạy thay —", "— choose a substitute —"),
        NotHeld => ("Nghỉ tiết này", "Not held"),
        Save => ("Lưu", "Save"),
        Published => ("đã công bố", "published"),
        PublishDay => ("Công bố thay đổi trong ngày", "Publish the day's changes"),
        Unpublished => ("thay đổi chưa công bố", "changes not yet published"),
        DonePublished => ("Đã công bố; phụ huynh và giáo viên đã nhận thông báo.", "Published; families and teachers have been notified."),
    }
}

#[component]
pub fn SubstitutionsPage() -> impl IntoView {
    view! { <ForEditors page=|school_id| view! { <Substitutions school_id /> }.into_any() /> }
}

#[component]
fn Substitutions(school_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let date = RwSignal::new(String::new());
    let changed = RwSignal::new(0u32);
    let day = Resource::new(
        move || (date.get(), changed.get()),
        move |(date, _)| substitution_day(school_id, Some(date).filter(|d| !d.is_empty())),
    );
    view! {
        <section class="card" data-page="substitutions">
            <h1>{move || i18n.t(SubstitutionText::Title)}</h1>
            <a href="/timetable">{move || i18n.t(TtText::Back)}</a>
            <label>{move || i18n.t(SubstitutionText::Date)}
                <input class="input" type="date" data-field="date" on:change=move |ev| date.set(event_target_value(&ev)) />
            </label>
        </section>
        <Suspense fallback=|| ()>
            {move || day.get().map(|result| match result {
                Ok(plan) => view! { <Plan plan changed /> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Plan(plan: SubstitutionPlan, changed: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let school_id = plan.school_id;
    let date = plan.date.clone();
    let absent_teacher = RwSignal::new(plan.teachers.first().map(|t| t.0).unwrap_or_default());
    let mark = {
        let date = date.clone();
        Action::new(move |staff: &i64| mark_teacher_absent(school_id, *staff, date.clone()))
    };
    let clear = {
        let date = date.clone();
        Action::new(move |staff: &i64| clear_teacher_absence(school_id, *staff, date.clone()))
    };
    let publish = {
        let date = date.clone();
        Action::new(move |_: &()| publish_substitutions(school_id, date.clone()))
    };
    Effect::new(move |_| {
        let done = mark.value().get().is_some_and(|r| r.is_ok())
            || clear.value().get().is_some_and(|r| r.is_ok())
            || publish.value().get().is_some_and(|r| r.is_ok());
        if done {
            changed.update(|n| *n += 1);
        }
    });
    let unpublished = plan.unpublished;
    view! {
        <section class="card" data-section="absences" data-date=date.clone()>
            <h2>{show_date(&date)}</h2>
            {plan.version.is_none().then(|| view! { <p class="notice notice-error">{move || i18n.t(TtText::NoTimetable)}</p> })}
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); mark.dispatch(absent_teacher.get_untracked()); }>
                <select class="input" data-field="absent-teacher" on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse() { absent_teacher.set(id) }
                }>
                    {plan.teachers.iter().map(|(id, name)| view! { <option value=*id>{name.clone()}</option> }).collect_view()}
                </select>
                <button type="submit" class="button" data-action="mark-absent">{move || i18n.t(SubstitutionText::MarkAbsent)}</button>
            </form>
            {move || mark.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
            {plan.absences.is_empty().then(|| view! { <p class="secondary">{move || i18n.t(SubstitutionText::NoAbsences)}</p> })}
        </section>
        {plan.absences.into_iter().map(|absence| {
            let staff_id = absence.staff_id;
            let date = date.clone();
            view! {
                <section class="card" data-absent=absence.name.clone()>
                    <h2>{move || i18n.t(SubstitutionText::Absent)} ": " {absence.name.clone()}</h2>
                    <button type="button" class="button button-secondary" on:click=move |_| { clear.dispatch(staff_id); }>
                        {move || i18n.t(SubstitutionText::NotAbsent)}
                    </button>
                    {absence.lessons.is_empty().then(|| view! { <p class="secondary">{move || i18n.t(SubstitutionText::NoLessons)}</p> })}
                    <ul class="list">
                        {absence.lessons.into_iter().map(|lesson| view! { <Affected lesson school_id date=date.clone() changed /> }).collect_view()}
                    </ul>
                </section>
            }
        }).collect_view()}
        <section class="card" data-section="publish-day">
            <p>{unpublished} " " {move || i18n.t(SubstitutionText::Unpublished)}</p>
            <button type="button" class="button" data-action="publish-day" disabled=unpublished == 0
                on:click=move |_| { publish.dispatch(()); }>
                {move || i18n.t(SubstitutionText::PublishDay)}
            </button>
            {move || publish.value().get().map(|r| match r {
                Ok(_) => view! { <p class="notice notice-ok" data-day-published="">{move || i18n.t(SubstitutionText::DonePublished)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn Affected(
    lesson: AffectedView,
    school_id: i64,
    date: String,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    // "" = not decided, "none" = not held, else a teacher's id.
    let initial = match lesson.chosen {
        None => String::new(),
        Some(None) => "none".to_string(),
        Some(Some(id)) => id.to_string(),
    };
    let choice = RwSignal::new(initial.clone());
    let lesson_id = lesson.lesson_id;
    let save = Action::new(move |_: &()| {
        let value = choice.get_untracked();
        choose_substitute(school_id, date.clone(), lesson_id, value.parse().ok())
    });
    Effect::new(move |_| {
        if save.value().get().is_some_and(|r| r.is_ok()) {
            changed.update(|n| *n += 1);
        }
    });
    let session = lesson.session;
    view! {
        <li class="list-item" data-affected=lesson.lesson_id>
            <span class="list-title">
                {move || i18n.t(session_text(session))} " · " {move || i18n.t(TtText::Period)} " " {lesson.period}
                " · " {lesson.subject.clone()} " · " {move || i18n.t(TtText::Class)} " " {lesson.class_name.clone()}
                {lesson.published.then(|| view! { " " <span class="badge">{move || i18n.t(SubstitutionText::Published)}</span> })}
            </span>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
                <select class="input" data-field="substitute" on:change=move |ev| choice.set(event_target_value(&ev))>
                    <option value="" selected=initial.is_empty()>{move || i18n.t(SubstitutionText::Choose)}</option>
                    <option value="none" selected=initial == "none">{move || i18n.t(SubstitutionText::NotHeld)}</option>
                    {lesson.candidates.into_iter().map(|c| {
                        let selected = initial == c.staff_id.to_string();
                        let mut notes = Vec::new();
                        if c.same_subject { notes.push(SubstitutionText::SameSubject) }
                        if c.at_school_that_session { notes.push(SubstitutionText::AtSchool) }
                        view! {
                            <option value=c.staff_id selected=selected data-same-subject=c.same_subject.to_string()>
                                {c.name.clone()}
                                {move || notes.iter().map(|n| format!(" · {}", i18n.t(*n))).collect::<String>()}
                                " · " {c.periods_that_day} " " {move || i18n.t(SubstitutionText::PeriodsThatDay)}
                            </option>
                        }
                    }).collect_view()}
                </select>
                <button type="submit" class="button button-secondary">{move || i18n.t(SubstitutionText::Save)}</button>
            </form>
            {move || save.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
        </li>
    }
}
