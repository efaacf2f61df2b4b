//! Importing a timetable made in FET: choose the `.fet` file (with its placed timetable) or FET's
//! `*_timetable.csv` export; review how its teachers, classes, subjects and rooms map to the
//! school's (unmatched names listed, every match can be changed); then apply it as a new draft,
//! which the conflict rules check like any other. A file that cannot be read says why, and
//! nothing is applied.

use leptos::prelude::*;

use super::TtText;
use super::home::ForEditors;
use crate::i18n::use_i18n;
use crate::texts;
use crate::timetable::api::{fet_apply, fet_preview};
use crate::timetable::fet::{NameMapping, NameMatch};
use crate::timetable::views::ImportPreview;
use crate::ui::{ErrorNotice, go_to};

texts! {
    pub enum ImportText {
        Title => ("Nhập thời khóa biểu từ FET", "Import a timetable from FET"),
        Intro => (
            "Chọn tệp .fet đã xếp xong (FET lưu trong thư mục timetables, tên kết thúc bằng _data_and_timetable.fet) hoặc tệp xuất _timetable.csv.",
            "Choose the .fet file with the generated timetable (FET saves it in its timetables folder, ending in _data_and_timetable.fet) or the _timetable.csv export."
        ),
        File => ("Tệp FET", "FET file"),
        Reading => ("Đang đọc tệp…", "Reading the file…"),
        Problem => ("Không đọc được tệp:", "The file cannot be read:"),
        Summary => ("hoạt động, đã xếp", "activities, placed"),
        WouldCreate => ("Bản nháp sẽ có", "The draft will have"),
        Lessons => ("tiết học", "lessons"),
        Unmatched => ("Tên chưa ghép được", "Names not matched"),
        AllMatched => ("Mọi tên đều đã ghép.", "Every name is matched."),
        Mapping => ("Ghép tên (có thể sửa)", "Name mapping (can be changed)"),
        Teachers => ("Giáo viên", "Teachers"),
        Classes => ("Lớp", "Classes"),
        Subjects => ("Môn học", "Subjects"),
        Rooms => ("Phòng", "Rooms"),
        NotMatched => ("— chưa ghép —", "— not matched —"),
        Recheck => ("Kiểm tra lại với ghép tên đã sửa", "Check again with this mapping"),
        Issues => ("tiết không nhập được hoặc nhập có thay đổi", "lessons skipped or changed on import"),
        DraftName => ("Tên bản nháp", "Draft name"),
        DefaultName => ("Nhập từ FET", "Imported from FET"),
        Apply => ("Nhập thành bản nháp mới", "Import as a new draft"),
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    view! { <ForEditors page=|school_id| view! { <Import school_id /> }.into_any() /> }
}

/// Reads the chosen file's text in the browser.
async fn read_file(input: Option<web_sys_input::Input>) -> Option<String> {
    web_sys_input::read(input).await
}

#[cfg(feature = "hydrate")]
mod web_sys_input {
    use wasm_bindgen::JsCast;

    pub type Input = web_sys::HtmlInputElement;

    pub async fn read(input: Option<Input>) -> Option<String> {
        let file = input?.files()?.get(0)?;
        let text = wasm_bindgen_futures::JsFuture::from(file.text())
            .await
            .ok()?;
        text.as_string()
    }

    pub fn from_event(ev: &leptos::ev::Event) -> Option<Input> {
        ev.target()?.dyn_into::<Input>().ok()
    }
}

#[cfg(not(feature = "hydrate"))]
mod web_sys_input {
    pub type Input = ();

    pub async fn read(_: Option<Input>) -> Option<String> {
        None
    }

    pub fn from_event(_: &leptos::ev::Event) -> Option<Input> {
        None
    }
}

#[component]
fn Import(school_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let content: RwSignal<Option<String>> = RwSignal::new(None);
    let semester = RwSignal::new(1u8);
    let mapping: RwSignal<Option<NameMapping>> = RwSignal::new(None);
    let name = RwSignal::new(String::new());
    let preview = Action::new(move |reviewed: &Option<NameMapping>| {
        let reviewed = reviewed
            .as_ref()
            .and_then(|m| serde_json::to_string(m).ok());
        let text = content.get_untracked().unwrap_or_default();
        fet_preview(school_id, text, reviewed, semester.get_untracked())
    });
    Effect::new(move |_| {
        if let Some(Ok(result)) = preview.value().get() {
            mapping.set(result.problem.is_none().then_some(result.mapping));
        }
    });
    let choose = Action::new_local(move |input: &Option<web_sys_input::Input>| {
        // The input is a browser element in the browser build, `()` on the server.
        #[allow(clippy::clone_on_copy)]
        let input = input.clone();
        async move {
            let text = read_file(input).await;
            content.set(text);
            mapping.set(None);
            preview.dispatch(None);
        }
    });
    let apply = Action::new(move |_: &()| {
        let text = content.get_untracked().unwrap_or_default();
        let chosen = mapping
            .get_untracked()
            .and_then(|m| serde_json::to_string(&m).ok())
            .unwrap_or_default();
        let draft_name = Some(name.get_untracked())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Nhập từ FET".to_string());
        fet_apply(
            school_id,
            text,
            chosen,
            semester.get_untracked(),
            draft_name,
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(id)) = apply.value().get() {
            go_to(&format!("/timetable/edit/{id}"));
        }
    });
    view! {
        <section class="card" data-page="timetable-import">
            <h1>{move || i18n.t(ImportText::Title)}</h1>
            <p class="secondary">{move || i18n.t(ImportText::Intro)}</p>
            <a href="/timetable">{move || i18n.t(TtText::Back)}</a>
            <label class="stack">{move || i18n.t(ImportText::File)}
                <input class="input" type="file" accept=".fet,.csv,.xml" data-field="fet-file"
                    on:change=move |ev| { choose.dispatch_local(web_sys_input::from_event(&ev)); } />
            </label>
            {move || (choose.pending().get() || preview.pending().get()).then(|| view! { <p class="secondary">{move || i18n.t(ImportText::Reading)}</p> })}
        </section>
        {move || preview.value().get().map(|result| match result {
            Ok(found) => view! { <Review found mapping semester name apply preview /> }.into_any(),
            Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
        })}
        {move || apply.value().get().and_then(Result::err).map(|error| view! { <section class="card"><ErrorNotice error /></section> })}
    }
}

#[component]
fn Review(
    found: ImportPreview,
    mapping: RwSignal<Option<NameMapping>>,
    semester: RwSignal<u8>,
    name: RwSignal<String>,
    apply: Action<(), Result<i64, crate::platform::error::AppError>>,
    preview: Action<Option<NameMapping>, Result<ImportPreview, crate::platform::error::AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    if let Some(problem) = found.problem {
        return view! {
            <section class="card">
                <div class="notice notice-error" role="alert" data-error-code=problem.code.clone()>
                    <p>{move || i18n.t(ImportText::Problem)}</p>
                    <p lang="vi">{problem.message_vi.clone()}</p>
                    <p lang="en" class="secondary">{problem.message_en.clone()}</p>
                </div>
            </section>
        }
        .into_any();
    }
    let unmatched = found.unmatched.clone();
    let unmatched_names: Vec<String> = unmatched
        .teachers
        .iter()
        .chain(&unmatched.classes)
        .chain(&unmatched.subjects)
        .chain(&unmatched.rooms)
        .chain(&unmatched.days)
        .chain(&unmatched.hours)
        .cloned()
        .collect();
    let options = found.options.clone();
    let skipped = found.issues.len();
    let unmatched_count = unmatched_names.len();
    view! {
        <section class="card" data-section="import-review" data-lessons=found.lesson_count data-unmatched=unmatched_count>
            <p>{found.institution.clone().unwrap_or_default()}</p>
            <p>{found.activities} " " {move || i18n.t(ImportText::Summary)} " " {found.placed}</p>
            <p>{move || i18n.t(ImportText::WouldCreate)} " " {found.lesson_count} " " {move || i18n.t(ImportText::Lessons)}
                " · " <span class="badge tt-badge-hard">{found.hard_conflicts}</span> " / " <span class="badge">{found.soft_conflicts}</span></p>
            {(skipped > 0).then(|| view! { <p class="secondary">{skipped} " " {move || i18n.t(ImportText::Issues)}</p> })}
            <h2>{move || i18n.t(ImportText::Unmatched)}</h2>
            {if unmatched_names.is_empty() {
                view! { <p class="notice notice-ok">{move || i18n.t(ImportText::AllMatched)}</p> }.into_any()
            } else {
                view! {
                    <ul class="tt-unmatched">
                        {unmatched_names.into_iter().map(|n| view! { <li data-unmatched-name=n.clone()>{n.clone()}</li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card" data-section="import-mapping">
            <h2>{move || i18n.t(ImportText::Mapping)}</h2>
            <MappingGroup kind=NameKind::Teachers mapping options=options.teachers.iter().map(|(id, n)| (id.0, n.clone())).collect() />
            <MappingGroup kind=NameKind::Classes mapping options=options.classes.iter().map(|(id, n)| (id.0, n.clone())).collect() />
            <MappingGroup kind=NameKind::Subjects mapping options=options.subjects.iter().map(|(id, n)| (id.0, n.clone())).collect() />
            <MappingGroup kind=NameKind::Rooms mapping options=options.rooms.iter().map(|(id, n)| (id.0, n.clone())).collect() />
            <button type="button" class="button button-secondary" data-action="recheck"
                on:click=move |_| { preview.dispatch(mapping.get_untracked()); }>
                {move || i18n.t(ImportText::Recheck)}
            </button>
        </section>
        <section class="card" data-section="import-apply">
            <label>{move || i18n.t(ImportText::DraftName)}
                <input class="input" maxlength="120" placeholder=move || i18n.t(ImportText::DefaultName)
                    on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label>{move || i18n.t(super::home::HomeText::Semester)}
                <select class="input" on:change=move |ev| semester.set(if event_target_value(&ev) == "2" { 2 } else { 1 })>
                    <option value="1">{move || i18n.t(super::home::HomeText::SemesterOne)}</option>
                    <option value="2">{move || i18n.t(super::home::HomeText::SemesterTwo)}</option>
                </select>
            </label>
            <button type="button" class="button" data-action="apply-import" on:click=move |_| { apply.dispatch(()); }>
                {move || i18n.t(ImportText::Apply)}
            </button>
        </section>
    }
    .into_any()
}

/// Which names of the mapping a group shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameKind {
    Teachers,
    Classes,
    Subjects,
    Rooms,
}

impl NameKind {
    fn title(self) -> ImportText {
        match self {
            NameKind::Teachers => ImportText::Teachers,
            NameKind::Classes => ImportText::Classes,
            NameKind::Subjects => ImportText::Subjects,
            NameKind::Rooms => ImportText::Rooms,
        }
    }

    fn entries(self, mapping: &NameMapping) -> Vec<(String, Option<i64>)> {
        fn pairs<T: Copy>(list: &[NameMatch<T>], id: fn(T) -> i64) -> Vec<(String, Option<i64>)> {
            list.iter()
                .map(|m| (m.name.clone(), m.matched.map(id)))
                .collect()
        }
        match self {
            NameKind::Teachers => pairs(&mapping.teachers, |t| t.0),
            NameKind::Classes => pairs(&mapping.classes, |c| c.0),
            NameKind::Subjects => pairs(&mapping.subjects, |s| s.0),
            NameKind::Rooms => pairs(&mapping.rooms, |r| r.0),
        }
    }

    fn set(self, mapping: &mut NameMapping, name: &str, id: Option<i64>) {
        use crate::timetable::rules::{ClassId, RoomId, SubjectId, TeacherId};
        match self {
            NameKind::Teachers => set_match(&mut mapping.teachers, name, id.map(TeacherId)),
            NameKind::Classes => set_match(&mut mapping.classes, name, id.map(ClassId)),
            NameKind::Subjects => set_match(&mut mapping.subjects, name, id.map(SubjectId)),
            NameKind::Rooms => set_match(&mut mapping.rooms, name, id.map(RoomId)),
        }
    }
}

fn set_match<T: Copy>(list: &mut [NameMatch<T>], name: &str, id: Option<T>) {
    if let Some(entry) = list.iter_mut().find(|m| m.name == name) {
        entry.matched = id;
        entry.ambiguous.clear();
    }
}

#[component]
fn MappingGroup(
    kind: NameKind,
    mapping: RwSignal<Option<NameMapping>>,
    options: Vec<(i64, String)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let entries =
        mapping.with_untracked(|m| m.as_ref().map(|m| kind.entries(m)).unwrap_or_default());
    view! {
        <h3>{move || i18n.t(kind.title())}</h3>
        <ul class="list">
            {entries.into_iter().map(|(fet_name, current)| {
                let options = options.clone();
                let key = fet_name.clone();
                view! {
                    <li class="list-item" data-mapping=fet_name.clone() data-matched=current.is_some().to_string()>
                        <label class="inline-form">
                            <span class="list-title">{fet_name.clone()}</span>
                            <select class="input" on:change=move |ev| {
                                let id = event_target_value(&ev).parse::<i64>().ok();
                                mapping.update(|m| if let Some(m) = m { kind.set(m, &key, id) });
                            }>
                                <option value="" selected=current.is_none()>{move || i18n.t(ImportText::NotMatched)}</option>
                                {options.into_iter().map(|(id, name)| view! {
                                    <option value=id selected=current == Some(id)>{name}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
