//! The timetable editor, tablet first. A grid per class (or per teacher), days across and
//! periods down; a tray of the lessons not placed yet. Tap a lesson in the tray, then a cell, to
//! place it; tap a placed lesson, then an empty cell to move it or another lesson to swap them
//! (or drag it there). The conflicts come from the same rules the server runs, checked again in
//! microseconds after each edit, and each names who, when, and the cell to fix.
//!
//! Edits are applied on the device at once and kept in its local storage until the server has
//! them: sent in batches with an id (a batch sent twice is applied once) and the draft revision
//! they were made from, so the server refuses, rather than overwrites, cells another editor
//! changed meanwhile, and answers with the draft as it stands. Offline, edits wait and go on
//! reconnection. Every few seconds the editor asks whether someone else changed the draft.

// Syncing with the server runs only in the browser; the server renders the first grid.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use super::{TtText, day_text, session_text, show_date};
use crate::i18n::{I18n, Translate, use_i18n};
use crate::platform::error::AppError;
use crate::texts;
#[cfg(feature = "hydrate")]
use crate::timetable::api::{apply_timetable_edits, timetable_state};
use crate::timetable::api::{publish_timetable, timetable_editor, timetable_publish_preview};
use crate::timetable::rules::{
    Checker, ClassId, Conflict, Edit, Lesson, LessonId, School, Semester, Session, Severity, Slot,
    TeacherId, Timetable, TimetableSettings, When, Who,
};
use crate::timetable::views::{
    Assignment, ChangesFor, EditOutcome, EditorData, VersionStatus, day_code, session_code,
};
#[cfg(feature = "hydrate")]
use crate::timetable::views::{day_from_code, session_from_code};
use crate::ui::ErrorNotice;

texts! {
    /// Texts of the editor.
    pub enum EditorText {
        Draft => ("Bản nháp", "Draft"),
        ReadOnly => ("Bản đã công bố — chỉ xem", "Published — read only"),
        Classes => ("Lớp", "Classes"),
        TeacherView => ("Xem theo giáo viên", "By teacher"),
        ChooseTeacher => ("— chọn giáo viên —", "— choose a teacher —"),
        Tray => ("Tiết chưa xếp", "Lessons to place"),
        TrayEmpty => ("Đã xếp đủ các tiết.", "Every lesson is placed."),
        TrayHelp => (
            "Chạm một tiết ở đây rồi chạm vào ô trống trên lưới. Chạm một tiết đã xếp rồi chạm ô khác để chuyển, hoặc chạm tiết khác để đổi chỗ.",
            "Tap a lesson here, then an empty cell of the grid. Tap a placed lesson, then another cell to move it, or another lesson to swap them."
        ),
        RemoveLesson => ("Bỏ tiết đã chọn về khay", "Return the selected lesson to the tray"),
        Conflicts => ("Xung đột", "Conflicts"),
        NoConflicts => ("Không có xung đột.", "No conflicts."),
        OnlyThisView => ("Chỉ lớp/giáo viên đang xem", "Only the class/teacher shown"),
        More => ("và còn", "and"),
        MoreSuffix => ("xung đột nữa", "more"),
        Saved => ("Đã lưu", "Saved"),
        Pending => ("Chờ gửi", "Waiting to send"),
        Sending => ("Đang lưu…", "Saving…"),
        Offline => ("Ngoại tuyến — các thay đổi được giữ trên máy và sẽ gửi khi có mạng", "Offline — changes are kept on this device and sent when back online"),
        Refused => (
            "Một số thay đổi không được lưu vì người khác vừa sửa các ô đó; lưới đang hiện bản mới nhất.",
            "Some changes were not saved because someone else changed those cells; the grid shows the latest version."
        ),
        Publish => ("Công bố", "Publish"),
        EffectiveFrom => ("Áp dụng từ ngày", "In force from"),
        Preview => ("Xem thay đổi trước khi công bố", "See what changes before publishing"),
        PublishNow => ("Công bố thời khóa biểu", "Publish the timetable"),
        PendingFirst => ("Đang chờ gửi thay đổi; công bố khi đã lưu xong.", "Changes are still being saved; publish once they are."),
        HardCount => ("lỗi phải sửa", "to fix"),
        SoftCount => ("cảnh báo", "warnings"),
        ComparedWith => ("So với bản", "Compared with version"),
        FirstVersion => ("Đây là bản đầu tiên.", "This is the first version."),
        ForTeachers => ("Giáo viên có thay đổi", "Teachers whose week changes"),
        ForClasses => ("Lớp có thay đổi", "Classes whose week changes"),
        Notified => ("Sẽ gửi thông báo tới", "Notices will go to"),
        TeachersAnd => ("giáo viên và", "teachers and"),
        Families => ("phụ huynh", "families"),
        NoChanges => ("Không có tiết nào thay đổi.", "No lesson changes."),
        New => ("mới", "new"),
        Removed => ("bỏ", "removed"),
        PublishedOk => ("Đã công bố. Giáo viên và phụ huynh đã nhận thông báo.", "Published. Teachers and families have been notified."),
        BackToList => ("Về danh sách thời khóa biểu", "Back to the timetables"),
        WhoRoom => ("Phòng", "Room"),
        Week => ("cả tuần", "the whole week"),
    }
}

/// The grid shown: a class's week or a teacher's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ViewOf {
    Class(ClassId),
    Teacher(TeacherId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Selected {
    Tray(Assignment),
    Lesson(LessonId),
}

/// A batch sent (or to send again) with its id and the revision it was made from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Batch {
    id: String,
    base_revision: i64,
    edits: Vec<Edit>,
}

/// Edits the server does not have yet, kept in local storage per draft.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Outbox {
    in_flight: Option<Batch>,
    queued: Vec<Edit>,
    /// The next id for a lesson placed on this device (negative, counting down).
    next_temp: i64,
}

impl Outbox {
    fn pending(&self) -> usize {
        self.queued.len() + self.in_flight.as_ref().map_or(0, |b| b.edits.len())
    }
}

/// What does not change while editing.
struct Fixed {
    draft: i64,
    school: School,
    settings: TimetableSettings,
    semester: Semester,
    assignments: Vec<Assignment>,
    read_only: bool,
}

/// The editor's state, as signals (all `Copy`).
#[derive(Clone, Copy)]
struct Ctx {
    fixed: StoredValue<Fixed>,
    server_lessons: StoredValue<Vec<Lesson>>,
    revision: RwSignal<i64>,
    checker: RwSignal<Checker>,
    outbox: RwSignal<Outbox>,
    sending: RwSignal<bool>,
    offline: RwSignal<bool>,
    refused: RwSignal<usize>,
    failure: RwSignal<Option<AppError>>,
    view_of: RwSignal<ViewOf>,
    selected: RwSignal<Option<Selected>>,
}

fn remap(edit: &mut Edit, map: &HashMap<i64, i64>) {
    let fix = |id: &mut LessonId| {
        if let Some(saved) = map.get(&id.0) {
            *id = LessonId(*saved);
        }
    };
    match edit {
        Edit::Place { .. } => {}
        Edit::Move { lesson, .. } | Edit::Remove { lesson } => fix(lesson),
        Edit::Swap { first, second } => {
            fix(first);
            fix(second);
        }
        Edit::Replace { lesson } => fix(&mut lesson.id),
    }
}

impl Ctx {
    fn draft(&self) -> i64 {
        self.fixed.with_value(|f| f.draft)
    }

    fn storage_key(&self) -> String {
        format!("truongso.timetable.outbox.{}", self.draft())
    }

    /// The checker from the server's lessons plus the edits not yet saved.
    fn rebuild(&self) {
        let outbox = self.outbox.get_untracked();
        let lessons = self.server_lessons.get_value();
        let checker = self.fixed.with_value(|f| {
            Checker::new(
                &f.school,
                &f.settings,
                &Timetable {
                    semester: f.semester,
                    lessons,
                },
            )
        });
        let Ok(mut checker) = checker else {
            return;
        };
        for edit in outbox
            .in_flight
            .iter()
            .flat_map(|b| b.edits.iter())
            .chain(outbox.queued.iter())
        {
            let _ = checker.apply(*edit);
        }
        self.checker.set(checker);
        if let Some(Selected::Lesson(id)) = self.selected.get_untracked()
            && self.checker.with_untracked(|c| c.lesson(id).is_none())
        {
            self.selected.set(None);
        }
    }

    fn temp_id(&self) -> LessonId {
        let id = self
            .outbox
            .try_update(|o| {
                let id = o.next_temp.min(-1);
                o.next_temp = id - 1;
                id
            })
            .unwrap_or(-1);
        LessonId(id)
    }

    /// Applies an edit here at once, and queues it for the server.
    fn edit(&self, edit: Edit) {
        if self.fixed.with_value(|f| f.read_only) {
            return;
        }
        let applied = self
            .checker
            .try_update(|c| c.apply(edit).is_ok())
            .unwrap_or(false);
        if !applied {
            return;
        }
        self.outbox.update(|o| o.queued.push(edit));
        self.persist();
        self.flush();
    }

    fn remaining(&self, assignment: &Assignment) -> u16 {
        let required = self.fixed.with_value(|f| {
            f.school
                .requirements
                .iter()
                .find(|r| r.class == assignment.class && r.subject == assignment.subject)
                .map_or(0, |r| u16::from(r.periods.in_semester(f.semester)))
        });
        let placed: u16 = self.checker.with_untracked(|c| {
            c.timetable()
                .lessons
                .iter()
                .filter(|l| l.class == assignment.class && l.subject == assignment.subject)
                .map(|l| u16::from(l.length))
                .sum()
        });
        required.saturating_sub(placed)
    }

    /// A tap on a cell of the grid (or the end of a drag onto it).
    fn tap(&self, slot: Slot, lesson_at: Option<LessonId>) {
        let read_only = self.fixed.with_value(|f| f.read_only);
        match (self.selected.get_untracked(), lesson_at) {
            (Some(Selected::Tray(assignment)), None) if !read_only => {
                let id = self.temp_id();
                self.edit(Edit::Place {
                    lesson: Lesson {
                        id,
                        class: assignment.class,
                        subject: assignment.subject,
                        teacher: assignment.teacher,
                        room: assignment.room,
                        day: slot.day,
                        session: slot.session,
                        period: slot.period,
                        length: 1,
                    },
                });
                if self.remaining(&assignment) == 0 {
                    self.selected.set(None);
                }
            }
            (Some(Selected::Lesson(chosen)), None) if !read_only => {
                self.edit(Edit::Move {
                    lesson: chosen,
                    to: slot,
                });
                self.selected.set(None);
            }
            (Some(Selected::Lesson(chosen)), Some(here)) if chosen == here => {
                self.selected.set(None);
            }
            (Some(Selected::Lesson(chosen)), Some(here)) if !read_only => {
                self.edit(Edit::Swap {
                    first: chosen,
                    second: here,
                });
                self.selected.set(None);
            }
            (_, Some(here)) => self.selected.set(Some(Selected::Lesson(here))),
            _ => {}
        }
    }

    fn persist(&self) {
        #[cfg(feature = "hydrate")]
        {
            let outbox = self.outbox.get_untracked();
            let key = self.storage_key();
            if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten())
            {
                if outbox.pending() == 0 {
                    let _ = storage.remove_item(&key);
                } else if let Ok(json) = serde_json::to_string(&outbox) {
                    let _ = storage.set_item(&key, &json);
                }
            }
        }
    }

    /// Edits kept on this device from an earlier visit (sent now).
    fn restore(&self) {
        #[cfg(feature = "hydrate")]
        {
            let stored = web_sys::window()
                .and_then(|w| w.local_storage().ok().flatten())
                .and_then(|s| s.get_item(&self.storage_key()).ok().flatten())
                .and_then(|json| serde_json::from_str::<Outbox>(&json).ok());
            if let Some(stored) = stored.filter(|o| o.pending() > 0) {
                self.outbox.set(stored);
                self.rebuild();
                self.flush();
            }
        }
    }

    /// Sends what waits, one batch at a time; a batch that did not get an answer is sent again
    /// with the same id.
    fn flush(&self) {
        #[cfg(feature = "hydrate")]
        {
            if self.sending.get_untracked() {
                return;
            }
            let base = self.revision.get_untracked();
            let batch = self
                .outbox
                .try_update(|o| {
                    if o.in_flight.is_none() && !o.queued.is_empty() {
                        o.in_flight = Some(Batch {
                            id: new_batch_id(),
                            base_revision: base,
                            edits: std::mem::take(&mut o.queued),
                        });
                    }
                    o.in_flight.clone()
                })
                .flatten();
            let Some(batch) = batch else {
                return;
            };
            self.persist();
            self.sending.set(true);
            let ctx = *self;
            leptos::task::spawn_local(async move {
                let edits = serde_json::to_string(&batch.edits).unwrap_or_default();
                let result =
                    apply_timetable_edits(ctx.draft(), batch.base_revision, batch.id, edits).await;
                ctx.sending.set(false);
                match result {
                    Ok(outcome) => {
                        ctx.offline.set(false);
                        ctx.on_outcome(outcome);
                        ctx.flush();
                    }
                    Err(error)
                        if matches!(
                            error.code,
                            crate::platform::error::ErrorCode::Network
                                | crate::platform::error::ErrorCode::Unavailable
                        ) =>
                    {
                        ctx.offline.set(true);
                    }
                    Err(error) => {
                        // Refused outright (e.g. the draft was published meanwhile): the batch
                        // can never apply, so it is dropped and the draft reloaded.
                        ctx.outbox.update(|o| o.in_flight = None);
                        ctx.persist();
                        ctx.failure.set(Some(error));
                        ctx.poll(true);
                    }
                }
            });
        }
    }

    fn on_outcome(&self, outcome: EditOutcome) {
        let map: HashMap<i64, i64> = outcome.id_map.iter().copied().collect();
        self.server_lessons.set_value(outcome.lessons);
        self.revision.set(outcome.revision);
        self.outbox.update(|o| {
            o.in_flight = None;
            for edit in &mut o.queued {
                remap(edit, &map);
            }
        });
        if let Some(Selected::Lesson(id)) = self.selected.get_untracked()
            && let Some(saved) = map.get(&id.0)
        {
            self.selected.set(Some(Selected::Lesson(LessonId(*saved))));
        }
        self.persist();
        if !outcome.refused.is_empty() {
            self.refused.update(|n| *n += outcome.refused.len());
        }
        self.rebuild();
    }

    /// Asks whether someone else changed the draft (when nothing of ours waits), or sends again
    /// what waits (after a network failure).
    fn poll(&self, force: bool) {
        #[cfg(feature = "hydrate")]
        {
            if self.sending.get_untracked() {
                return;
            }
            if self.outbox.with_untracked(|o| o.pending() > 0) {
                self.flush();
                return;
            }
            let ctx = *self;
            let known = if force {
                -1
            } else {
                self.revision.get_untracked()
            };
            leptos::task::spawn_local(async move {
                if let Ok(state) = timetable_state(ctx.draft(), known).await {
                    ctx.offline.set(false);
                    if let Some(lessons) = state.lessons
                        && ctx.outbox.with_untracked(|o| o.pending() == 0)
                        && !ctx.sending.get_untracked()
                    {
                        ctx.server_lessons.set_value(lessons);
                        ctx.revision.set(state.revision);
                        ctx.rebuild();
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = force;
    }
}

#[cfg(feature = "hydrate")]
fn new_batch_id() -> String {
    format!(
        "{:x}-{:x}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 4_294_967_296.0) as u64
    )
}

#[component]
pub fn EditorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let data = Resource::new(id, timetable_editor);
    view! {
        <Suspense fallback=|| ()>
            {move || data.get().map(|result| match result {
                Ok(data) => view! { <Editor data /> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
            })}
        </Suspense>
    }
}

fn who_text(who: Who, school: &School, i18n: I18n) -> String {
    let class = |id: ClassId| {
        school
            .classes
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    match who {
        Who::Teacher { teacher } => school
            .teachers
            .iter()
            .find(|t| t.id == teacher)
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        Who::Class { class: id } => format!("{} {}", i18n.t(TtText::Class), class(id)),
        Who::Room { room } => school
            .rooms
            .iter()
            .find(|r| r.id == room)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| i18n.t(EditorText::WhoRoom).to_string()),
        Who::ClassSubject { class: id, subject } => format!(
            "{} · {} {}",
            school
                .subjects
                .iter()
                .find(|s| s.id == subject)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            i18n.t(TtText::Class),
            class(id)
        ),
    }
}

fn when_text(when: When, i18n: I18n) -> String {
    let mut parts = Vec::new();
    if let Some(day) = when.day {
        parts.push(i18n.t(day_text(day)).to_string());
    }
    if let Some(session) = when.session {
        parts.push(i18n.t(session_text(session)).to_lowercase());
    }
    if let Some(period) = when.period {
        parts.push(format!(
            "{} {period}",
            i18n.t(TtText::Period).to_lowercase()
        ));
    }
    if parts.is_empty() {
        i18n.t(EditorText::Week).to_string()
    } else {
        parts.join(", ")
    }
}

fn slot_text(slot: Option<(crate::timetable::rules::Weekday, Session, u8)>, i18n: I18n) -> String {
    match slot {
        Some((day, session, period)) => format!(
            "{} {} {} {period}",
            i18n.t(day_text(day)),
            i18n.t(session_text(session)).to_lowercase(),
            i18n.t(TtText::Period).to_lowercase()
        ),
        None => "—".to_string(),
    }
}

#[component]
fn Editor(data: EditorData) -> impl IntoView {
    let i18n = use_i18n();
    let semester = if data.meta.semester == 2 {
        Semester::Second
    } else {
        Semester::First
    };
    let read_only = data.meta.status != VersionStatus::Draft;
    let checker = match Checker::new(
        &data.school,
        &data.settings,
        &Timetable {
            semester,
            lessons: data.lessons.clone(),
        },
    ) {
        Ok(checker) => checker,
        Err(error) => {
            let message = error.text();
            return view! {
                <section class="card"><p class="notice notice-error">{move || i18n.t(message)}</p></section>
            }
            .into_any();
        }
    };
    let first_class = data
        .school
        .classes
        .first()
        .map(|c| c.id)
        .unwrap_or(ClassId(0));
    let ctx = Ctx {
        fixed: StoredValue::new(Fixed {
            draft: data.meta.id,
            school: data.school.clone(),
            settings: data.settings.clone(),
            semester,
            assignments: data.assignments.clone(),
            read_only,
        }),
        server_lessons: StoredValue::new(data.lessons.clone()),
        revision: RwSignal::new(data.meta.revision),
        checker: RwSignal::new(checker),
        outbox: RwSignal::new(Outbox::default()),
        sending: RwSignal::new(false),
        offline: RwSignal::new(false),
        refused: RwSignal::new(0),
        failure: RwSignal::new(None),
        view_of: RwSignal::new(ViewOf::Class(first_class)),
        selected: RwSignal::new(None),
    };
    let ready = RwSignal::new(false);
    Effect::new(move |_| {
        ctx.restore();
        ready.set(true);
    });
    #[cfg(feature = "hydrate")]
    {
        let online = window_event_listener(leptos::ev::online, move |_| {
            ctx.offline.set(false);
            ctx.flush();
        });
        let interval =
            set_interval_with_handle(move || ctx.poll(false), std::time::Duration::from_secs(3));
        on_cleanup(move || {
            online.remove();
            if let Ok(handle) = interval {
                handle.clear();
            }
        });
    }

    let conflicts = Memo::new(move |_| ctx.checker.with(|c| c.conflicts()));
    let lessons = Memo::new(move |_| ctx.checker.with(|c| c.timetable().lessons));
    let marks = Memo::new(move |_| {
        let mut marks: HashMap<LessonId, Severity> = HashMap::new();
        for conflict in conflicts.get() {
            for lesson in &conflict.lessons {
                let mark = marks.entry(*lesson).or_insert(conflict.severity);
                if conflict.severity == Severity::Hard {
                    *mark = Severity::Hard;
                }
            }
        }
        marks
    });
    let hard = Memo::new(move |_| conflicts.with(|c| c.iter().filter(|c| c.is_hard()).count()));
    let soft = Memo::new(move |_| conflicts.with(|c| c.len()) - hard.get());
    let pending = Memo::new(move |_| ctx.outbox.with(Outbox::pending));
    let sync = move || {
        if ctx.offline.get() {
            "offline"
        } else if ctx.sending.get() {
            "sending"
        } else if pending.get() > 0 {
            "pending"
        } else {
            "saved"
        }
    };
    let meta = data.meta.clone();
    let name = meta.name.clone();
    let today = data.today.clone();

    view! {
        <section class="card tt-editor-head" data-page="editor" data-editor-ready=move || ready.get().to_string()
            data-sync=sync data-pending=move || pending.get() data-revision=move || ctx.revision.get()
            data-hard=move || hard.get() data-soft=move || soft.get()>
            <h1>{name.clone()}</h1>
            <p class="secondary">
                {move || i18n.t(if read_only { EditorText::ReadOnly } else { EditorText::Draft })}
                {meta.effective_from.clone().map(|from| view! { " · " {move || i18n.t(TtText::AppliesFrom)} " " {show_date(&from)} })}
            </p>
            <p class="tt-counts">
                <span class="badge tt-badge-hard">{move || hard.get()} " " {move || i18n.t(EditorText::HardCount)}</span> " "
                <span class="badge">{move || soft.get()} " " {move || i18n.t(EditorText::SoftCount)}</span> " "
                <span class="tt-sync" data-sync-label="">{move || i18n.t(match sync() {
                    "offline" => EditorText::Offline,
                    "sending" => EditorText::Sending,
                    "pending" => EditorText::Pending,
                    _ => EditorText::Saved,
                })}</span>
            </p>
            {move || (ctx.refused.get() > 0).then(|| view! {
                <p class="notice notice-error" data-refused=move || ctx.refused.get()>{move || i18n.t(EditorText::Refused)}</p>
            })}
            {move || ctx.failure.get().map(|error| view! { <ErrorNotice error /> })}
            <a href="/timetable">{move || i18n.t(EditorText::BackToList)}</a>
        </section>
        <ViewPicker ctx />
        {(!read_only).then(|| view! { <TrayPanel ctx lessons /> })}
        <GridPanel ctx lessons marks />
        <ConflictPanel ctx conflicts />
        {(!read_only).then(|| view! { <PublishPanel ctx pending today=today.clone() /> })}
    }
    .into_any()
}

#[component]
fn ViewPicker(ctx: Ctx) -> impl IntoView {
    let i18n = use_i18n();
    let classes: Vec<(ClassId, String)> = ctx.fixed.with_value(|f| {
        f.school
            .classes
            .iter()
            .map(|c| (c.id, c.name.clone()))
            .collect()
    });
    let teachers: Vec<(TeacherId, String)> = ctx.fixed.with_value(|f| {
        f.school
            .teachers
            .iter()
            .map(|t| (t.id, t.name.clone()))
            .collect()
    });
    view! {
        <section class="card tt-picker">
            <div class="tt-chips" role="group" aria-label=move || i18n.t(EditorText::Classes)>
                {classes.into_iter().map(|(id, name)| view! {
                    <button type="button" class="tt-chip" data-view-class=name.clone()
                        aria-pressed=move || (ctx.view_of.get() == ViewOf::Class(id)).to_string()
                        on:click=move |_| ctx.view_of.set(ViewOf::Class(id))>
                        {name.clone()}
                    </button>
                }).collect_view()}
            </div>
            <label class="tt-teacher-pick">{move || i18n.t(EditorText::TeacherView)}
                <select class="input" data-view-teacher=""
                    on:change=move |ev| {
                        if let Ok(id) = event_target_value(&ev).parse::<i64>() {
                            ctx.view_of.set(ViewOf::Teacher(TeacherId(id)));
                        }
                    }>
                    <option value="" selected=true>{move || i18n.t(EditorText::ChooseTeacher)}</option>
                    {teachers.into_iter().map(|(id, name)| view! {
                        <option value=id.0 selected=move || ctx.view_of.get() == ViewOf::Teacher(id)>{name}</option>
                    }).collect_view()}
                </select>
            </label>
        </section>
    }
}

#[component]
fn TrayPanel(ctx: Ctx, lessons: Memo<Vec<Lesson>>) -> impl IntoView {
    let i18n = use_i18n();
    let items = move || {
        let view_of = ctx.view_of.get();
        let placed = lessons.get();
        ctx.fixed.with_value(|f| {
            f.assignments
                .iter()
                .filter(|a| match view_of {
                    ViewOf::Class(class) => a.class == class,
                    ViewOf::Teacher(teacher) => a.teacher == teacher,
                })
                .filter_map(|a| {
                    let required = f
                        .school
                        .requirements
                        .iter()
                        .find(|r| r.class == a.class && r.subject == a.subject)
                        .map_or(0, |r| u16::from(r.periods.in_semester(f.semester)));
                    let done: u16 = placed
                        .iter()
                        .filter(|l| l.class == a.class && l.subject == a.subject)
                        .map(|l| u16::from(l.length))
                        .sum();
                    let remaining = required.saturating_sub(done);
                    let subject = f
                        .school
                        .subjects
                        .iter()
                        .find(|s| s.id == a.subject)
                        .map(|s| s.name.clone())
                        .unwrap_or_default();
                    let label = match view_of {
                        ViewOf::Class(_) => f
                            .school
                            .teachers
                            .iter()
                            .find(|t| t.id == a.teacher)
                            .map(|t| t.name.clone())
                            .unwrap_or_default(),
                        ViewOf::Teacher(_) => f
                            .school
                            .classes
                            .iter()
                            .find(|c| c.id == a.class)
                            .map(|c| c.name.clone())
                            .unwrap_or_default(),
                    };
                    (remaining > 0).then_some((*a, subject, label, remaining))
                })
                .collect::<Vec<_>>()
        })
    };
    let remove = move |_| {
        if let Some(Selected::Lesson(id)) = ctx.selected.get_untracked() {
            ctx.edit(Edit::Remove { lesson: id });
            ctx.selected.set(None);
        }
    };
    view! {
        <section class="card tt-tray" data-tray="">
            <h2>{move || i18n.t(EditorText::Tray)}</h2>
            <p class="secondary">{move || i18n.t(EditorText::TrayHelp)}</p>
            {move || {
                let items = items();
                if items.is_empty() {
                    view! { <p class="notice notice-ok" data-tray-empty="">{move || i18n.t(EditorText::TrayEmpty)}</p> }.into_any()
                } else {
                    view! {
                        <div class="tt-chips">
                            {items.into_iter().map(|(assignment, subject, label, remaining)| view! {
                                <button type="button" class="tt-chip tt-tray-chip" data-tray-subject=subject.clone()
                                    data-remaining=remaining
                                    aria-pressed=move || (ctx.selected.get() == Some(Selected::Tray(assignment))).to_string()
                                    on:click=move |_| {
                                        if ctx.selected.get_untracked() == Some(Selected::Tray(assignment)) {
                                            ctx.selected.set(None);
                                        } else {
                                            ctx.selected.set(Some(Selected::Tray(assignment)));
                                        }
                                    }>
                                    <span class="tt-subject">{subject.clone()}</span>
                                    <span class="tt-meta">{label.clone()} " ×" {remaining}</span>
                                </button>
                            }).collect_view()}
                        </div>
                    }.into_any()
                }
            }}
            {move || matches!(ctx.selected.get(), Some(Selected::Lesson(_))).then(|| view! {
                <button type="button" class="button button-secondary" data-action="remove-lesson" on:click=remove>
                    {move || i18n.t(EditorText::RemoveLesson)}
                </button>
            })}
        </section>
    }
}

/// The cell a pointer is over, read from its data attributes.
#[cfg(feature = "hydrate")]
fn cell_at(x: i32, y: i32) -> Option<(Slot, Option<LessonId>)> {
    let document = web_sys::window()?.document()?;
    let element = document
        .element_from_point(x as f32, y as f32)?
        .closest("[data-cell]")
        .ok()??;
    let day = day_from_code(&element.get_attribute("data-day")?)?;
    let session = session_from_code(&element.get_attribute("data-session")?)?;
    let period = element.get_attribute("data-period")?.parse().ok()?;
    let lesson = element
        .get_attribute("data-lesson")
        .and_then(|id| id.parse().ok())
        .map(LessonId);
    Some((Slot::new(day, session, period), lesson))
}

#[component]
fn GridPanel(
    ctx: Ctx,
    lessons: Memo<Vec<Lesson>>,
    marks: Memo<HashMap<LessonId, Severity>>,
) -> impl IntoView {
    let i18n = use_i18n();
    // A drag from a placed lesson (pointer down) to another cell (pointer up).
    let dragging: RwSignal<Option<(Slot, LessonId)>> = RwSignal::new(None);
    let suppress_click = RwSignal::new(false);
    let on_up = move |ev: leptos::ev::PointerEvent| {
        let Some((from, lesson)) = dragging.get_untracked() else {
            return;
        };
        dragging.set(None);
        #[cfg(feature = "hydrate")]
        if let Some((to, here)) = cell_at(ev.client_x(), ev.client_y())
            && to != from
        {
            ctx.selected.set(Some(Selected::Lesson(lesson)));
            ctx.tap(to, here);
            suppress_click.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, from, lesson);
    };
    let grid = move || {
        let view_of = ctx.view_of.get();
        let all = lessons.get();
        let marks = marks.get();
        let selected = ctx.selected.get();
        let (days, sessions, names) = ctx.fixed.with_value(|f| {
            let sessions: Vec<(Session, u8)> = match view_of {
                ViewOf::Class(class) => f
                    .school
                    .classes
                    .iter()
                    .find(|c| c.id == class)
                    .map(|c| c.sessions.clone())
                    .unwrap_or_default(),
                ViewOf::Teacher(_) => Session::ALL.to_vec(),
            }
            .into_iter()
            .map(|s| (s, f.school.week.session(s).period_count()))
            .collect();
            let subjects: HashMap<i64, String> = f
                .school
                .subjects
                .iter()
                .map(|s| (s.id.0, s.name.clone()))
                .collect();
            let teachers: HashMap<i64, String> = f
                .school
                .teachers
                .iter()
                .map(|t| (t.id.0, t.name.clone()))
                .collect();
            let classes: HashMap<i64, String> = f
                .school
                .classes
                .iter()
                .map(|c| (c.id.0, c.name.clone()))
                .collect();
            (
                f.school.week.days.clone(),
                sessions,
                (subjects, teachers, classes),
            )
        });
        let (subjects, teachers, classes) = names;
        let mine: Vec<Lesson> = all
            .into_iter()
            .filter(|l| match view_of {
                ViewOf::Class(class) => l.class == class,
                ViewOf::Teacher(teacher) => l.teacher == teacher,
            })
            .collect();
        view! {
            <table class="tt-grid" on:pointerup=on_up>
                <thead>
                    <tr>
                        <th scope="col"></th>
                        {days.iter().map(|day| {
                            let day = *day;
                            view! { <th scope="col">{move || i18n.t(day_text(day))}</th> }
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {sessions.into_iter().flat_map(|(session, count)| (1..=count).map(move |period| (session, period))).map(|(session, period)| {
                        let cells = days.iter().map(|day| {
                            let slot = Slot::new(*day, session, period);
                            let here: Vec<&Lesson> = mine.iter().filter(|l| l.occupies(slot)).collect();
                            let first = here.first().map(|l| l.id);
                            let mark = here.iter().filter_map(|l| marks.get(&l.id)).min().copied();
                            let conflict = match mark {
                                Some(Severity::Hard) => "hard",
                                Some(Severity::Soft) => "soft",
                                None => "",
                            };
                            let is_selected = matches!((selected, first), (Some(Selected::Lesson(s)), Some(f)) if s == f);
                            let subject = here.iter().map(|l| subjects.get(&l.subject.0).cloned().unwrap_or_default()).collect::<Vec<_>>().join(" / ");
                            let other = here.iter().map(|l| match view_of {
                                ViewOf::Class(_) => teachers.get(&l.teacher.0).cloned().unwrap_or_default(),
                                ViewOf::Teacher(_) => classes.get(&l.class.0).cloned().unwrap_or_default(),
                            }).collect::<Vec<_>>().join(" / ");
                            let class_name = if first.is_some() { "tt-cell tt-lesson" } else { "tt-cell" };
                            view! {
                                <td>
                                    <button type="button" class=class_name
                                        data-cell=format!("{}-{}-{}", day_code(slot.day), session_code(session), period)
                                        data-day=day_code(slot.day) data-session=session_code(session) data-period=period
                                        data-lesson=first.map(|l| l.0.to_string()) data-subject=(!subject.is_empty()).then(|| subject.clone())
                                        data-count=here.len() data-conflict=conflict aria-pressed=is_selected.to_string()
                                        on:pointerdown=move |_| {
                                            if let Some(lesson) = first {
                                                dragging.set(Some((slot, lesson)));
                                            }
                                        }
                                        on:click=move |_| {
                                            if suppress_click.get_untracked() {
                                                suppress_click.set(false);
                                                return;
                                            }
                                            ctx.tap(slot, first);
                                        }>
                                        <span class="tt-subject">{subject.clone()}</span>
                                        <span class="tt-meta">{other.clone()}</span>
                                    </button>
                                </td>
                            }
                        }).collect_view();
                        view! {
                            <tr>
                                <th scope="row">{move || i18n.t(session_text(session))} " " {period}</th>
                                {cells}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    };
    view! {
        <section class="card tt-grid-card">
            <div class="tt-grid-scroll">{grid}</div>
        </section>
    }
}

/// The conflict list: hard first; those with a time before those about the whole week.
#[component]
fn ConflictPanel(ctx: Ctx, conflicts: Memo<Vec<Conflict>>) -> impl IntoView {
    let i18n = use_i18n();
    let only_this = RwSignal::new(true);
    const SHOWN: usize = 60;
    let list = move || {
        let view_of = ctx.view_of.get();
        let mut shown: Vec<Conflict> = conflicts.with(|all| {
            ctx.checker.with(|checker| {
                all.iter()
                        .filter(|c| {
                            !only_this.get()
                                || match (view_of, c.who) {
                                    (ViewOf::Class(class), Who::Class { class: other })
                                    | (
                                        ViewOf::Class(class),
                                        Who::ClassSubject { class: other, .. },
                                    ) => class == other,
                                    (ViewOf::Teacher(teacher), Who::Teacher { teacher: other }) => {
                                        teacher == other
                                    }
                                    _ => false,
                                }
                                || c.lessons.iter().any(|id| {
                                    checker.lesson(*id).is_some_and(|l| match view_of {
                                        ViewOf::Class(class) => l.class == class,
                                        ViewOf::Teacher(teacher) => l.teacher == teacher,
                                    })
                                })
                        })
                        .cloned()
                        .collect()
            })
        });
        shown.sort_by_key(|c| (c.severity, c.when.day.is_none(), c.when, c.kind));
        shown
    };
    let go_to = move |conflict: &Conflict| {
        let lesson = ctx.checker.with_untracked(|c| {
            conflict
                .lessons
                .iter()
                .find_map(|id| c.lesson(*id).copied())
        });
        match conflict.who {
            Who::Teacher { teacher } => ctx.view_of.set(ViewOf::Teacher(teacher)),
            Who::Class { class } | Who::ClassSubject { class, .. } => {
                ctx.view_of.set(ViewOf::Class(class))
            }
            Who::Room { .. } => {
                if let Some(lesson) = lesson {
                    ctx.view_of.set(ViewOf::Class(lesson.class));
                }
            }
        }
        ctx.selected.set(lesson.map(|l| Selected::Lesson(l.id)));
    };
    view! {
        <section class="card tt-conflicts" data-section="conflicts">
            <h2>{move || i18n.t(EditorText::Conflicts)}</h2>
            <label class="tt-check">
                <input type="checkbox" prop:checked=move || only_this.get() data-field="only-this-view"
                    on:change=move |ev| only_this.set(event_target_checked(&ev)) />
                {move || i18n.t(EditorText::OnlyThisView)}
            </label>
            {move || {
                let shown = list();
                let total = shown.len();
                if total == 0 {
                    return view! { <p class="notice notice-ok" data-no-conflicts="">{move || i18n.t(EditorText::NoConflicts)}</p> }.into_any();
                }
                view! {
                    <ul class="list tt-conflict-list">
                        {shown.into_iter().take(SHOWN).map(|conflict| {
                            let severity = if conflict.is_hard() { "hard" } else { "soft" };
                            let lang = i18n.lang();
                            let message = conflict.message(lang);
                            let who = ctx.fixed.with_value(|f| who_text(conflict.who, &f.school, i18n));
                            let when = when_text(conflict.when, i18n);
                            let kind = conflict.kind.code();
                            let label = if conflict.is_hard() { crate::timetable::rules::TimetableText::Hard } else { crate::timetable::rules::TimetableText::Soft };
                            let target = conflict.clone();
                            view! {
                                <li class="tt-conflict" data-conflict-kind=kind data-severity=severity>
                                    <button type="button" class="tt-conflict-button" on:click=move |_| go_to(&target)>
                                        <span class=format!("badge tt-badge-{severity}")>{label.text(lang)}</span>
                                        <span class="tt-conflict-text">{message}</span>
                                        <span class="tt-meta">{who} " · " {when}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {(total > SHOWN).then(|| view! {
                        <p class="secondary">{move || i18n.t(EditorText::More)} " " {total - SHOWN} " " {move || i18n.t(EditorText::MoreSuffix)}</p>
                    })}
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ChangeList(title: EditorText, groups: Vec<ChangesFor>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h3>{move || i18n.t(title)}</h3>
        <ul class="list">
            {groups.into_iter().map(|group| view! {
                <li class="list-item" data-changes-for=group.name.clone()>
                    <span class="list-title">{group.name.clone()}</span>
                    <ul class="tt-change-lines">
                        {group.lines.into_iter().map(|line| {
                            let before = line.before;
                            let after = line.after;
                            view! {
                                <li>
                                    {line.subject.clone()} " " {line.class_name.clone()} ": "
                                    {move || match (before, after) {
                                        (None, _) => format!("{} ({})", slot_text(after, i18n), i18n.t(EditorText::New)),
                                        (_, None) => format!("{} ({})", slot_text(before, i18n), i18n.t(EditorText::Removed)),
                                        _ => format!("{} → {}", slot_text(before, i18n), slot_text(after, i18n)),
                                    }}
                                    {line.teacher_before.clone().map(|before| view! { " · " {before} " → " {line.teacher.clone()} })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn PublishPanel(ctx: Ctx, pending: Memo<usize>, today: String) -> impl IntoView {
    let i18n = use_i18n();
    let effective_from = RwSignal::new(today);
    let preview =
        Action::new(move |date: &String| timetable_publish_preview(ctx.draft(), date.clone()));
    let publish = Action::new(move |(revision, date): &(i64, String)| {
        publish_timetable(ctx.draft(), *revision, date.clone())
    });
    view! {
        <section class="card tt-publish" data-section="publish">
            <h2>{move || i18n.t(EditorText::Publish)}</h2>
            <label>{move || i18n.t(EditorText::EffectiveFrom)}
                <input class="input" type="date" data-field="effective-from" prop:value=move || effective_from.get()
                    on:input=move |ev| effective_from.set(event_target_value(&ev)) />
            </label>
            <div class="inline-form">
                <button type="button" class="button button-secondary" data-action="preview"
                    on:click=move |_| { preview.dispatch(effective_from.get_untracked()); }>
                    {move || i18n.t(EditorText::Preview)}
                </button>
                <button type="button" class="button" data-action="publish"
                    disabled=move || { pending.get() > 0 }
                    on:click=move |_| { publish.dispatch((ctx.revision.get_untracked(), effective_from.get_untracked())); }>
                    {move || i18n.t(EditorText::PublishNow)}
                </button>
            </div>
            {move || (pending.get() > 0).then(|| view! { <p class="secondary">{move || i18n.t(EditorText::PendingFirst)}</p> })}
            {move || preview.value().get().map(|result| match result {
                Ok(preview) => view! {
                    <div class="tt-preview" data-preview="" data-preview-hard=preview.hard_conflicts>
                        <p>
                            <span class="badge tt-badge-hard">{preview.hard_conflicts} " " {move || i18n.t(EditorText::HardCount)}</span> " "
                            <span class="badge">{preview.soft_conflicts} " " {move || i18n.t(EditorText::SoftCount)}</span>
                        </p>
                        <p class="secondary">{match preview.previous.clone() {
                            Some(previous) => view! { {move || i18n.t(EditorText::ComparedWith)} " " {previous.version_no} " (" {show_date(&previous.effective_from)} ")" }.into_any(),
                            None => view! { {move || i18n.t(EditorText::FirstVersion)} }.into_any(),
                        }}</p>
                        <p>{move || i18n.t(EditorText::Notified)} " " {preview.teachers_notified} " " {move || i18n.t(EditorText::TeachersAnd)} " "
                            {preview.families_notified} " " {move || i18n.t(EditorText::Families)}</p>
                        {if preview.teachers.is_empty() && preview.classes.is_empty() {
                            view! { <p>{move || i18n.t(EditorText::NoChanges)}</p> }.into_any()
                        } else {
                            view! {
                                <ChangeList title=EditorText::ForTeachers groups=preview.teachers.clone() />
                                <ChangeList title=EditorText::ForClasses groups=preview.classes.clone() />
                            }.into_any()
                        }}
                    </div>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            {move || publish.value().get().map(|result| match result {
                Ok(meta) => view! {
                    <p class="notice notice-ok" data-published=meta.version_no.unwrap_or_default()>{move || i18n.t(EditorText::PublishedOk)}</p>
                    <a class="button" href="/timetable">{move || i18n.t(EditorText::BackToList)}</a>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
}
