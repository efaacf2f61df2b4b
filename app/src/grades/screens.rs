//! Screens of grades: the teacher's score sheet (tablet first, works offline), the homeroom
//! class summary, the school admin's page, and a child's grades (phone first, last view offline).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use super::api::{
    apply_score_import, child_grades, class_results, decide_correction, export_score_sheet,
    grade_admin, my_grades, preview_score_import, release_column, request_correction,
    save_absences, save_conduct, save_scores, score_history, score_sheet, set_grade_window,
};
use super::model::{
    CellKey, CellValue, ChildGradesView, Column, HistoryEntry, ImportPreview, SheetView,
    WindowStatus, comment_code, parse_cell, row_average, row_year_average,
};
use super::queue::{self, Effect as QueueEffect, PendingEdit, PendingState};
use super::rules::{Level, Score, SubjectResult};
use crate::i18n::{Lang, Translate, use_i18n};
use crate::people::Assessment;
use crate::platform::error::{AppError, ErrorCode};
use crate::texts;
use crate::ui::ErrorNotice;

texts! {
    pub enum GradesText {
        Title => ("Sổ điểm", "Grade book"),
        MySheets => ("Bảng điểm tôi dạy", "Sheets I teach"),
        Homeroom => ("Lớp chủ nhiệm / tổng hợp", "Class summaries"),
        Admin => ("Quản lý nhập điểm", "Score entry administration"),
        Semester1 => ("Học kì I", "Semester I"),
        Semester2 => ("Học kì II", "Semester II"),
        Year => ("Cả năm", "Year"),
        Student => ("Học sinh", "Student"),
        Average => ("ĐTBmhk", "Sem. avg"),
        YearAverage => ("ĐTBmcn", "Year avg"),
        Release => ("Công bố", "Release"),
        Released => ("Đã công bố", "Released"),
        Saved => ("Đã lưu tất cả.", "Everything is saved."),
        PendingCount => ("điểm chưa gửi (đã lưu trên máy này)", "scores not yet sent (kept on this device)"),
        NotYetSent => ("Chưa gửi", "Not yet sent"),
        Offline => (
            "Đang ngoại tuyến: điểm nhập được lưu trên máy và sẽ tự gửi khi có mạng.",
            "Offline: scores are kept on this device and sent when the connection returns."
        ),
        DeviceCopy => ("Bảng điểm lưu trên máy lúc", "Copy kept on this device at"),
        Conflicts => ("Điểm bị thay đổi ở nơi khác", "Changed elsewhere meanwhile"),
        ConflictMine => ("Điểm của bạn", "Yours"),
        ConflictTheirs => ("Điểm đang lưu", "Stored"),
        KeepMine => ("Giữ điểm của tôi", "Keep mine"),
        TakeTheirs => ("Dùng điểm đang lưu", "Use the stored one"),
        Refused => ("Không lưu được", "Not saved"),
        Discard => ("Bỏ", "Discard"),
        Locked => (
            "Học kì đã khoá sổ. Muốn sửa điểm, hãy gửi đề nghị điều chỉnh.",
            "The semester is locked. To change a score, ask for a correction."
        ),
        NotOpen => ("Nhà trường chưa mở nhập điểm học kì này.", "Score entry is not open for this semester."),
        ReadOnly => ("Chỉ giáo viên bộ môn được nhập điểm.", "Only the subject teacher enters scores."),
        Pass => ("Đạt", "Pass"),
        NotYet => ("Chưa đạt", "Not yet"),
        Comment => ("Nhận xét", "Comment"),
        Result => ("Kết quả", "Result"),
        History => ("Lịch sử ô đang chọn", "History of the selected cell"),
        NoHistory => ("Chưa có thay đổi.", "No changes yet."),
        Export => ("Xuất Excel", "Export to Excel"),
        Import => ("Nhập từ Excel", "Import from Excel"),
        ImportApply => ("Áp dụng", "Apply"),
        ImportRows => ("dòng", "rows"),
        ImportChanges => ("thay đổi", "changes"),
        ImportDone => ("Đã nhập.", "Imported."),
        Row => ("Dòng", "Row"),
        Correction => ("Đề nghị điều chỉnh", "Ask for a correction"),
        Reason => ("Lí do", "Reason"),
        NewValue => ("Điểm mới", "New score"),
        Send => ("Gửi", "Send"),
        Sent => ("Đã gửi, chờ hiệu trưởng duyệt.", "Sent; waiting for the principal."),
        Conduct => ("Rèn luyện", "Conduct"),
        Learning => ("Học tập", "Learning"),
        Absences => ("Số buổi nghỉ trước khi điểm danh trên ứng dụng", "Days absent before the app's roll call"),
        AbsencesTotal => ("Cả năm", "Whole year"),
        Status => ("Xét lên lớp", "Promotion"),
        Award => ("Khen thưởng", "Award"),
        Promoted => ("Lên lớp", "Promoted"),
        SummerRetraining => ("Rèn luyện hè", "Summer re-training"),
        Retest => ("Kiểm tra lại", "Re-test"),
        NotPromoted => ("Ở lại lớp", "Not promoted"),
        Open => ("Mở nhập điểm", "Open entry"),
        Lock => ("Khoá sổ", "Lock"),
        WindowOpen => ("Đang mở", "Open"),
        WindowLocked => ("Đã khoá", "Locked"),
        WindowNotOpen => ("Chưa mở", "Not open"),
        Corrections => ("Đề nghị điều chỉnh chờ duyệt", "Corrections to decide"),
        NoCorrections => ("Không có đề nghị nào.", "Nothing to decide."),
        Approve => ("Duyệt", "Approve"),
        Reject => ("Từ chối", "Reject"),
        New => ("Mới", "New"),
        LastView => ("Bản xem lần trước (ngoại tuyến), lúc", "Last view (offline), from"),
        NothingReleased => ("Chưa có điểm được công bố.", "No scores released yet."),
        Scores => ("Xem điểm", "Scores"),
    }
}

fn level_label(level: Option<Level>, lang: Lang) -> String {
    level
        .map(|l| l.text(lang).to_string())
        .unwrap_or_else(|| "—".into())
}

fn semester_label(semester: u8) -> GradesText {
    if semester == 2 {
        GradesText::Semester2
    } else {
        GradesText::Semester1
    }
}

fn param(name: &'static str) -> impl Fn() -> i64 + Copy {
    let params = use_params_map();
    move || {
        params
            .read_untracked()
            .get(name)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or_default()
    }
}

fn is_network(error: &AppError) -> bool {
    error.code == ErrorCode::Network
}

/// "dd/mm/yyyy hh:mm", Vietnam time (UTC+7, no daylight saving).
fn format_time(unix: i64) -> String {
    const VIETNAM_OFFSET: i64 = 7 * 3600;
    match time::OffsetDateTime::from_unix_timestamp(unix + VIETNAM_OFFSET) {
        Ok(at) => format!(
            "{} {:02}:{:02}",
            crate::platform::format::format_date(at.date()),
            at.hour(),
            at.minute()
        ),
        Err(_) => String::new(),
    }
}

/// The grades start page of a staff member.
#[component]
pub fn GradesHomePage() -> impl IntoView {
    let i18n = use_i18n();
    let home = Resource::new(|| (), |_| my_grades());
    view! {
        <section class="card" data-page="grades-home">
            <h1>{move || i18n.t(GradesText::Title)}</h1>
            <Suspense fallback=|| ()>
                {move || home.get().map(|result| match result {
                    Ok(home) => view! {
                        {(!home.sheets.is_empty()).then(|| view! { <h2>{move || i18n.t(GradesText::MySheets)}</h2> })}
                        <ul class="list">
                            {home.sheets.into_iter().map(|sheet| {
                                let subject_vi = sheet.subject_vi.clone();
                                let subject_en = sheet.subject_en.clone();
                                view! {
                                    <li class="list-item sheet-link">
                                        <span class="list-title">{sheet.class_name.clone()} " · " {move || if i18n.lang() == Lang::Vi { subject_vi.clone() } else { subject_en.clone() }}</span>
                                        <span class="list-meta">
                                            {[1u8, 2].into_iter().map(|semester| view! {
                                                <a class="button button-small" rel="external"
                                                    href=format!("/staff/grades/sheet/{}/{}/{}", sheet.class_id, sheet.subject_id, semester)
                                                    data-sheet=format!("{}-{}-{}", sheet.class_name, sheet.subject_vi, semester)>
                                                    {move || i18n.t(semester_label(semester))}
                                                </a>
                                            }).collect_view()}
                                        </span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(!home.homeroom.is_empty()).then(|| view! { <h2>{move || i18n.t(GradesText::Homeroom)}</h2> })}
                        <ul class="list">
                            {home.homeroom.into_iter().map(|class| view! {
                                <li class="list-item">
                                    <a class="list-link" href=format!("/staff/grades/class/{}", class.class_id) data-class-results=class.class_name.clone()>
                                        <span class="list-title">{class.class_name.clone()}</span>
                                    </a>
                                </li>
                            }).collect_view()}
                        </ul>
                        {home.is_school_admin.then(|| view! {
                            <a class="button" href="/staff/grades/admin" data-grade-admin="true">{move || i18n.t(GradesText::Admin)}</a>
                        })}
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

/// Where the sheet on screen came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Loading,
    Server,
    /// The copy kept on this device, made at this server time.
    Device(i64),
}

/// The server's cells: (student, column) → (value, version).
type ServerCells = HashMap<(i64, Column), (Option<CellValue>, i64)>;

/// Everything the sheet page shares between its parts.
#[derive(Clone, Copy)]
struct SheetState {
    class_id: i64,
    subject_id: i64,
    semester: u8,
    /// The sheet's frame (students, columns…); set on load, not on every change.
    view: RwSignal<Option<SheetView>>,
    /// The server's cells: (student, column) → (value, version).
    cells: RwSignal<ServerCells>,
    pending: RwSignal<BTreeMap<CellKey, PendingEdit>>,
    released: RwSignal<HashSet<Column>>,
    /// Messages of cells whose text is not a valid value.
    cell_errors: RwSignal<HashMap<(i64, Column), String>>,
    source: RwSignal<Source>,
    online: RwSignal<bool>,
    syncing: RwSignal<bool>,
    load_error: RwSignal<Option<AppError>>,
    selected: RwSignal<Option<(i64, Column)>>,
}

impl SheetState {
    fn key(&self, student_id: i64, column: Column) -> CellKey {
        CellKey {
            class_id: self.class_id,
            subject_id: self.subject_id,
            semester: self.semester,
            student_id,
            column,
        }
    }

    /// The value a cell shows: what the teacher typed and is pending, else the server's.
    fn shown(&self, student_id: i64, column: Column, assessment: Assessment) -> Option<CellValue> {
        let key = self.key(student_id, column);
        if let Some(pending) = self.pending.with(|p| p.get(&key).cloned()) {
            return parse_cell(
                assessment,
                &pending.edit.value,
                pending.edit.note.as_deref(),
            )
            .ok()
            .flatten();
        }
        self.cells
            .with(|c| c.get(&(student_id, column)).and_then(|(v, _)| v.clone()))
    }

    fn text(&self, student_id: i64, column: Column, lang: Lang) -> String {
        let key = self.key(student_id, column);
        if let Some(pending) = self.pending.with(|p| p.get(&key).cloned()) {
            return pending.edit.value;
        }
        self.cells.with(|c| match c.get(&(student_id, column)) {
            Some((Some(CellValue::Score(score)), _)) => score.written(lang),
            Some((Some(CellValue::Comment { result, .. }), _)) => comment_code(*result).into(),
            _ => String::new(),
        })
    }

    fn note(&self, student_id: i64, column: Column) -> String {
        let key = self.key(student_id, column);
        if let Some(pending) = self.pending.with(|p| p.get(&key).cloned()) {
            return pending.edit.note.unwrap_or_default();
        }
        self.cells.with(|c| match c.get(&(student_id, column)) {
            Some((Some(CellValue::Comment { note, .. }), _)) => note.clone(),
            _ => String::new(),
        })
    }

    fn apply_sheet(&self, sheet: SheetView) {
        let cells = sheet
            .cells
            .iter()
            .map(|c| ((c.student_id, c.column), (c.value.clone(), c.version)))
            .collect();
        self.cells.set(cells);
        self.released.set(
            sheet
                .columns
                .iter()
                .filter(|c| c.released)
                .map(|c| c.column)
                .collect(),
        );
        let frame_changed = self.view.with_untracked(|v| {
            v.as_ref().is_none_or(|v| {
                v.students != sheet.students
                    || v.columns
                        .iter()
                        .map(|c| c.column)
                        .ne(sheet.columns.iter().map(|c| c.column))
                    || v.window != sheet.window
                    || v.can_edit != sheet.can_edit
            })
        });
        if frame_changed {
            self.view.set(Some(sheet));
        } else {
            self.view.update_untracked(|v| *v = Some(sheet));
        }
    }
}

#[cfg(feature = "hydrate")]
mod device {
    pub use super::super::offline::*;

    /// Typing over a focused cell replaces its value, as in a spreadsheet.
    pub fn select_target(ev: &web_sys::FocusEvent) {
        use leptos::wasm_bindgen::JsCast;
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    }

    pub fn focus_cell(row: usize, col: usize) -> bool {
        use leptos::wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return false;
        };
        let selector = format!("[data-row='{row}'][data-col='{col}']");
        match document
            .query_selector(&selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            Some(element) => {
                let _ = element.focus();
                if let Ok(input) = element.dyn_into::<web_sys::HtmlInputElement>() {
                    input.select();
                }
                true
            }
            None => false,
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod device {
    //! The server renders the frame only; all of this happens in the browser.
    use super::super::model::{ChildGradesView, SheetView};
    use super::super::queue::PendingEdit;

    pub fn save_pending(_: &PendingEdit) -> bool {
        true
    }
    pub fn remove_pending(_: &PendingEdit) {}
    pub fn load_pending(_: i64, _: i64, _: u8) -> Vec<PendingEdit> {
        Vec::new()
    }
    pub fn save_sheet(_: &SheetView) {}
    pub fn load_sheet(_: i64, _: i64, _: u8) -> Option<SheetView> {
        None
    }
    pub fn save_child(_: &ChildGradesView) {}
    pub fn load_child(_: i64) -> Option<ChildGradesView> {
        None
    }
    pub fn keep_page_offline() {}
    pub fn new_client_id() -> String {
        String::new()
    }
    pub fn focus_cell(_: usize, _: usize) -> bool {
        false
    }
    pub fn select_target(_: &leptos::ev::FocusEvent) {}
    pub fn download(_: &str, _: &str, _: &str) {}
}

/// Loads the sheet (from the server, else the device's copy) and the device's pending edits.
async fn load_sheet(state: SheetState) {
    let mut pending = device::load_pending(state.class_id, state.subject_id, state.semester);
    match score_sheet(state.class_id, state.subject_id, state.semester).await {
        Ok(sheet) => {
            device::save_sheet(&sheet);
            device::keep_page_offline();
            state.online.set(true);
            state.source.set(Source::Server);
            pending.retain(|p| p.staff_id == sheet.viewer_staff_id);
            state.apply_sheet(sheet);
        }
        Err(error) if is_network(&error) => {
            state.online.set(false);
            match device::load_sheet(state.class_id, state.subject_id, state.semester) {
                Some(sheet) => {
                    state.source.set(Source::Device(sheet.fetched_at));
                    pending.retain(|p| p.staff_id == sheet.viewer_staff_id);
                    state.apply_sheet(sheet);
                }
                None => state.load_error.set(Some(error)),
            }
        }
        Err(error) => state.load_error.set(Some(error)),
    }
    state
        .pending
        .set(pending.into_iter().map(|p| (p.key, p)).collect());
    sync(state).await;
}

/// Sends the pending edits; keeps them (and retries later) when the server cannot be reached.
async fn sync(state: SheetState) {
    if state.syncing.get_untracked() {
        return;
    }
    state.syncing.set(true);
    for _ in 0..5 {
        let waiting: Vec<PendingEdit> = state.pending.with_untracked(|p| {
            p.values()
                .filter(|p| p.state == PendingState::Waiting)
                .cloned()
                .collect()
        });
        if waiting.is_empty() {
            break;
        }
        let edits = waiting.iter().map(|p| p.edit.clone()).collect();
        match save_scores(state.class_id, state.subject_id, state.semester, edits).await {
            Ok(outcomes) => {
                state.online.set(true);
                for outcome in &outcomes {
                    let Some(key) = waiting
                        .iter()
                        .find(|p| {
                            p.edit.client_id == outcome.client_id()
                                || p.edit.replaces.iter().any(|r| r == outcome.client_id())
                        })
                        .map(|p| p.key)
                    else {
                        continue;
                    };
                    if let Some(cell) = queue::server_cell(&key, outcome) {
                        state.cells.update(|cells| {
                            let entry = cells
                                .entry((cell.student_id, cell.column))
                                .or_insert((None, 0));
                            if entry.1 <= cell.version {
                                *entry = (cell.value.clone(), cell.version);
                            }
                        });
                        state.view.update_untracked(|view| {
                            if let Some(view) = view {
                                queue::update_sheet(view, cell);
                                device::save_sheet(view);
                            }
                        });
                    }
                    let current = state.pending.with_untracked(|p| p.get(&key).cloned());
                    let Some(current) = current else {
                        continue;
                    };
                    match queue::on_outcome(&current, outcome) {
                        QueueEffect::Remove => {
                            device::remove_pending(&current);
                            state.pending.update(|p| {
                                p.remove(&key);
                            });
                        }
                        QueueEffect::Keep(next) => {
                            device::save_pending(&next);
                            state.pending.update(|p| {
                                p.insert(key, *next);
                            });
                        }
                        QueueEffect::Ignore => {}
                    }
                }
            }
            Err(error) => {
                state.online.set(!is_network(&error));
                break;
            }
        }
    }
    state.syncing.set(false);
}

/// Every few seconds, and when the browser says it is online again: send what waits, and
/// replace a device copy of the sheet with the server's.
fn start_retrying(state: SheetState) {
    #[cfg(feature = "hydrate")]
    {
        let tick = move || {
            if state.syncing.get_untracked() {
                return;
            }
            let waiting = state
                .pending
                .with_untracked(|p| p.values().any(|p| p.state == PendingState::Waiting));
            let from_device = matches!(state.source.get_untracked(), Source::Device(_));
            if from_device {
                spawn_local(async move {
                    if let Ok(sheet) =
                        score_sheet(state.class_id, state.subject_id, state.semester).await
                    {
                        device::save_sheet(&sheet);
                        state.source.set(Source::Server);
                        state.online.set(true);
                        state.apply_sheet(sheet);
                        sync(state).await;
                    }
                });
            } else if waiting {
                spawn_local(sync(state));
            }
        };
        if let Ok(handle) = set_interval_with_handle(tick, Duration::from_secs(3)) {
            on_cleanup(move || handle.clear());
        }
        let listener = window_event_listener(leptos::ev::online, move |_| tick());
        on_cleanup(move || listener.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, Duration::from_secs(0));
}

/// Takes what the teacher typed in a cell: refused on the spot when it is not a valid value;
/// otherwise kept on the device at once and sent. Returns whether it was taken.
fn commit(
    state: SheetState,
    lang: Lang,
    student_id: i64,
    column: Column,
    text: String,
    note: Option<String>,
) -> bool {
    let Some((assessment, staff_id, editable)) = state.view.with_untracked(|v| {
        v.as_ref().map(|v| {
            (
                v.assessment,
                v.viewer_staff_id,
                v.can_edit && v.window == WindowStatus::Open,
            )
        })
    }) else {
        return false;
    };
    if !editable {
        return false;
    }
    match parse_cell(assessment, &text, note.as_deref()) {
        Err(error) => {
            state.cell_errors.update(|e| {
                e.insert((student_id, column), error.message(lang));
            });
            return false;
        }
        Ok(value) => {
            state.cell_errors.update(|e| {
                e.remove(&(student_id, column));
            });
            let key = state.key(student_id, column);
            let previous = state.pending.with_untracked(|p| p.get(&key).cloned());
            let (stored, version) = state
                .cells
                .with_untracked(|c| c.get(&(student_id, column)).cloned().unwrap_or((None, 0)));
            if previous.is_none() && stored == value {
                return true;
            }
            if let Some(previous) = &previous
                && previous.state == PendingState::Waiting
                && previous.edit.value == text
                && previous.edit.note == note
            {
                return true;
            }
            let edit = queue::queue(
                previous.as_ref(),
                key,
                staff_id,
                text,
                note,
                version,
                device::new_client_id(),
            );
            device::save_pending(&edit);
            state.pending.update(|p| {
                p.insert(key, edit);
            });
            spawn_local(sync(state));
        }
    }
    true
}

#[component]
pub fn ScoreSheetPage() -> impl IntoView {
    let i18n = use_i18n();
    let class = param("class");
    let subject = param("subject");
    let semester = param("semester");
    let state = SheetState {
        class_id: class(),
        subject_id: subject(),
        semester: u8::try_from(semester()).unwrap_or(1),
        view: RwSignal::new(None),
        cells: RwSignal::new(HashMap::new()),
        pending: RwSignal::new(BTreeMap::new()),
        released: RwSignal::new(HashSet::new()),
        cell_errors: RwSignal::new(HashMap::new()),
        source: RwSignal::new(Source::Loading),
        online: RwSignal::new(true),
        syncing: RwSignal::new(false),
        load_error: RwSignal::new(None),
        selected: RwSignal::new(None),
    };
    Effect::new(move |_| {
        spawn_local(load_sheet(state));
        start_retrying(state);
    });
    let pending_count = move || {
        state.pending.with(|p| {
            p.values()
                .filter(|p| p.state == PendingState::Waiting)
                .count()
        })
    };
    view! {
        <section class="card sheet-page" data-page="score-sheet"
            data-ready=move || (state.source.get() != Source::Loading).to_string()
            data-online=move || state.online.get().to_string()
            data-pending=move || pending_count().to_string()>
            {move || state.view.with(|v| v.as_ref().map(|v| {
                let subject = if i18n.lang() == Lang::Vi { v.subject_vi.clone() } else { v.subject_en.clone() };
                view! {
                    <h1>{v.class_name.clone()} " · " {subject} " · " {i18n.t(semester_label(v.semester))}</h1>
                }
            }))}
            {move || state.load_error.get().map(|error| view! { <ErrorNotice error /> })}
            <p class="sync-status" aria-live="polite" data-sync-status="true">
                {move || match (pending_count(), state.online.get()) {
                    (0, true) if state.source.get() == Source::Server => i18n.t(GradesText::Saved).to_string(),
                    (0, _) => String::new(),
                    (n, _) => format!("{n} {}", i18n.t(GradesText::PendingCount)),
                }}
            </p>
            {move || (!state.online.get()).then(|| view! {
                <p class="notice notice-offline" data-offline="true">{i18n.t(GradesText::Offline)}</p>
            })}
            {move || match state.source.get() {
                Source::Device(at) => Some(view! {
                    <p class="secondary" data-device-copy="true">{i18n.t(GradesText::DeviceCopy)} " " {format_time(at)}</p>
                }),
                _ => None,
            }}
            {move || state.view.with(|v| v.as_ref().map(|v| sheet_notice(v, i18n.lang())))}
            {move || state.view.with(|v| v.clone()).map(|v| view! { <SheetTable state sheet=v /> })}
            <Conflicts state />
            {move || state.view.with(|v| v.clone()).map(|v| view! { <SheetTools state sheet=v /> })}
        </section>
    }
    .into_any()
}

fn sheet_notice(sheet: &SheetView, lang: Lang) -> Option<AnyView> {
    let text = if !sheet.can_edit {
        GradesText::ReadOnly
    } else {
        match sheet.window {
            WindowStatus::Open => return None,
            WindowStatus::Locked => GradesText::Locked,
            WindowStatus::NotOpen => GradesText::NotOpen,
        }
    };
    Some(
        view! { <p class="notice" data-window=sheet.window.code()>{text.text(lang)}</p> }
            .into_any(),
    )
}

#[component]
fn SheetTable(state: SheetState, sheet: SheetView) -> impl IntoView {
    let i18n = use_i18n();
    let editable = sheet.can_edit && sheet.window == WindowStatus::Open;
    let columns: Vec<Column> = sheet.columns.iter().map(|c| c.column).collect();
    let assessment = sheet.assessment;
    let planned = sheet.planned_regular;
    let settings = StoredValue::new(sheet.settings.clone());
    let first: HashMap<i64, Score> = sheet.first_semester.iter().copied().collect();
    let second_semester = sheet.semester == 2;
    let rows = sheet.students.len();
    let can_release = sheet.can_edit;
    let header_columns = columns.clone();
    view! {
        <div class="sheet-scroll">
            <table class="score-sheet" data-assessment=assessment.code()>
                <thead>
                    <tr>
                        <th class="sticky-col">{move || i18n.t(GradesText::Student)}</th>
                        {header_columns.into_iter().map(|column| {
                            let released = move || state.released.with(|r| r.contains(&column));
                            let toggle = move |_| {
                                let now = !released();
                                spawn_local(async move {
                                    if release_column(state.class_id, state.subject_id, state.semester, column, now).await.is_ok() {
                                        state.released.update(|r| { if now { r.insert(column); } else { r.remove(&column); } });
                                    }
                                });
                            };
                            view! {
                                <th data-column=column.code()>
                                    <span class="column-name">{if assessment == Assessment::Comment { i18n.t(GradesText::Result).to_string() } else { column.header() }}</span>
                                    {can_release.then(|| view! {
                                        <button type="button" class="release-toggle" data-release=column.code()
                                            aria-pressed=move || released().to_string() on:click=toggle>
                                            {move || i18n.t(if released() { GradesText::Released } else { GradesText::Release })}
                                        </button>
                                    })}
                                </th>
                            }
                        }).collect_view()}
                        {(assessment == Assessment::Scored).then(|| view! { <th>{move || i18n.t(GradesText::Average)}</th> })}
                        {(assessment == Assessment::Scored && second_semester).then(|| view! { <th>{move || i18n.t(GradesText::YearAverage)}</th> })}
                    </tr>
                </thead>
                <tbody>
                    {sheet.students.into_iter().enumerate().map(|(row, student)| {
                        let student_id = student.student_id;
                        let first_average = first.get(&student_id).copied();
                        let row_columns = StoredValue::new(columns.clone());
                        let average = move || {
                            let values: Vec<(Column, Option<CellValue>)> = row_columns.get_value().iter()
                                .map(|c| (*c, state.shown(student_id, *c, assessment)))
                                .collect();
                            settings.with_value(|settings| row_average(values.iter().map(|(c, v)| (*c, v.as_ref())), planned, settings).into_value())
                        };
                        let year = move || settings.with_value(|settings| row_year_average(first_average, average(), settings));
                        view! {
                            <tr data-student=student_id.to_string()>
                                <th class="sticky-col student-name" scope="row">{student.name.full()}</th>
                                {columns.iter().enumerate().map(|(col, column)| {
                                    let column = *column;
                                    view! { <SheetCell state student_id column row col rows editable assessment /> }
                                }).collect_view()}
                                {(assessment == Assessment::Scored).then(|| view! {
                                    <td class="average" data-average=student_id.to_string()>
                                        {move || average().map(|a| a.written_to_one_decimal(i18n.lang())).unwrap_or_default()}
                                    </td>
                                })}
                                {(assessment == Assessment::Scored && second_semester).then(|| view! {
                                    <td class="average" data-year-average=student_id.to_string()>
                                        {move || year().map(|a| a.written_to_one_decimal(i18n.lang())).unwrap_or_default()}
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn SheetCell(
    state: SheetState,
    student_id: i64,
    column: Column,
    row: usize,
    col: usize,
    rows: usize,
    editable: bool,
    assessment: Assessment,
) -> impl IntoView {
    let i18n = use_i18n();
    let key = state.key(student_id, column);
    let pending_state = move || state.pending.with(|p| p.get(&key).map(|p| p.state.clone()));
    let error = move || {
        state
            .cell_errors
            .with(|e| e.get(&(student_id, column)).cloned())
    };
    let class = move || {
        let mut class = String::from("cell");
        match pending_state() {
            Some(PendingState::Waiting) => class.push_str(" cell-pending"),
            Some(PendingState::Conflict { .. }) => class.push_str(" cell-conflict"),
            Some(PendingState::Refused { .. }) => class.push_str(" cell-refused"),
            None => {}
        }
        if error().is_some() {
            class.push_str(" cell-invalid");
        }
        class
    };
    let next = move || {
        // Down the column, then to the top of the next one.
        if !device::focus_cell(row + 1, col) {
            let _ = device::focus_cell(0, col + 1);
        }
        let _ = rows;
    };
    let input = match assessment {
        Assessment::Scored => view! {
            <input type="text" inputmode="decimal" enterkeyhint="next" autocomplete="off"
                class="score-input" data-row=row.to_string() data-col=col.to_string()
                data-cell=format!("{student_id}-{}", column.code())
                aria-label=format!("{} {}", column.header(), student_id)
                aria-invalid=move || error().is_some().to_string()
                readonly=!editable
                prop:value=move || state.text(student_id, column, i18n.lang())
                on:focus=move |ev| {
                    state.selected.set(Some((student_id, column)));
                    device::select_target(&ev);
                }
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    match parse_cell(Assessment::Scored, &text, None) {
                        Err(e) if !text.trim().is_empty() => state.cell_errors.update(|m| { m.insert((student_id, column), e.message(i18n.lang())); }),
                        _ => state.cell_errors.update(|m| { m.remove(&(student_id, column)); }),
                    }
                }
                on:change=move |ev| { commit(state, i18n.lang(), student_id, column, event_target_value(&ev), None); }
                on:keydown=move |ev| {
                    if ev.key() == "Enter" {
                        ev.prevent_default();
                        if commit(state, i18n.lang(), student_id, column, event_target_value(&ev), None) {
                            next();
                        }
                    }
                }
            />
        }.into_any(),
        Assessment::Comment => view! {
            <select class="comment-select" data-row=row.to_string() data-col=col.to_string()
                data-cell=format!("{student_id}-{}", column.code()) disabled=!editable
                prop:value=move || state.text(student_id, column, i18n.lang())
                on:change=move |ev| {
                    let note = state.note(student_id, column);
                    commit(state, i18n.lang(), student_id, column, event_target_value(&ev), Some(note));
                }>
                <option value="">"—"</option>
                <option value="pass">{move || i18n.t(GradesText::Pass)}</option>
                <option value="not_yet">{move || i18n.t(GradesText::NotYet)}</option>
            </select>
            <input type="text" class="comment-note" placeholder=move || i18n.t(GradesText::Comment)
                readonly=!editable prop:value=move || state.note(student_id, column)
                on:change=move |ev| {
                    let result = state.text(student_id, column, i18n.lang());
                    commit(state, i18n.lang(), student_id, column, result, Some(event_target_value(&ev)));
                } />
        }.into_any(),
    };
    view! {
        <td class=class data-pending-state=move || match pending_state() {
            Some(PendingState::Waiting) => "waiting",
            Some(PendingState::Conflict { .. }) => "conflict",
            Some(PendingState::Refused { .. }) => "refused",
            None => "",
        }>
            {input}
            {move || matches!(pending_state(), Some(PendingState::Waiting)).then(|| view! {
                <span class="pending-mark" title=i18n.t(GradesText::NotYetSent)>{i18n.t(GradesText::NotYetSent)}</span>
            })}
            {move || error().map(|message| view! { <span class="cell-error" role="alert" data-cell-error=format!("{student_id}-{}", column.code())>{message}</span> })}
        </td>
    }
    .into_any()
}

/// Edits the server would not take as they were: changed elsewhere (the teacher chooses), or
/// refused (the teacher sees why).
#[component]
fn Conflicts(state: SheetState) -> impl IntoView {
    let i18n = use_i18n();
    let troubled = move || {
        state.pending.with(|p| {
            p.values()
                .filter(|p| p.state != PendingState::Waiting)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let name_of = move |student_id: i64| {
        state.view.with(|v| {
            v.as_ref()
                .and_then(|v| v.students.iter().find(|s| s.student_id == student_id))
                .map(|s| s.name.full())
                .unwrap_or_default()
        })
    };
    let written = move |value: &Option<CellValue>| match value {
        Some(CellValue::Score(score)) => score.written(i18n.lang()),
        Some(CellValue::Comment { result, .. }) => result.text(i18n.lang()).to_string(),
        None => "—".into(),
    };
    view! {
        {move || {
            let list = troubled();
            (!list.is_empty()).then(|| view! {
                <section class="conflicts" aria-live="polite">
                    <h2>{i18n.t(GradesText::Conflicts)}</h2>
                    <ul class="list">
                        {list.into_iter().map(|pending| {
                            let key = pending.key;
                            let cell = format!("{}-{}", key.student_id, key.column.code());
                            match pending.state.clone() {
                                PendingState::Conflict { theirs, changed_by, .. } => {
                                    let mine_pending = pending.clone();
                                    view! {
                                        <li class="list-item conflict" data-conflict=cell.clone()>
                                            <span class="list-title">{name_of(key.student_id)} " · " {key.column.header()}</span>
                                            <span>{i18n.t(GradesText::ConflictMine)} ": " <strong data-mine=cell.clone()>{pending.edit.value.clone()}</strong></span>
                                            <span>{i18n.t(GradesText::ConflictTheirs)} ": " <strong data-theirs=cell.clone()>{written(&theirs)}</strong>
                                                {changed_by.map(|who| format!(" ({who})"))}</span>
                                            <span class="actions">
                                                <button type="button" class="button" data-keep-mine=cell.clone() on:click=move |_| {
                                                    let next = queue::keep_mine(&mine_pending, device::new_client_id());
                                                    device::save_pending(&next);
                                                    state.pending.update(|p| { p.insert(key, next); });
                                                    spawn_local(sync(state));
                                                }>{i18n.t(GradesText::KeepMine)}</button>
                                                <button type="button" class="button button-secondary" data-take-theirs=cell.clone() on:click=move |_| {
                                                    if let Some(p) = state.pending.with_untracked(|p| p.get(&key).cloned()) {
                                                        device::remove_pending(&p);
                                                    }
                                                    state.pending.update(|p| { p.remove(&key); });
                                                }>{i18n.t(GradesText::TakeTheirs)}</button>
                                            </span>
                                        </li>
                                    }.into_any()
                                }
                                PendingState::Refused { error, .. } => {
                                    let code = ErrorCode::from_code(&error).unwrap_or(ErrorCode::Internal);
                                    view! {
                                        <li class="list-item refused" data-refused=cell.clone() data-error-code=error.clone()>
                                            <span class="list-title">{name_of(key.student_id)} " · " {key.column.header()} ": " {pending.edit.value.clone()}</span>
                                            <span>{i18n.t(GradesText::Refused)} ": " {code.text(i18n.lang())}</span>
                                            <button type="button" class="button button-secondary" on:click=move |_| {
                                                if let Some(p) = state.pending.with_untracked(|p| p.get(&key).cloned()) {
                                                    device::remove_pending(&p);
                                                }
                                                state.pending.update(|p| { p.remove(&key); });
                                            }>{i18n.t(GradesText::Discard)}</button>
                                        </li>
                                    }.into_any()
                                }
                                PendingState::Waiting => ().into_any(),
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })
        }}
    }
    .into_any()
}

/// History of the selected cell, Excel export and import, and (after locking) corrections.
#[component]
fn SheetTools(state: SheetState, sheet: SheetView) -> impl IntoView {
    let i18n = use_i18n();
    let history: RwSignal<Option<Result<Vec<HistoryEntry>, AppError>>> = RwSignal::new(None);
    let show_history = move |_| {
        if let Some((student_id, column)) = state.selected.get_untracked() {
            spawn_local(async move {
                history.set(Some(
                    score_history(
                        state.class_id,
                        state.subject_id,
                        state.semester,
                        student_id,
                        column,
                    )
                    .await,
                ));
            });
        }
    };
    let export = move |_| {
        spawn_local(async move {
            if let Ok(file) =
                export_score_sheet(state.class_id, state.subject_id, state.semester).await
            {
                device::download(
                    &file.file_name,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &file.base64,
                );
            }
        });
    };
    let file_data: RwSignal<Option<String>> = RwSignal::new(None);
    let preview: RwSignal<Option<Result<ImportPreview, AppError>>> = RwSignal::new(None);
    let applied: RwSignal<Option<Result<usize, AppError>>> = RwSignal::new(None);
    let pick_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let file = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            if let Some(file) = file {
                spawn_local(async move {
                    if let Some(data) = device::read_file_base64(file).await {
                        file_data.set(Some(data.clone()));
                        applied.set(None);
                        preview.set(Some(
                            preview_score_import(
                                state.class_id,
                                state.subject_id,
                                state.semester,
                                data,
                            )
                            .await,
                        ));
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, preview_score_import, file_data, preview);
    };
    let apply = move |_| {
        if let Some(data) = file_data.get_untracked() {
            spawn_local(async move {
                let result =
                    apply_score_import(state.class_id, state.subject_id, state.semester, data)
                        .await;
                let ok = result.is_ok();
                applied.set(Some(result));
                if ok {
                    preview.set(None);
                    if let Ok(sheet) =
                        score_sheet(state.class_id, state.subject_id, state.semester).await
                    {
                        device::save_sheet(&sheet);
                        state.apply_sheet(sheet);
                    }
                }
            });
        }
    };
    let locked = sheet.window == WindowStatus::Locked && sheet.can_edit;
    let can_import = sheet.can_edit && sheet.window == WindowStatus::Open;
    let students = sheet.students.clone();
    let columns: Vec<Column> = sheet.columns.iter().map(|c| c.column).collect();
    let correction_student =
        RwSignal::new(students.first().map(|s| s.student_id).unwrap_or_default());
    let correction_column = RwSignal::new(columns.first().copied().unwrap_or(Column::Final));
    let correction_value = RwSignal::new(String::new());
    let correction_reason = RwSignal::new(String::new());
    let correction_result: RwSignal<Option<Result<i64, AppError>>> = RwSignal::new(None);
    let send_correction = move |_| {
        spawn_local(async move {
            correction_result.set(Some(
                request_correction(
                    state.class_id,
                    state.subject_id,
                    state.semester,
                    correction_student.get_untracked(),
                    correction_column.get_untracked(),
                    correction_value.get_untracked(),
                    None,
                    correction_reason.get_untracked(),
                )
                .await,
            ));
        });
    };
    view! {
        <section class="sheet-tools">
            <div class="actions">
                <button type="button" class="button button-secondary" data-action="history" on:click=show_history>{move || i18n.t(GradesText::History)}</button>
                <button type="button" class="button button-secondary" data-action="export" on:click=export>{move || i18n.t(GradesText::Export)}</button>
                {can_import.then(|| view! {
                    <label class="button button-secondary file-button">
                        {move || i18n.t(GradesText::Import)}
                        <input type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" data-action="import" on:change=pick_file />
                    </label>
                })}
            </div>
            {move || history.get().map(|result| match result {
                Ok(entries) if entries.is_empty() => view! { <p>{i18n.t(GradesText::NoHistory)}</p> }.into_any(),
                Ok(entries) => view! {
                    <ol class="list history" data-history="true">
                        {entries.into_iter().map(|e| view! {
                            <li class="list-item">
                                {format_time(e.changed_at)} " · " {e.changed_by.unwrap_or_default()} " · "
                                {e.old_value.unwrap_or_else(|| "—".into())} " → " {e.new_value.unwrap_or_else(|| "—".into())}
                                {e.reason.map(|r| format!(" ({r})"))}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            {move || preview.get().map(|result| match result {
                Ok(preview) => {
                    let has_errors = !preview.errors.is_empty();
                    let error_count = preview.errors.len();
                    view! {
                        <div class="import-preview" data-import-preview="true" data-import-errors=error_count.to_string()>
                            <p>{preview.rows} " " {i18n.t(GradesText::ImportRows)} " · " {preview.changes.len()} " " {i18n.t(GradesText::ImportChanges)}</p>
                            <ul class="list">
                                {preview.errors.into_iter().map(|e| {
                                    let code = ErrorCode::from_code(&e.error).unwrap_or(ErrorCode::InvalidInput);
                                    view! {
                                        <li class="list-item import-error" data-import-error=e.row.to_string()>
                                            {i18n.t(GradesText::Row)} " " {e.row} {e.column.map(|c| format!(" · {c}"))} ": " {code.text(i18n.lang())}
                                            {e.detail.map(|d| format!(" ({d})"))}
                                        </li>
                                    }
                                }).collect_view()}
                                {preview.changes.into_iter().map(|c| view! {
                                    <li class="list-item">
                                        {i18n.t(GradesText::Row)} " " {c.row} " · " {c.student_name} " · " {c.column.header()} ": "
                                        {c.old_value.unwrap_or_else(|| "—".into())} " → " {c.new_value.unwrap_or_default()}
                                    </li>
                                }).collect_view()}
                            </ul>
                            {(!has_errors).then(|| view! {
                                <button type="button" class="button" data-action="apply-import" on:click=apply>{i18n.t(GradesText::ImportApply)}</button>
                            })}
                        </div>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            {move || applied.get().map(|result| match result {
                Ok(_) => view! { <p class="notice notice-ok" data-imported="true">{i18n.t(GradesText::ImportDone)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            {locked.then(|| view! {
                <form class="correction" on:submit=move |ev| { ev.prevent_default(); send_correction(()); }>
                    <h2>{move || i18n.t(GradesText::Correction)}</h2>
                    <label>{move || i18n.t(GradesText::Student)}
                        <select on:change=move |ev| correction_student.set(event_target_value(&ev).parse().unwrap_or_default())>
                            {students.iter().map(|s| view! { <option value=s.student_id.to_string()>{s.name.full()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Cột / Column"
                        <select on:change=move |ev| if let Some(c) = Column::from_code(&event_target_value(&ev)) { correction_column.set(c) }>
                            {columns.iter().map(|c| view! { <option value=c.code()>{c.header()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>{move || i18n.t(GradesText::NewValue)}
                        <input type="text" inputmode="decimal" on:input=move |ev| correction_value.set(event_target_value(&ev)) />
                    </label>
                    <label>{move || i18n.t(GradesText::Reason)}
                        <input type="text" on:input=move |ev| correction_reason.set(event_target_value(&ev)) />
                    </label>
                    <button type="submit" class="button">{move || i18n.t(GradesText::Send)}</button>
                    {move || correction_result.get().map(|r| match r {
                        Ok(_) => view! { <p class="notice notice-ok">{i18n.t(GradesText::Sent)}</p> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    })}
                </form>
            })}
        </section>
    }
    .into_any()
}

fn status_text(code: &str) -> GradesText {
    match code {
        "promoted" => GradesText::Promoted,
        "summer_retraining" => GradesText::SummerRetraining,
        "retest" => GradesText::Retest,
        _ => GradesText::NotPromoted,
    }
}

fn result_text(result: Option<SubjectResult>, lang: Lang) -> String {
    match result {
        Some(SubjectResult::Scored(score)) => score.written_to_one_decimal(lang),
        Some(SubjectResult::Comment(comment)) => comment.text(lang).to_string(),
        None => "—".into(),
    }
}

/// The homeroom teacher's class: learning and conduct per semester and year, absences,
/// promotion and awards; conduct and absences are entered here.
#[component]
pub fn ClassResultsPage() -> impl IntoView {
    let i18n = use_i18n();
    let class = param("class");
    let class_id = class();
    let version = RwSignal::new(0u32);
    let results = Resource::new(move || version.get(), move |_| class_results(class_id));
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let save_level = move |student_id: i64, semester: u8, level: String| {
        spawn_local(async move {
            match save_conduct(class_id, student_id, semester, level).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let save_days = move |student_id: i64, days: String| {
        spawn_local(async move {
            match save_absences(class_id, student_id, days).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" data-page="class-results">
            {move || error.get().map(|error| view! { <ErrorNotice error /> })}
            <Transition fallback=|| ()>
                {move || results.get().map(|result| match result {
                    Ok(view) => {
                        let editable = view.can_edit;
                        let subjects = view.subjects.clone();
                        view! {
                            <h1>{move || i18n.t(GradesText::Homeroom)} " · " {view.class_name.clone()}</h1>
                            <div class="sheet-scroll">
                                <table class="results-table">
                                    <thead><tr>
                                        <th class="sticky-col">{move || i18n.t(GradesText::Student)}</th>
                                        <th>{move || i18n.t(GradesText::Semester1)}</th>
                                        <th>{move || i18n.t(GradesText::Semester2)}</th>
                                        <th>{move || i18n.t(GradesText::Year)}</th>
                                        <th>{move || i18n.t(GradesText::Absences)}</th>
                                        <th>{move || i18n.t(GradesText::Status)}</th>
                                        <th>{move || i18n.t(GradesText::Award)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {view.students.into_iter().map(|s| {
                                            let student_id = s.student_id;
                                            let subjects = subjects.clone();
                                            let per_subject = s.subjects.clone();
                                            let conduct_cell = move |semester: u8, level: Option<Level>| {
                                                if editable {
                                                    view! {
                                                        <select class="conduct-select" data-conduct=format!("{student_id}-{semester}")
                                                            prop:value=level.map(|l| l.code()).unwrap_or("")
                                                            on:change=move |ev| save_level(student_id, semester, event_target_value(&ev))>
                                                            <option value="">"—"</option>
                                                            {Level::ALL.into_iter().rev().map(|l| view! { <option value=l.code()>{move || l.text(i18n.lang())}</option> }).collect_view()}
                                                        </select>
                                                    }.into_any()
                                                } else {
                                                    view! { <span>{move || level_label(level, i18n.lang())}</span> }.into_any()
                                                }
                                            };
                                            view! {
                                                <tr data-student=student_id.to_string()>
                                                    <th class="sticky-col" scope="row">
                                                        <details>
                                                            <summary>{s.name.full()}</summary>
                                                            <ul class="subject-results">
                                                                {subjects.iter().zip(per_subject).map(|((_, name), r)| view! {
                                                                    <li>{name.clone()} ": " {move || format!("{} · {} · {}", result_text(r[0], i18n.lang()), result_text(r[1], i18n.lang()), result_text(r[2], i18n.lang()))}</li>
                                                                }).collect_view()}
                                                            </ul>
                                                        </details>
                                                    </th>
                                                    {[0usize, 1].into_iter().map(|i| view! {
                                                        <td>
                                                            <span class="learning" data-learning=format!("{student_id}-{}", i + 1)>{move || i18n.t(GradesText::Learning)} ": " {move || level_label(s.learning[i], i18n.lang())}</span>
                                                            <span class="conduct">{move || i18n.t(GradesText::Conduct)} ": " {conduct_cell(u8::try_from(i + 1).unwrap_or(1), s.conduct[i])}</span>
                                                        </td>
                                                    }).collect_view()}
                                                    <td>
                                                        <span class="learning">{move || level_label(s.learning[2], i18n.lang())}</span>
                                                        <span class="conduct">{move || level_label(s.conduct[2], i18n.lang())}</span>
                                                    </td>
                                                    <td>
                                                        {if editable {
                                                            view! { <input type="text" inputmode="numeric" class="absence-input" data-absences=student_id.to_string()
                                                                prop:value=s.typed_absences.map(|d| d.to_string()).unwrap_or_default()
                                                                on:change=move |ev| save_days(student_id, event_target_value(&ev)) />
                                                                <span class="secondary" data-absence-total=student_id.to_string()>{move || i18n.t(GradesText::AbsencesTotal)} ": " {s.absences.unwrap_or(0)}</span> }.into_any()
                                                        } else {
                                                            view! { <span>{s.absences.map(|d| d.to_string()).unwrap_or_else(|| "—".into())}</span> }.into_any()
                                                        }}
                                                    </td>
                                                    <td data-status=student_id.to_string()>{s.status.clone().map(|c| move || i18n.t(status_text(&c)))}</td>
                                                    <td>{s.award.map(|a| move || a.text(i18n.lang()))}</td>
                                                </tr>
                                            }.into_any()
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Transition>
        </section>
    }
    .into_any()
}

/// The school admin: entry windows and corrections to decide.
#[component]
pub fn GradeAdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let version = RwSignal::new(0u32);
    let admin = Resource::new(move || version.get(), |_| grade_admin());
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    let set_window = move |semester_id: i64, status: WindowStatus| {
        spawn_local(async move {
            match set_grade_window(semester_id, status).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let decide = move |id: i64, approve: bool| {
        spawn_local(async move {
            match decide_correction(id, approve).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" data-page="grade-admin">
            <h1>{move || i18n.t(GradesText::Admin)}</h1>
            {move || error.get().map(|error| view! { <ErrorNotice error /> })}
            <Transition fallback=|| ()>
                {move || admin.get().map(|result| match result {
                    Ok(view) => view! {
                        <ul class="list">
                            {view.windows.into_iter().map(|w| {
                                let status = match w.status {
                                    WindowStatus::Open => GradesText::WindowOpen,
                                    WindowStatus::Locked => GradesText::WindowLocked,
                                    WindowStatus::NotOpen => GradesText::WindowNotOpen,
                                };
                                view! {
                                    <li class="list-item" data-window-semester=w.number.to_string() data-window-status=w.status.code()>
                                        <span class="list-title">{move || i18n.t(semester_label(w.number))} " " {w.school_year.clone()} ": " {move || i18n.t(status)}</span>
                                        {(w.status == WindowStatus::NotOpen).then(|| view! {
                                            <button type="button" class="button" data-open=w.number.to_string() on:click=move |_| set_window(w.semester_id, WindowStatus::Open)>{move || i18n.t(GradesText::Open)}</button>
                                        })}
                                        {(w.status == WindowStatus::Open).then(|| view! {
                                            <button type="button" class="button" data-lock=w.number.to_string() on:click=move |_| set_window(w.semester_id, WindowStatus::Locked)>{move || i18n.t(GradesText::Lock)}</button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <h2>{move || i18n.t(GradesText::Corrections)}</h2>
                        {view.corrections.is_empty().then(|| view! { <p>{move || i18n.t(GradesText::NoCorrections)}</p> })}
                        <ul class="list">
                            {view.corrections.into_iter().map(|c| view! {
                                <li class="list-item" data-correction=c.id.to_string()>
                                    <span class="list-title">{c.class_name.clone()} " · " {c.subject_vi.clone()} " · " {c.student.full()} " · " {c.column.header()}</span>
                                    <span>{c.old_value.clone().unwrap_or_else(|| "—".into())} " → " {c.new_value.clone().unwrap_or_else(|| "—".into())}</span>
                                    <span class="secondary">{c.requested_by.clone()} ": " {c.reason.clone()}</span>
                                    <span class="actions">
                                        <button type="button" class="button" data-approve=c.id.to_string() on:click=move |_| decide(c.id, true)>{move || i18n.t(GradesText::Approve)}</button>
                                        <button type="button" class="button button-secondary" on:click=move |_| decide(c.id, false)>{move || i18n.t(GradesText::Reject)}</button>
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Transition>
        </section>
    }
    .into_any()
}

/// A child's grades for a parent (or the student): released scores, what is new since the last
/// visit, averages and results. The last view stays available offline.
#[component]
pub fn ChildGradesPage() -> impl IntoView {
    let i18n = use_i18n();
    let student = param("id");
    let student_id = student();
    let data: RwSignal<Option<ChildGradesView>> = RwSignal::new(None);
    let offline = RwSignal::new(false);
    let error: RwSignal<Option<AppError>> = RwSignal::new(None);
    Effect::new(move |_| {
        spawn_local(async move {
            match child_grades(student_id).await {
                Ok(view) => {
                    device::save_child(&view);
                    device::keep_page_offline();
                    data.set(Some(view));
                }
                Err(e) if is_network(&e) => match device::load_child(student_id) {
                    Some(view) => {
                        offline.set(true);
                        data.set(Some(view));
                    }
                    None => error.set(Some(e)),
                },
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <section class="card child-grades" data-page="child-grades"
            data-ready=move || (data.with(Option::is_some) || error.with(Option::is_some)).to_string()>
            {move || error.get().map(|error| view! { <ErrorNotice error /> })}
            {move || data.get().map(|view| {
                let lang = i18n.lang();
                view! {
                    <h1>{view.name.full()}</h1>
                    <p class="secondary">{view.class_name.clone()}</p>
                    {offline.get().then(|| view! { <p class="notice notice-offline" data-offline="true">{i18n.t(GradesText::LastView)} " " {format_time(view.fetched_at)}</p> })}
                    <dl class="learning-results">
                        {[GradesText::Semester1, GradesText::Semester2, GradesText::Year].into_iter().zip(view.learning).map(|(label, level)| view! {
                            <dt>{i18n.t(label)}</dt><dd>{level_label(level, lang)}</dd>
                        }).collect_view()}
                    </dl>
                    <ul class="list subjects">
                        {view.subjects.into_iter().map(|subject| {
                            let name = if lang == Lang::Vi { subject.name_vi.clone() } else { subject.name_en.clone() };
                            let any = subject.semesters.iter().any(|s| !s.scores.is_empty());
                            view! {
                                <li class="list-item subject" data-subject=subject.name_vi.clone()>
                                    <span class="list-title">{name}</span>
                                    {(!any).then(|| view! { <span class="secondary">{i18n.t(GradesText::NothingReleased)}</span> })}
                                    {subject.semesters.into_iter().filter(|s| !s.scores.is_empty()).map(|semester| view! {
                                        <div class="semester-scores" data-semester=semester.number.to_string()>
                                            <span class="semester-name">{i18n.t(semester_label(semester.number))}</span>
                                            {semester.scores.into_iter().map(|score| {
                                                let text = match &score.value {
                                                    CellValue::Score(s) => s.written(lang),
                                                    CellValue::Comment { result, note } => if note.is_empty() { result.text(lang).to_string() } else { format!("{} ({note})", result.text(lang)) },
                                                };
                                                view! {
                                                    <span class="score-chip" data-score=score.column.code() data-new=score.new.to_string()>
                                                        <span class="score-label">{if score.column == Column::Comment { String::new() } else { score.column.header() }}</span>
                                                        " " <strong>{text}</strong>
                                                        {score.new.then(|| view! { <mark class="new-mark">{i18n.t(GradesText::New)}</mark> })}
                                                    </span>
                                                }
                                            }).collect_view()}
                                            {semester.average.map(|a| view! { <span class="score-chip average">{i18n.t(GradesText::Average)} " " <strong data-average=semester.number.to_string()>{a.written_to_one_decimal(lang)}</strong></span> })}
                                        </div>
                                    }).collect_view()}
                                    {subject.year_average.map(|a| view! { <span class="score-chip average">{i18n.t(GradesText::YearAverage)} " " <strong>{a.written_to_one_decimal(lang)}</strong></span> })}
                                </li>
                            }.into_any()
                        }).collect_view()}
                    </ul>
                }
            })}
        </section>
    }
    .into_any()
}
