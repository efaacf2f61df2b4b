//! The editors' start page: drafts and published versions (older ones stay readable), a new
//! draft (empty or copied), and the ways to the week's settings, FET import, substitutions and
//! printing.

use leptos::prelude::*;

use super::{TtText, show_date};
use crate::i18n::{Translate, use_i18n};
use crate::platform::error::{AppError, ErrorCode};
use crate::texts;
use crate::timetable::api::{
    create_timetable_draft, delete_timetable_draft, my_timetables, timetable_home,
};
use crate::timetable::views::{EditorHome, VersionStatus};
use crate::ui::{ErrorNotice, go_to};

texts! {
    pub enum HomeText {
        Title => ("Xếp thời khóa biểu", "Timetable building"),
        NewDraft => ("Bản nháp mới", "New draft"),
        Name => ("Tên", "Name"),
        DefaultName => ("Thời khóa biểu mới", "New timetable"),
        Semester => ("Học kỳ", "Semester"),
        SemesterOne => ("Học kỳ I", "Semester I"),
        SemesterTwo => ("Học kỳ II", "Semester II"),
        CopyFrom => ("Bắt đầu từ", "Start from"),
        Empty => ("Bản trống", "Empty"),
        Create => ("Tạo bản nháp", "Create the draft"),
        Drafts => ("Bản nháp", "Drafts"),
        Versions => ("Các bản đã công bố", "Published versions"),
        InForce => ("Đang áp dụng", "In force"),
        Open => ("Mở", "Open"),
        View => ("Xem", "View"),
        Delete => ("Xóa", "Delete"),
        Lessons => ("tiết", "lessons"),
        Settings => ("Tuần học, phòng, số tiết, lịch bận", "Week, rooms, weekly counts, unavailability"),
        Import => ("Nhập từ FET", "Import from FET"),
        Substitutions => ("Dạy thay", "Substitutions"),
        PrintClasses => ("In thời khóa biểu các lớp", "Print the classes' timetables"),
        PrintTeachers => ("In lịch dạy giáo viên", "Print the teachers' timetables"),
    }
}

/// Resolves the staff member's school and renders `page` for editors only.
#[component]
pub fn ForEditors(page: fn(i64) -> AnyView) -> impl IntoView {
    let mine = Resource::new(|| (), |_| my_timetables());
    view! {
        <Suspense fallback=|| ()>
            {move || mine.get().map(|result| match result {
                Ok(mine) if mine.can_edit => page(mine.school_id),
                Ok(_) => view! { <section class="card"><ErrorNotice error=AppError::new(ErrorCode::Forbidden) /></section> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn EditorHomePage() -> impl IntoView {
    view! { <ForEditors page=|school_id| view! { <Home school_id /> }.into_any() /> }
}

#[component]
fn Home(school_id: i64) -> impl IntoView {
    let home = Resource::new(move || school_id, timetable_home);
    let delete = Action::new(|id: &i64| delete_timetable_draft(*id));
    Effect::new(move |_| {
        if delete.version().get() > 0 {
            home.refetch();
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || home.get().map(|result| match result {
                Ok(home) => view! { <HomeBody home delete /> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn HomeBody(home: EditorHome, delete: Action<i64, Result<(), AppError>>) -> impl IntoView {
    let i18n = use_i18n();
    let school_id = home.school_id;
    let (drafts, versions): (Vec<_>, Vec<_>) = home
        .versions
        .iter()
        .cloned()
        .partition(|v| v.status == VersionStatus::Draft);
    let name = RwSignal::new(String::new());
    let semester = RwSignal::new(1u8);
    let copy_from = RwSignal::new(home.in_force.map(|id| id.to_string()).unwrap_or_default());
    let create = Action::new(move |_: &()| {
        let chosen = name.get_untracked();
        let name = if chosen.trim().is_empty() {
            HomeText::DefaultName
                .text(crate::i18n::Lang::Vi)
                .to_string()
        } else {
            chosen
        };
        create_timetable_draft(
            school_id,
            semester.get_untracked(),
            name,
            copy_from.get_untracked().parse().ok(),
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            go_to(&format!("/timetable/edit/{id}"));
        }
    });
    let sources = home.versions.clone();
    view! {
        <section class="card" data-page="timetable-home">
            <h1>{move || i18n.t(HomeText::Title)}</h1>
            <p class="secondary">{home.school_name.clone()}</p>
            <ul class="list">
                <li class="list-item"><a class="list-link" href="/timetable/settings">{move || i18n.t(HomeText::Settings)}</a></li>
                <li class="list-item"><a class="list-link" href="/timetable/import" data-action="import">{move || i18n.t(HomeText::Import)}</a></li>
                <li class="list-item"><a class="list-link" href="/timetable/substitutions" data-action="substitutions">{move || i18n.t(HomeText::Substitutions)}</a></li>
            </ul>
        </section>
        <section class="card" data-section="new-draft">
            <h2>{move || i18n.t(HomeText::NewDraft)}</h2>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); create.dispatch(()); }>
                <label>{move || i18n.t(HomeText::Name)}
                    <input class="input" data-field="draft-name" maxlength="120"
                        placeholder=move || i18n.t(HomeText::DefaultName)
                        on:input=move |ev| name.set(event_target_value(&ev)) />
                </label>
                <label>{move || i18n.t(HomeText::Semester)}
                    <select class="input" data-field="semester" on:change=move |ev| semester.set(if event_target_value(&ev) == "2" { 2 } else { 1 })>
                        <option value="1">{move || i18n.t(HomeText::SemesterOne)}</option>
                        <option value="2">{move || i18n.t(HomeText::SemesterTwo)}</option>
                    </select>
                </label>
                <label>{move || i18n.t(HomeText::CopyFrom)}
                    <select class="input" data-field="copy-from" on:change=move |ev| copy_from.set(event_target_value(&ev))>
                        <option value="" selected=move || copy_from.get().is_empty()>{move || i18n.t(HomeText::Empty)}</option>
                        {sources.into_iter().map(|v| {
                            let value = v.id.to_string();
                            let selected_value = value.clone();
                            view! { <option value=value selected=move || copy_from.get() == selected_value>{v.name.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="button" data-action="create-draft">{move || i18n.t(HomeText::Create)}</button>
                {move || create.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
            </form>
        </section>
        <section class="card" data-section="drafts">
            <h2>{move || i18n.t(HomeText::Drafts)}</h2>
            <ul class="list">
                {drafts.into_iter().map(|draft| view! {
                    <li class="list-item" data-draft=draft.id>
                        <a class="list-link" href=format!("/timetable/edit/{}", draft.id)>
                            <span class="list-title">{draft.name.clone()}</span>
                            <span class="list-meta">{draft.lesson_count} " " {move || i18n.t(HomeText::Lessons)}</span>
                        </a>
                        <button type="button" class="button button-danger" data-action="delete-draft"
                            on:click=move |_| { delete.dispatch(draft.id); }>
                            {move || i18n.t(HomeText::Delete)}
                        </button>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section class="card" data-section="versions">
            <h2>{move || i18n.t(HomeText::Versions)}</h2>
            <ul class="list">
                {versions.into_iter().map(|version| {
                    let in_force = home.in_force == Some(version.id);
                    view! {
                        <li class="list-item" data-version=version.version_no.unwrap_or_default()>
                            <a class="list-link" href=format!("/timetable/edit/{}", version.id)>
                                <span class="list-title">
                                    {move || i18n.t(TtText::Version)} " " {version.version_no.unwrap_or_default()} " · " {version.name.clone()}
                                    {in_force.then(|| view! { " " <span class="badge">{move || i18n.t(HomeText::InForce)}</span> })}
                                </span>
                                <span class="list-meta">{move || i18n.t(TtText::AppliesFrom)} " "
                                    {version.effective_from.as_deref().map(show_date).unwrap_or_default()}</span>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <section class="card" data-section="print">
            <h2>{move || i18n.t(HomeText::PrintClasses)}</h2>
            <div class="tt-chips">
                {home.classes.iter().map(|(id, name)| view! {
                    <a class="tt-chip" href=format!("/timetable/print/class/{id}")>{name.clone()}</a>
                }).collect_view()}
            </div>
            <h2>{move || i18n.t(HomeText::PrintTeachers)}</h2>
            <ul class="list">
                {home.teachers.iter().map(|(id, name)| view! {
                    <li class="list-item">
                        <a class="list-link" href=format!("/timetable/teacher/{id}")>{name.clone()}</a>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}
