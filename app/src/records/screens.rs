//! Screens of the records feature: the office's records (search, a student's record, classes),
//! the Excel import with its preview and progress bar, exports, the police's confirmation, the
//! families' correction requests, the district's schools, and a family's own data page.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::api::{
    archive_staff, correction_requests, create_school, create_school_admin, district_schools,
    load_family_data, load_school_classes, police_queue, records_home, records_search,
    request_correction, resolve_correction_request, resolve_police_correction, reveal_personal_id,
    save_assignment, save_class, save_student, set_consent, student_life_event, student_record,
    year_rollover,
};
use super::rules::{Change, RowError};
use super::{FamilyData, ImportReport, PoliceReport, Purpose, StaffForm, StudentForm};
use crate::i18n::{Lang, use_i18n};
use crate::platform::error::{AppError, ErrorCode};
use crate::platform::format::{format_date, parse_iso_date};
use crate::texts;
use crate::ui::ErrorNotice;

texts! {
    pub enum RecordsText {
        Records => ("Hồ sơ", "Records"),
        Search => ("Tìm", "Search"),
        SearchHint => ("Họ tên (có hoặc không dấu), mã học sinh hoặc số định danh", "Name (with or without diacritics), MOET code or ID number"),
        Students => ("Học sinh", "Students"),
        Staff => ("Cán bộ, giáo viên", "Staff"),
        Guardians => ("Phụ huynh", "Guardians"),
        Archived => ("Hồ sơ lưu trữ", "Archived records"),
        NoResults => ("Không tìm thấy ai.", "Nobody found."),
        Import => ("Nhập từ Excel", "Import from Excel"),
        Export => ("Xuất Excel", "Export to Excel"),
        Police => ("Xác thực với công an", "Confirmation with the police"),
        Requests => ("Yêu cầu sửa thông tin", "Correction requests"),
        Classes => ("Lớp và phân công", "Classes and assignments"),
        Reason => ("Lý do", "Reason"),
        ExportStudents => ("Tải danh sách học sinh (.xlsx)", "Download students (.xlsx)"),
        ExportStudentsCsv => ("Tải danh sách học sinh (.csv)", "Download students (.csv)"),
        ExportStaff => ("Tải danh sách cán bộ (.xlsx)", "Download staff (.xlsx)"),
        ExportNote => ("Tệp có số định danh đầy đủ: việc tải được ghi nhật ký cùng lý do.", "The file holds full ID numbers: each download is logged with its reason."),
        Downloaded => ("Đã tải xuống.", "Downloaded."),
        FileKind => ("Loại tệp", "File layout"),
        ChooseFile => ("Chọn tệp Excel (.xlsx)", "Choose an Excel file (.xlsx)"),
        Preview => ("Xem trước", "Preview"),
        Apply => ("Nhập vào hồ sơ", "Apply to the records"),
        Uploading => ("Đang tải lên…", "Uploading…"),
        Rows => ("Số dòng", "Rows"),
        Added => ("Thêm mới", "To add"),
        Changed => ("Thay đổi", "To change"),
        Unchanged => ("Giữ nguyên", "Unchanged"),
        BadRows => ("Dòng lỗi (chưa có gì được nhập)", "Bad rows (nothing was imported)"),
        Row => ("Dòng", "Row"),
        Column => ("Cột", "Column"),
        Applied => ("Đã nhập xong. Hồ sơ đã được cập nhật.", "Imported. The records are up to date."),
        FixAndRetry => ("Hãy sửa các dòng lỗi trong tệp rồi chọn lại tệp.", "Fix the bad rows in the file, then choose it again."),
        MaskedId => ("Số định danh", "ID number"),
        Reveal => ("Xem số đầy đủ", "Show the full number"),
        RevealReason => ("Lý do xem số định danh", "Why you need the full number"),
        Class => ("Lớp", "Class"),
        Born => ("Ngày sinh", "Born"),
        Sex => ("Giới tính", "Sex"),
        Male => ("Nam", "Male"),
        Female => ("Nữ", "Female"),
        Status => ("Trạng thái", "Status"),
        History => ("Quá trình học", "Class history"),
        LifeEvents => ("Chuyển lớp, nghỉ học, tốt nghiệp", "Move, leave, graduate"),
        MoveTo => ("Chuyển sang lớp", "Move to class"),
        Move => ("Chuyển lớp", "Move"),
        Left => ("Thôi học", "Left school"),
        TransferredOut => ("Chuyển trường ngoài huyện", "Moved out of the district"),
        Graduated => ("Tốt nghiệp", "Graduated"),
        Restore => ("Khôi phục hồ sơ", "Restore the record"),
        Saved => ("Đã lưu.", "Saved."),
        Edit => ("Sửa thông tin", "Edit details"),
        AddStudent => ("Thêm học sinh", "Add a student"),
        FullName => ("Họ và tên", "Full name"),
        DateOfBirth => ("Ngày sinh (dd/mm/yyyy)", "Date of birth (dd/mm/yyyy)"),
        MoetCode => ("Mã học sinh", "MOET code"),
        PersonalId => ("Số định danh cá nhân (12 số)", "Personal ID number (12 digits)"),
        Ethnicity => ("Dân tộc", "Ethnicity"),
        Save => ("Lưu", "Save"),
        Guardian => ("Phụ huynh", "Guardians"),
        PoliceExport => ("Tải danh sách gửi công an xã", "Download the list for the commune police"),
        PoliceImport => ("Nhập kết quả công an trả về", "Import the police's answer"),
        Confirmed => ("Đã xác nhận", "Confirmed"),
        Corrected => ("Đã chỉnh sửa", "Corrected"),
        NotFound => ("Không tìm thấy", "Not found"),
        Pending => ("Chỉnh sửa chờ duyệt", "Corrections to review"),
        NoPending => ("Không có chỉnh sửa nào chờ duyệt.", "No corrections to review."),
        ApplyCorrection => ("Áp dụng", "Apply"),
        Reject => ("Bỏ qua", "Reject"),
        Done => ("Đã xử lý", "Done"),
        NoRequests => ("Không có yêu cầu nào.", "No requests."),
        Year => ("Năm học", "School year"),
        Homeroom => ("Chủ nhiệm", "Homeroom"),
        NeedsReview => ("cần xem lại", "to review"),
        AddClass => ("Thêm lớp", "Add a class"),
        Grade => ("Khối", "Grade"),
        Teacher => ("Giáo viên", "Teacher"),
        Subject => ("Môn", "Subject"),
        Assign => ("Phân công", "Assign"),
        Rollover => ("Chuyển sang năm học mới", "Start a new school year"),
        RolloverName => ("Tên năm học mới", "New year's name"),
        StartsOn => ("Ngày bắt đầu (dd/mm/yyyy)", "First day (dd/mm/yyyy)"),
        EndsOn => ("Ngày kết thúc (dd/mm/yyyy)", "Last day (dd/mm/yyyy)"),
        RolloverResult => ("lớp mới; học sinh lên lớp; học sinh lớp 9 ra trường; phân công sao chép", "new classes; students moved up; grade-9 leavers; assignments copied"),
        Schools => ("Các trường", "Schools"),
        CreateSchool => ("Thêm trường", "Add a school"),
        SchoolCode => ("Mã trường", "School code"),
        SchoolName => ("Tên trường", "School name"),
        CreateAdmin => ("Thêm quản trị trường (hiệu trưởng)", "Add a school admin (principal)"),
        Admins => ("quản trị", "admins"),
        MyData => ("Dữ liệu của gia đình tôi", "My family's data"),
        MyDataIntro => ("Mọi thông tin nhà trường đang lưu về bạn và con, ai đã xem, và sự đồng ý của bạn (Luật 91/2025/QH15).", "Everything the school holds about you and your children, who has read it, and your consents (Law 91/2025/QH15)."),
        DownloadJson => ("Tải dữ liệu (JSON)", "Download the data (JSON)"),
        Print => ("In trang này", "Print this page"),
        You => ("Thông tin của bạn", "About you"),
        Children => ("Con", "Children"),
        Phone => ("Điện thoại", "Phone"),
        Occupation => ("Nghề nghiệp", "Occupation"),
        Consents => ("Sự đồng ý", "Consents"),
        Give => ("Đồng ý", "Give consent"),
        Withdraw => ("Rút lại", "Withdraw"),
        Given => ("Đã đồng ý", "Given"),
        NotGiven => ("Chưa đồng ý", "Not given"),
        WithdrawnOn => ("Đã rút lại lúc", "Withdrawn on"),
        AskCorrection => ("Yêu cầu sửa thông tin", "Ask for a correction"),
        Field => ("Thông tin cần sửa", "What to correct"),
        Requested => ("Thông tin đúng", "The right value"),
        Send => ("Gửi", "Send"),
        Sent => ("Đã gửi tới văn phòng trường.", "Sent to the school office."),
        WhoRead => ("Ai đã xem hoặc thay đổi", "Who read or changed it"),
        Other => ("Khác", "Other"),
    }
}

fn sex_text(code: &str) -> RecordsText {
    if code == "M" {
        RecordsText::Male
    } else {
        RecordsText::Female
    }
}

fn iso_to_display(iso: &str) -> String {
    parse_iso_date(iso).map(format_date).unwrap_or_default()
}

fn time_text(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix + 7 * 3600)
        .map(|t| {
            format!(
                "{} {:02}:{:02}",
                format_date(t.date()),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

fn change_label(change: &Change) -> String {
    match change {
        Change::Name => "Họ tên".into(),
        Change::DateOfBirth => "Ngày sinh".into(),
        Change::Sex => "Giới tính".into(),
        Change::MoetCode => "Mã".into(),
        Change::PersonalId => "Số định danh".into(),
        Change::Ethnicity => "Dân tộc".into(),
        Change::Status => "Trạng thái".into(),
        Change::Class => "Lớp".into(),
        Change::ParentAdded(p) => format!("+ {}", p.relation_code()),
        Change::ParentDetails(p) => p.relation_code().to_string(),
        Change::Email => "Email".into(),
        Change::Phone => "Điện thoại".into(),
        Change::Position => "Vị trí".into(),
    }
}

/// The browser's side of files: uploads with progress (XMLHttpRequest), downloads as blobs.
#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    use crate::platform::error::{AppError, ErrorCode};

    fn token() -> String {
        crate::identity::client::browser::csrf_token().unwrap_or_default()
    }

    /// The file chosen in an `<input type=file>`.
    pub fn chosen_file(input: &web_sys::HtmlInputElement) -> Option<web_sys::File> {
        input.files()?.get(0)
    }

    /// POSTs a file, reporting upload progress (0–100), then the status and body.
    pub fn upload(
        url: &str,
        file: &web_sys::File,
        progress: impl Fn(f64) + 'static,
        done: impl FnOnce(u16, String) + 'static,
    ) -> Result<(), AppError> {
        let fail = |_| AppError::new(ErrorCode::Network);
        let xhr = web_sys::XmlHttpRequest::new().map_err(fail)?;
        xhr.open_with_async("POST", url, true).map_err(fail)?;
        xhr.set_request_header(crate::identity::CSRF_HEADER, &token())
            .map_err(fail)?;
        xhr.set_request_header("content-type", "application/octet-stream")
            .map_err(fail)?;
        let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
            move |event: web_sys::ProgressEvent| {
                if event.length_computable() && event.total() > 0.0 {
                    progress(100.0 * event.loaded() / event.total());
                }
            },
        );
        if let Ok(target) = xhr.upload() {
            target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        on_progress.forget();
        let request = xhr.clone();
        let mut done = Some(done);
        let on_end = Closure::<dyn FnMut()>::new(move || {
            if let Some(done) = done.take() {
                let status = request.status().unwrap_or(0);
                let body = request.response_text().ok().flatten().unwrap_or_default();
                done(status, body);
            }
        });
        xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
        on_end.forget();
        xhr.send_with_opt_blob(Some(file)).map_err(fail)
    }

    /// Saves bytes the page already has (a blob URL on a link, clicked).
    pub fn save_blob(blob: &web_sys::Blob, filename: &str, marker: &str) {
        let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
            return;
        };
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(element) = document.create_element("a") else {
            return;
        };
        let Ok(link) = element.dyn_into::<web_sys::HtmlAnchorElement>() else {
            return;
        };
        link.set_href(&url);
        link.set_download(filename);
        let _ = link.set_attribute("data-download", marker);
        let _ = link.set_attribute("hidden", "");
        if let Some(body) = document.body() {
            let _ = body.append_child(&link);
        }
        link.click();
    }

    pub fn save_text(text: &str, filename: &str, mime: &str, marker: &str) {
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        if let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) {
            save_blob(&blob, filename, marker);
        }
    }

    /// POSTs a form (`reason=…`) and saves the file the server answers with.
    pub fn download(
        url: &str,
        form: &str,
        filename: String,
        done: impl FnOnce(Result<(), AppError>) + 'static,
    ) -> Result<(), AppError> {
        let fail = |_| AppError::new(ErrorCode::Network);
        let xhr = web_sys::XmlHttpRequest::new().map_err(fail)?;
        xhr.open_with_async("POST", url, true).map_err(fail)?;
        xhr.set_request_header(crate::identity::CSRF_HEADER, &token())
            .map_err(fail)?;
        xhr.set_request_header("content-type", "application/x-www-form-urlencoded")
            .map_err(fail)?;
        xhr.set_response_type(web_sys::XmlHttpRequestResponseType::Blob);
        let request = xhr.clone();
        let mut done = Some(done);
        let on_end = Closure::<dyn FnMut()>::new(move || {
            let Some(done) = done.take() else { return };
            let status = request.status().unwrap_or(0);
            let blob = request
                .response()
                .ok()
                .and_then(|r| r.dyn_into::<web_sys::Blob>().ok());
            match (status, blob) {
                (200, Some(blob)) => {
                    save_blob(&blob, &filename, &filename);
                    done(Ok(()));
                }
                (_, Some(blob)) => {
                    let promise = blob.text();
                    wasm_bindgen_futures::spawn_local(async move {
                        let text = wasm_bindgen_futures::JsFuture::from(promise)
                            .await
                            .ok()
                            .and_then(|v| v.as_string())
                            .unwrap_or_default();
                        done(Err(serde_json::from_str(&text)
                            .unwrap_or_else(|_| AppError::new(ErrorCode::Network))));
                    });
                }
                _ => done(Err(AppError::new(ErrorCode::Network))),
            }
        });
        xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
        on_end.forget();
        xhr.send_with_opt_str(Some(form)).map_err(fail)
    }

    pub fn print() {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    }
}

/// The school the office works for (the staff persona's), or the refusal.
fn use_school() -> Resource<Result<(i64, String), AppError>> {
    Resource::new(|| (), |_| records_home())
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A file download through a POST with a reason (the server audits it).
fn start_download(
    url: String,
    reason: String,
    filename: String,
    result: RwSignal<Option<Result<(), AppError>>>,
) {
    result.set(None);
    #[cfg(feature = "hydrate")]
    {
        let form = format!("reason={}", encode(&reason));
        if let Err(error) = browser::download(&url, &form, filename, move |r| result.set(Some(r))) {
            result.set(Some(Err(error)));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (url, encode(&reason), filename);
}

#[component]
pub fn RecordsPage() -> impl IntoView {
    let i18n = use_i18n();
    let school = use_school();
    view! {
        <Suspense fallback=|| ()>
            {move || school.get().map(|result| match result {
                Ok((school_id, name)) => view! {
                    <section class="card" data-page="records">
                        <h1>{move || i18n.t(RecordsText::Records)} " — " {name.clone()}</h1>
                        <nav class="records-nav">
                            <a class="button button-secondary" href="/records/import" data-link="import">{move || i18n.t(RecordsText::Import)}</a>
                            <a class="button button-secondary" href="/records/classes">{move || i18n.t(RecordsText::Classes)}</a>
                            <a class="button button-secondary" href="/records/police">{move || i18n.t(RecordsText::Police)}</a>
                            <a class="button button-secondary" href="/records/requests">{move || i18n.t(RecordsText::Requests)}</a>
                        </nav>
                    </section>
                    <SearchPanel school_id />
                    <ExportPanel school_id />
                    <AddStudentPanel school_id />
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn SearchPanel(school_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new("students".to_string());
    let query = RwSignal::new(String::new());
    let archived = RwSignal::new(false);
    let search = Action::new(move |_: &()| {
        records_search(
            school_id,
            kind.get_untracked(),
            query.get_untracked(),
            archived.get_untracked(),
        )
    });
    let leave = Action::new(move |staff_id: &i64| archive_staff(school_id, *staff_id));
    view! {
        <section class="card" data-section="search">
            <h2>{move || i18n.t(RecordsText::Search)}</h2>
            <div class="tabs" role="group">
                {[("students", RecordsText::Students), ("staff", RecordsText::Staff), ("guardians", RecordsText::Guardians)]
                    .into_iter()
                    .map(|(code, label)| view! {
                        <button type="button" class="tab" data-kind=code
                            aria-pressed=move || (kind.get() == code).to_string()
                            on:click=move |_| { kind.set(code.to_string()); search.dispatch(()); }>
                            {move || i18n.t(label)}
                        </button>
                    }.into_any())
                    .collect_view()}
            </div>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); search.dispatch(()); }>
                <label>{move || i18n.t(RecordsText::SearchHint)}
                    <input class="input" type="search" name="query" data-input="search"
                        on:input=move |ev| query.set(event_target_value(&ev)) />
                </label>
                <label class="check">
                    <input type="checkbox" on:change=move |ev| archived.set(event_target_checked(&ev)) />
                    {move || i18n.t(RecordsText::Archived)}
                </label>
                <button type="submit" class="button" data-action="search">{move || i18n.t(RecordsText::Search)}</button>
            </form>
            {move || search.value().get().map(|result| match result {
                Ok(list) if list.is_empty() => view! { <p>{move || i18n.t(RecordsText::NoResults)}</p> }.into_any(),
                Ok(list) => {
                    let students = kind.get_untracked() == "students";
                    let staff = kind.get_untracked() == "staff";
                    let count = list.len();
                    view! {
                        <ul class="list" data-results=count>
                            {list.into_iter().map(|r| {
                                let title = r.name.full();
                                let meta = [Some(r.detail.clone()), r.moet_code.clone(), r.masked_id.clone()]
                                    .into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
                                view! {
                                    <li class="list-item" data-record=r.id>
                                        {if students {
                                            view! {
                                                <a class="list-link" href=format!("/records/student/{}", r.id) data-student=title.clone()>
                                                    <span class="list-title">{title.clone()}</span>
                                                    <span class="list-meta">{meta.clone()}</span>
                                                </a>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <span class="list-title">{title.clone()}</span>
                                                <span class="list-meta">{meta.clone()}</span>
                                            }.into_any()
                                        }}
                                        {(staff && !r.archived).then(|| view! {
                                            <button type="button" class="button button-danger" on:click=move |_| { leave.dispatch(r.id); }>
                                                {move || i18n.t(RecordsText::Left)}
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            {move || leave.value().get().map(|r| match r {
                Ok(()) => view! { <p class="notice notice-ok">{move || i18n.t(RecordsText::Saved)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
    .into_any()
}

#[component]
fn ExportPanel(school_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<(), AppError>>);
    let go = move |path: &'static str, file: &'static str| {
        start_download(
            format!("/records/export/{path}school_id={school_id}"),
            reason.get_untracked(),
            file.to_string(),
            result,
        );
    };
    view! {
        <section class="card" data-section="export">
            <h2>{move || i18n.t(RecordsText::Export)}</h2>
            <p class="secondary">{move || i18n.t(RecordsText::ExportNote)}</p>
            <label class="stack">{move || i18n.t(RecordsText::Reason)}
                <input class="input" name="reason" data-input="export-reason" on:input=move |ev| reason.set(event_target_value(&ev)) />
            </label>
            <div class="button-row">
                <button type="button" class="button" data-action="export-students" on:click=move |_| go("students?", "hoc-sinh.xlsx")>{move || i18n.t(RecordsText::ExportStudents)}</button>
                <button type="button" class="button button-secondary" on:click=move |_| go("students?format=csv&", "hoc-sinh.csv")>{move || i18n.t(RecordsText::ExportStudentsCsv)}</button>
                <button type="button" class="button button-secondary" on:click=move |_| go("staff?", "can-bo.xlsx")>{move || i18n.t(RecordsText::ExportStaff)}</button>
            </div>
            {move || result.get().map(|r| match r {
                Ok(()) => view! { <p class="notice notice-ok" data-exported="true">{move || i18n.t(RecordsText::Downloaded)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
    .into_any()
}

#[component]
fn AddStudentPanel(school_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let form = RwSignal::new(StudentForm {
        sex: "F".into(),
        ..StudentForm::default()
    });
    let classes = Resource::new(move || school_id, load_school_classes);
    let save = Action::new(move |_: &()| save_student(school_id, form.get_untracked()));
    view! {
        <details class="card">
            <summary class="list-title">{move || i18n.t(RecordsText::AddStudent)}</summary>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
                <StudentFields form />
                <label>{move || i18n.t(RecordsText::Class)}
                    <select class="input" on:change=move |ev| {
                        let value = event_target_value(&ev).parse().ok();
                        form.update(|f| f.class_id = value);
                    }>
                        <option value="">"—"</option>
                        <Suspense fallback=|| ()>
                            {move || classes.get().and_then(Result::ok).map(|c| c.classes.into_iter().map(|c| view! {
                                <option value=c.id>{c.name}</option>
                            }.into_any()).collect_view())}
                        </Suspense>
                    </select>
                </label>
                <button type="submit" class="button">{move || i18n.t(RecordsText::Save)}</button>
            </form>
            {move || save.value().get().map(|r| match r {
                Ok(id) => view! { <p class="notice notice-ok"><a href=format!("/records/student/{id}")>{move || i18n.t(RecordsText::Saved)}</a></p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </details>
    }
    .into_any()
}

/// The identity fields of the add and edit forms.
#[component]
fn StudentFields(form: RwSignal<StudentForm>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>{move || i18n.t(RecordsText::FullName)}
            <input class="input" name="full_name" required prop:value=move || form.get().full_name
                on:input=move |ev| form.update(|f| f.full_name = event_target_value(&ev)) />
        </label>
        <label>{move || i18n.t(RecordsText::DateOfBirth)}
            <input class="input" name="date_of_birth" inputmode="numeric" required prop:value=move || form.get().date_of_birth
                on:input=move |ev| form.update(|f| f.date_of_birth = event_target_value(&ev)) />
        </label>
        <label>{move || i18n.t(RecordsText::Sex)}
            <select class="input" on:change=move |ev| form.update(|f| f.sex = event_target_value(&ev))>
                <option value="F" selected=move || form.get().sex == "F">{move || i18n.t(RecordsText::Female)}</option>
                <option value="M" selected=move || form.get().sex == "M">{move || i18n.t(RecordsText::Male)}</option>
            </select>
        </label>
        <label>{move || i18n.t(RecordsText::MoetCode)}
            <input class="input" name="moet_code" prop:value=move || form.get().moet_code
                on:input=move |ev| form.update(|f| f.moet_code = event_target_value(&ev)) />
        </label>
        <label>{move || i18n.t(RecordsText::PersonalId)}
            <input class="input" name="personal_id" inputmode="numeric" autocomplete="off"
                on:input=move |ev| form.update(|f| f.personal_id = event_target_value(&ev)) />
        </label>
        <label>{move || i18n.t(RecordsText::Ethnicity)}
            <input class="input" name="ethnicity" prop:value=move || form.get().ethnicity
                on:input=move |ev| form.update(|f| f.ethnicity = event_target_value(&ev)) />
        </label>
    }
    .into_any()
}

#[component]
pub fn StudentRecordPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let student_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let school = use_school();
    let version = RwSignal::new(0u32);
    let record = Resource::new(
        move || (school.get(), student_id(), version.get()),
        |(school, student, _)| async move {
            match school {
                Some(Ok((school_id, _))) => student_record(school_id, student).await,
                Some(Err(error)) => Err(error),
                None => Err(AppError::new(ErrorCode::NotFound)),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || record.get().map(|result| match result {
                Ok(s) => {
                    let school_id = s.school_id;
                    let form = RwSignal::new(StudentForm {
                        id: Some(s.id),
                        full_name: s.name.full(),
                        date_of_birth: iso_to_display(&s.date_of_birth),
                        sex: s.sex.clone(),
                        moet_code: s.moet_code.clone().unwrap_or_default(),
                        personal_id: String::new(),
                        ethnicity: s.ethnicity.clone().unwrap_or_default(),
                        class_id: s.class_id,
                    });
                    let save = Action::new(move |_: &()| save_student(school_id, form.get_untracked()));
                    Effect::new(move |_| if let Some(Ok(_)) = save.value().get() { version.update(|v| *v += 1) });
                    let sex = sex_text(&s.sex);
                    view! {
                        <section class="card" data-page="student-record">
                            <h1>{s.name.full()}</h1>
                            <dl class="facts">
                                <dt>{move || i18n.t(RecordsText::Class)}</dt><dd data-field="class">{s.class_name.clone().unwrap_or_else(|| "—".into())}</dd>
                                <dt>{move || i18n.t(RecordsText::Born)}</dt><dd>{iso_to_display(&s.date_of_birth)}</dd>
                                <dt>{move || i18n.t(RecordsText::Sex)}</dt><dd>{move || i18n.t(sex)}</dd>
                                <dt>{move || i18n.t(RecordsText::MoetCode)}</dt><dd>{s.moet_code.clone().unwrap_or_else(|| "—".into())}</dd>
                                <dt>{move || i18n.t(RecordsText::Status)}</dt><dd data-field="status">{super::rules::status_label(&s.status)}</dd>
                                <dt>{move || i18n.t(RecordsText::MaskedId)}</dt><dd data-field="masked-id">{s.masked_id.clone().unwrap_or_else(|| "—".into())}</dd>
                            </dl>
                            <RevealForm school_id record_id=s.id />
                        </section>
                        <section class="card">
                            <h2>{move || i18n.t(RecordsText::Guardian)}</h2>
                            <ul class="list">
                                {s.guardians.iter().map(|g| view! {
                                    <li class="list-item">
                                        <span class="list-title">{g.name.full()}</span>
                                        <span class="list-meta">{g.relation.clone()} " · " {g.phone.clone().unwrap_or_default()} " · " {g.masked_id.clone().unwrap_or_default()} " · " {g.link_status.clone()}</span>
                                    </li>
                                }.into_any()).collect_view()}
                            </ul>
                        </section>
                        <section class="card">
                            <h2>{move || i18n.t(RecordsText::History)}</h2>
                            <ul class="list" data-section="history">
                                {s.history.iter().map(|h| view! {
                                    <li class="list-item">
                                        <span class="list-title">{h.class_name.clone()} " (" {h.year_name.clone()} ")"</span>
                                        <span class="list-meta">{iso_to_display(&h.enrolled_on)} " – " {h.left_on.as_deref().map(iso_to_display).unwrap_or_default()}</span>
                                    </li>
                                }.into_any()).collect_view()}
                            </ul>
                        </section>
                        <LifeEventForm school_id student_id=s.id archived=s.archived version />
                        <details class="card">
                            <summary class="list-title">{move || i18n.t(RecordsText::Edit)}</summary>
                            <form class="stack" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
                                <StudentFields form />
                                <button type="submit" class="button">{move || i18n.t(RecordsText::Save)}</button>
                            </form>
                            {move || save.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> }.into_any())}
                        </details>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn RevealForm(school_id: i64, record_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let reveal = Action::new(move |_: &()| {
        reveal_personal_id(
            school_id,
            "students".into(),
            record_id,
            reason.get_untracked(),
        )
    });
    view! {
        <form class="inline-form" data-form="reveal" on:submit=move |ev| { ev.prevent_default(); reveal.dispatch(()); }>
            <label class="visually-hidden" for="reveal-reason">{move || i18n.t(RecordsText::RevealReason)}</label>
            <input id="reveal-reason" class="input" name="reason" placeholder=move || i18n.t(RecordsText::RevealReason)
                on:input=move |ev| reason.set(event_target_value(&ev)) />
            <button type="submit" class="button button-secondary" data-action="reveal">{move || i18n.t(RecordsText::Reveal)}</button>
        </form>
        {move || reveal.value().get().map(|r| match r {
            Ok(id) => view! { <p class="code" data-revealed="true">{id.unwrap_or_else(|| "—".into())}</p> }.into_any(),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })}
    }
    .into_any()
}

#[component]
fn LifeEventForm(
    school_id: i64,
    student_id: i64,
    archived: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let classes = Resource::new(move || school_id, load_school_classes);
    let target = RwSignal::new(None::<i64>);
    let event = Action::new(move |kind: &&'static str| {
        student_life_event(
            school_id,
            student_id,
            kind.to_string(),
            target.get_untracked(),
            String::new(),
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = event.value().get() {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="card" data-section="life-events">
            <h2>{move || i18n.t(RecordsText::LifeEvents)}</h2>
            {if archived {
                view! {
                    <button type="button" class="button button-secondary" on:click=move |_| { event.dispatch("restore"); }>{move || i18n.t(RecordsText::Restore)}</button>
                }.into_any()
            } else {
                view! {
                    <div class="inline-form">
                        <label class="visually-hidden" for="move-to">{move || i18n.t(RecordsText::MoveTo)}</label>
                        <select id="move-to" class="input" on:change=move |ev| target.set(event_target_value(&ev).parse().ok())>
                            <option value="">{move || i18n.t(RecordsText::MoveTo)}</option>
                            <Suspense fallback=|| ()>
                                {move || classes.get().and_then(Result::ok).map(|c| c.classes.into_iter().map(|c| view! {
                                    <option value=c.id>{c.name}</option>
                                }.into_any()).collect_view())}
                            </Suspense>
                        </select>
                        <button type="button" class="button" on:click=move |_| { event.dispatch("move_class"); }>{move || i18n.t(RecordsText::Move)}</button>
                    </div>
                    <div class="button-row">
                        <button type="button" class="button button-danger" data-action="left" on:click=move |_| { event.dispatch("left"); }>{move || i18n.t(RecordsText::Left)}</button>
                        <button type="button" class="button button-secondary" on:click=move |_| { event.dispatch("transferred_out"); }>{move || i18n.t(RecordsText::TransferredOut)}</button>
                        <button type="button" class="button button-secondary" on:click=move |_| { event.dispatch("graduated"); }>{move || i18n.t(RecordsText::Graduated)}</button>
                    </div>
                }.into_any()
            }}
            {move || event.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> }.into_any())}
        </section>
    }
    .into_any()
}

/// The import: choose a file, see what it would add, change and leave alone and every bad row,
/// then apply it (all or nothing). The upload shows its progress.
#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let school = use_school();
    let kind = RwSignal::new("students".to_string());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let progress = RwSignal::new(None::<f64>);
    let report = RwSignal::new(None::<Result<ImportReport, AppError>>);
    // True once the page runs in the browser (hydrated): clicks before that would do nothing.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    let send = move |school_id: i64, apply: bool| {
        report.set(None);
        let url = format!(
            "/records/import/{}?school_id={school_id}&apply={apply}",
            kind.get_untracked()
        );
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = file_input
                .get()
                .and_then(|input| browser::chosen_file(&input))
            else {
                report.set(Some(Err(AppError::new(ErrorCode::RecordsFileUnreadable))));
                return;
            };
            progress.set(Some(0.0));
            let started = browser::upload(
                &url,
                &file,
                move |p| progress.set(Some(p)),
                move |status, body| {
                    progress.set(None);
                    report.set(Some(if status == 200 {
                        serde_json::from_str(&body).map_err(|_| AppError::new(ErrorCode::Internal))
                    } else {
                        Err(serde_json::from_str(&body)
                            .unwrap_or_else(|_| AppError::new(ErrorCode::Network)))
                    }));
                },
            );
            if let Err(error) = started {
                progress.set(None);
                report.set(Some(Err(error)));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (url, file_input);
    };
    view! {
        <Suspense fallback=|| ()>
            {move || school.get().map(|result| match result {
                Ok((school_id, name)) => view! {
                    <section class="card" data-page="import" data-interactive=move || interactive.get().to_string()>
                        <h1>{move || i18n.t(RecordsText::Import)}</h1>
                        <p class="secondary">{name.clone()}</p>
                        <form class="stack" on:submit=move |ev| { ev.prevent_default(); send(school_id, false); }>
                            <label>{move || i18n.t(RecordsText::FileKind)}
                                <select class="input" name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                                    <option value="students">{move || i18n.t(RecordsText::Students)}</option>
                                    <option value="staff">{move || i18n.t(RecordsText::Staff)}</option>
                                </select>
                            </label>
                            <label>{move || i18n.t(RecordsText::ChooseFile)}
                                <input class="input" type="file" name="file" data-input="file" node_ref=file_input
                                    accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                    on:change=move |_| report.set(None) />
                            </label>
                            <button type="submit" class="button" data-action="preview">{move || i18n.t(RecordsText::Preview)}</button>
                        </form>
                        {move || progress.get().map(|p| view! {
                            <label class="stack">{move || i18n.t(RecordsText::Uploading)}
                                <progress max="100" value=p data-progress="upload">{format!("{p:.0}%")}</progress>
                            </label>
                        }.into_any())}
                    </section>
                    {move || report.get().map(|r| match r {
                        Ok(report) => view! { <ImportResult report on_apply=Callback::new(move |_| send(school_id, true)) /> }.into_any(),
                        Err(error) => {
                            let code = error.code.as_str();
                            view! { <section class="card" data-import-error=code><ErrorNotice error /></section> }.into_any()
                        }
                    })}
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn RowErrors(errors: Vec<RowError>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-scroll">
            <table class="table" data-section="row-errors">
                <thead><tr>
                    <th>{move || i18n.t(RecordsText::Row)}</th>
                    <th>{move || i18n.t(RecordsText::Column)}</th>
                    <th>"Lý do / Reason"</th>
                </tr></thead>
                <tbody>
                    {errors.into_iter().map(|e| view! {
                        <tr data-error-row=e.row>
                            <td>{e.row}</td>
                            <td>{e.column.clone()}</td>
                            <td><span lang="vi">{e.reason_vi.clone()}</span><br /><span lang="en" class="secondary">{e.reason_en.clone()}</span></td>
                        </tr>
                    }.into_any()).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ImportResult(report: ImportReport, on_apply: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let has_errors = !report.errors.is_empty();
    let applied = report.applied;
    let nothing_to_do = report.added == 0 && report.changed == 0;
    view! {
        <section class="card" data-section="import-result" data-applied=applied.to_string() data-errors=report.errors.len()>
            <dl class="facts">
                <dt>{move || i18n.t(RecordsText::Rows)}</dt><dd>{report.rows}</dd>
                <dt>{move || i18n.t(RecordsText::Added)}</dt><dd data-count="added">{report.added}</dd>
                <dt>{move || i18n.t(RecordsText::Changed)}</dt><dd data-count="changed">{report.changed}</dd>
                <dt>{move || i18n.t(RecordsText::Unchanged)}</dt><dd data-count="unchanged">{report.unchanged}</dd>
            </dl>
            {applied.then(|| view! { <p class="notice notice-ok" data-import-applied="true">{move || i18n.t(RecordsText::Applied)}</p> })}
            {has_errors.then(|| view! {
                <h2>{move || i18n.t(RecordsText::BadRows)}</h2>
                <p class="secondary">{move || i18n.t(RecordsText::FixAndRetry)}</p>
                <RowErrors errors=report.errors.clone() />
            })}
            {(!has_errors && !applied && !nothing_to_do).then(|| view! {
                <button type="button" class="button button-wide" data-action="apply" on:click=move |_| on_apply.run(())>
                    {move || i18n.t(RecordsText::Apply)}
                </button>
            })}
            {(!applied).then(|| view! {
                <ul class="list">
                    {report.additions.iter().take(100).map(|a| view! {
                        <li class="list-item"><span class="badge">"+"</span> " " {a.row} ". " {a.name.clone()}</li>
                    }.into_any()).collect_view()}
                    {report.changes.iter().take(100).map(|c| view! {
                        <li class="list-item"><span class="badge">"~"</span> " " {c.row} ". " {c.name.clone()}
                            <span class="list-meta">{c.changes.iter().map(change_label).collect::<Vec<_>>().join(", ")}</span>
                        </li>
                    }.into_any()).collect_view()}
                </ul>
            })}
        </section>
    }
    .into_any()
}

#[component]
pub fn PolicePage() -> impl IntoView {
    let i18n = use_i18n();
    let school = use_school();
    let reason = RwSignal::new(String::new());
    let downloaded = RwSignal::new(None::<Result<(), AppError>>);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let progress = RwSignal::new(None::<f64>);
    let report = RwSignal::new(None::<Result<PoliceReport, AppError>>);
    let version = RwSignal::new(0u32);
    let upload = move |school_id: i64| {
        report.set(None);
        let url = format!("/records/police/import?school_id={school_id}");
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = file_input
                .get()
                .and_then(|input| browser::chosen_file(&input))
            else {
                report.set(Some(Err(AppError::new(ErrorCode::RecordsFileUnreadable))));
                return;
            };
            progress.set(Some(0.0));
            let started = browser::upload(
                &url,
                &file,
                move |p| progress.set(Some(p)),
                move |status, body| {
                    progress.set(None);
                    version.update(|v| *v += 1);
                    report.set(Some(if status == 200 {
                        serde_json::from_str(&body).map_err(|_| AppError::new(ErrorCode::Internal))
                    } else {
                        Err(serde_json::from_str(&body)
                            .unwrap_or_else(|_| AppError::new(ErrorCode::Network)))
                    }));
                },
            );
            if let Err(error) = started {
                report.set(Some(Err(error)));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (url, file_input);
    };
    view! {
        <Suspense fallback=|| ()>
            {move || school.get().map(|result| match result {
                Ok((school_id, _)) => view! {
                    <section class="card" data-page="police">
                        <h1>{move || i18n.t(RecordsText::Police)}</h1>
                        <label class="stack">{move || i18n.t(RecordsText::Reason)}
                            <input class="input" name="reason" on:input=move |ev| reason.set(event_target_value(&ev)) />
                        </label>
                        <button type="button" class="button" data-action="police-export" on:click=move |_| start_download(
                            format!("/records/police/export?school_id={school_id}"), reason.get_untracked(), "xac-thuc-cong-an.xlsx".into(), downloaded)>
                            {move || i18n.t(RecordsText::PoliceExport)}
                        </button>
                        {move || downloaded.get().map(|r| match r {
                            Ok(()) => view! { <p class="notice notice-ok">{move || i18n.t(RecordsText::Downloaded)}</p> }.into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        })}
                    </section>
                    <section class="card">
                        <h2>{move || i18n.t(RecordsText::PoliceImport)}</h2>
                        <form class="stack" on:submit=move |ev| { ev.prevent_default(); upload(school_id); }>
                            <input class="input" type="file" node_ref=file_input accept=".xlsx" />
                            <button type="submit" class="button">{move || i18n.t(RecordsText::PoliceImport)}</button>
                        </form>
                        {move || progress.get().map(|p| view! { <progress max="100" value=p></progress> }.into_any())}
                        {move || report.get().map(|r| match r {
                            Ok(r) => view! {
                                <dl class="facts">
                                    <dt>{move || i18n.t(RecordsText::Confirmed)}</dt><dd>{r.confirmed}</dd>
                                    <dt>{move || i18n.t(RecordsText::Corrected)}</dt><dd>{r.corrected}</dd>
                                    <dt>{move || i18n.t(RecordsText::NotFound)}</dt><dd>{r.not_found}</dd>
                                </dl>
                                {(!r.errors.is_empty()).then(|| view! { <RowErrors errors=r.errors.clone() /> })}
                            }.into_any(),
                            Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        })}
                    </section>
                    <PoliceQueue school_id version />
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn PoliceQueue(school_id: i64, version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let queue = Resource::new(
        move || (school_id, version.get()),
        |(school_id, _)| police_queue(school_id),
    );
    let resolve = Action::new(move |(id, apply): &(i64, bool)| {
        resolve_police_correction(school_id, *id, *apply)
    });
    Effect::new(move |_| {
        if resolve.value().get().is_some() {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="card">
            <h2>{move || i18n.t(RecordsText::Pending)}</h2>
            <Suspense fallback=|| ()>
                {move || queue.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p>{move || i18n.t(RecordsText::NoPending)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list">
                            {list.into_iter().map(|c| view! {
                                <li class="list-item">
                                    <span class="list-title">{c.current_name.clone()}</span>
                                    <span class="list-meta">
                                        {[c.full_name.clone(), c.date_of_birth.as_deref().map(iso_to_display), c.sex.clone(), c.masked_id.clone()]
                                            .into_iter().flatten().collect::<Vec<_>>().join(" · ")}
                                    </span>
                                    <div class="button-row">
                                        <button type="button" class="button" on:click=move |_| { resolve.dispatch((c.id, true)); }>{move || i18n.t(RecordsText::ApplyCorrection)}</button>
                                        <button type="button" class="button button-secondary" on:click=move |_| { resolve.dispatch((c.id, false)); }>{move || i18n.t(RecordsText::Reject)}</button>
                                    </div>
                                </li>
                            }.into_any()).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
pub fn RequestsPage() -> impl IntoView {
    let i18n = use_i18n();
    let school = use_school();
    let version = RwSignal::new(0u32);
    let list = Resource::new(
        move || (school.get(), version.get()),
        |(school, _)| async move {
            match school {
                Some(Ok((school_id, _))) => {
                    correction_requests(school_id).await.map(|l| (school_id, l))
                }
                Some(Err(error)) => Err(error),
                None => Err(AppError::new(ErrorCode::NotFound)),
            }
        },
    );
    let resolve = Action::new(move |(school_id, id, done): &(i64, i64, bool)| {
        resolve_correction_request(*school_id, *id, *done)
    });
    Effect::new(move |_| {
        if resolve.value().get().is_some() {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="card" data-page="requests">
            <h1>{move || i18n.t(RecordsText::Requests)}</h1>
            <Suspense fallback=|| ()>
                {move || list.get().map(|r| match r {
                    Ok((_, list)) if list.is_empty() => view! { <p>{move || i18n.t(RecordsText::NoRequests)}</p> }.into_any(),
                    Ok((school_id, list)) => view! {
                        <ul class="list">
                            {list.into_iter().map(|q| view! {
                                <li class="list-item" data-request=q.id>
                                    <span class="list-title">{q.guardian_name.clone()} {q.student_name.clone().map(|n| format!(" → {n}"))}</span>
                                    <span class="list-meta">{q.field.clone()} ": " {q.requested.clone()} " · " {time_text(q.created_at)}</span>
                                    <div class="button-row">
                                        <button type="button" class="button" on:click=move |_| { resolve.dispatch((school_id, q.id, true)); }>{move || i18n.t(RecordsText::Done)}</button>
                                        <button type="button" class="button button-secondary" on:click=move |_| { resolve.dispatch((school_id, q.id, false)); }>{move || i18n.t(RecordsText::Reject)}</button>
                                    </div>
                                </li>
                            }.into_any()).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
pub fn ClassesPage() -> impl IntoView {
    let i18n = use_i18n();
    let school = use_school();
    let version = RwSignal::new(0u32);
    let classes = Resource::new(
        move || (school.get(), version.get()),
        |(school, _)| async move {
            match school {
                Some(Ok((school_id, _))) => {
                    load_school_classes(school_id).await.map(|c| (school_id, c))
                }
                Some(Err(error)) => Err(error),
                None => Err(AppError::new(ErrorCode::NotFound)),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || classes.get().map(|r| match r {
                Ok((school_id, c)) => {
                    let subjects = c.subjects.clone();
                    let teachers = c.teachers.clone();
                    view! {
                        <section class="card" data-page="classes">
                            <h1>{move || i18n.t(RecordsText::Classes)}</h1>
                            <p class="secondary">{move || i18n.t(RecordsText::Year)} " " {c.year_name.clone().unwrap_or_default()}</p>
                            <ul class="list">
                                {c.classes.into_iter().map(|class| view! {
                                    <li class="list-item">
                                        <details>
                                            <summary class="list-title">{class.name.clone()} " · " {class.students} " " {move || i18n.t(RecordsText::Students)}
                                                {class.homeroom.clone().map(|h| format!(" · {h}"))}
                                            </summary>
                                            <ul class="list">
                                                {class.assignments.iter().map(|a| view! {
                                                    <li class="list-meta">
                                                        {a.subject.clone().unwrap_or_else(|| i18n.t(RecordsText::Homeroom).to_string())} ": " {a.teacher.clone()}
                                                        {a.needs_review.then(|| view! { " " <span class="badge">{move || i18n.t(RecordsText::NeedsReview)}</span> })}
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                            <AssignForm school_id class_id=class.id subjects=subjects.clone() teachers=teachers.clone() version />
                                        </details>
                                    </li>
                                }.into_any()).collect_view()}
                            </ul>
                        </section>
                        <AddClassForm school_id version />
                        <RolloverForm school_id version />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn AssignForm(
    school_id: i64,
    class_id: i64,
    subjects: Vec<(i64, String)>,
    teachers: Vec<(i64, String)>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let subject = RwSignal::new(None::<i64>);
    let teacher = RwSignal::new(None::<i64>);
    let assign = Action::new(move |_: &()| {
        save_assignment(
            school_id,
            class_id,
            subject.get_untracked(),
            teacher.get_untracked(),
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = assign.value().get() {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); assign.dispatch(()); }>
            <select class="input" aria-label=move || i18n.t(RecordsText::Subject) on:change=move |ev| subject.set(event_target_value(&ev).parse().ok())>
                <option value="">{move || i18n.t(RecordsText::Homeroom)}</option>
                {subjects.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }.into_any()).collect_view()}
            </select>
            <select class="input" aria-label=move || i18n.t(RecordsText::Teacher) on:change=move |ev| teacher.set(event_target_value(&ev).parse().ok())>
                <option value="">"—"</option>
                {teachers.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }.into_any()).collect_view()}
            </select>
            <button type="submit" class="button button-secondary">{move || i18n.t(RecordsText::Assign)}</button>
        </form>
        {move || assign.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> }.into_any())}
    }
    .into_any()
}

#[component]
fn AddClassForm(school_id: i64, version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let grade = RwSignal::new(6i64);
    let name = RwSignal::new(String::new());
    let add = Action::new(move |_: &()| {
        save_class(school_id, None, grade.get_untracked(), name.get_untracked())
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="card">
            <h2>{move || i18n.t(RecordsText::AddClass)}</h2>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); add.dispatch(()); }>
                <select class="input" aria-label=move || i18n.t(RecordsText::Grade) on:change=move |ev| grade.set(event_target_value(&ev).parse().unwrap_or(6))>
                    {(6..=9).map(|g| view! { <option value=g>{g}</option> }.into_any()).collect_view()}
                </select>
                <input class="input" aria-label=move || i18n.t(RecordsText::Class) placeholder="6A3" on:input=move |ev| name.set(event_target_value(&ev)) />
                <button type="submit" class="button">{move || i18n.t(RecordsText::AddClass)}</button>
            </form>
            {move || add.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> }.into_any())}
        </section>
    }
    .into_any()
}

#[component]
fn RolloverForm(school_id: i64, version: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let run = Action::new(move |apply: &bool| {
        year_rollover(
            school_id,
            name.get_untracked(),
            starts.get_untracked(),
            ends.get_untracked(),
            *apply,
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(summary)) = run.value().get()
            && summary.applied
        {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="card">
            <h2>{move || i18n.t(RecordsText::Rollover)}</h2>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); run.dispatch(false); }>
                <label>{move || i18n.t(RecordsText::RolloverName)}<input class="input" placeholder="2027-2028" on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <label>{move || i18n.t(RecordsText::StartsOn)}<input class="input" on:input=move |ev| starts.set(event_target_value(&ev)) /></label>
                <label>{move || i18n.t(RecordsText::EndsOn)}<input class="input" on:input=move |ev| ends.set(event_target_value(&ev)) /></label>
                <button type="submit" class="button button-secondary">{move || i18n.t(RecordsText::Preview)}</button>
            </form>
            {move || run.value().get().map(|r| match r {
                Ok(s) => view! {
                    <p class="notice notice-ok">
                        {s.classes_created} " / " {s.students_moved_up} " / " {s.graduates_archived} " / " {s.assignments_copied} " — "
                        {move || i18n.t(RecordsText::RolloverResult)}
                    </p>
                    {(!s.applied).then(|| view! {
                        <button type="button" class="button button-wide" on:click=move |_| { run.dispatch(true); }>{move || i18n.t(RecordsText::Apply)}</button>
                    })}
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
    .into_any()
}

/// The district admin's schools: add one (pilot first, then the rest), name its admin.
#[component]
pub fn DistrictSchoolsPage() -> impl IntoView {
    let i18n = use_i18n();
    let version = RwSignal::new(0u32);
    let schools = Resource::new(move || version.get(), |_| district_schools());
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let create =
        Action::new(move |_: &()| create_school(code.get_untracked(), name.get_untracked()));
    let admin_school = RwSignal::new(None::<i64>);
    let admin = RwSignal::new(StaffForm::default());
    let create_admin = Action::new(move |_: &()| async move {
        match admin_school.get_untracked() {
            Some(school) => create_school_admin(school, admin.get_untracked()).await,
            None => Err(AppError::for_field(ErrorCode::InvalidInput, "school_id")),
        }
    });
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_)))
            || matches!(create_admin.value().get(), Some(Ok(_)))
        {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="card" data-page="district-schools">
            <h1>{move || i18n.t(RecordsText::Schools)}</h1>
            <Suspense fallback=|| ()>
                {move || schools.get().map(|r| match r {
                    Ok(list) => view! {
                        <ul class="list">
                            {list.iter().map(|s| view! {
                                <li class="list-item" data-school=s.moet_code.clone()>
                                    <span class="list-title">{s.name.clone()}</span>
                                    <span class="list-meta">{s.moet_code.clone()} " · " {s.admins} " " {move || i18n.t(RecordsText::Admins)}</span>
                                </li>
                            }.into_any()).collect_view()}
                        </ul>
                        <h2>{move || i18n.t(RecordsText::CreateAdmin)}</h2>
                        <form class="stack" on:submit=move |ev| { ev.prevent_default(); create_admin.dispatch(()); }>
                            <select class="input" aria-label=move || i18n.t(RecordsText::Schools) on:change=move |ev| admin_school.set(event_target_value(&ev).parse().ok())>
                                <option value="">"—"</option>
                                {list.into_iter().map(|s| view! { <option value=s.id>{s.name}</option> }.into_any()).collect_view()}
                            </select>
                            <label>{move || i18n.t(RecordsText::FullName)}<input class="input" on:input=move |ev| admin.update(|a| a.full_name = event_target_value(&ev)) /></label>
                            <label>{move || i18n.t(RecordsText::PersonalId)}<input class="input" inputmode="numeric" on:input=move |ev| admin.update(|a| a.personal_id = event_target_value(&ev)) /></label>
                            <label>{move || i18n.t(RecordsText::DateOfBirth)}<input class="input" on:input=move |ev| admin.update(|a| a.date_of_birth = event_target_value(&ev)) /></label>
                            <button type="submit" class="button">{move || i18n.t(RecordsText::Save)}</button>
                        </form>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
            {move || create_admin.value().get().map(|r| match r {
                Ok(_) => view! { <p class="notice notice-ok">{move || i18n.t(RecordsText::Saved)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
        <section class="card">
            <h2>{move || i18n.t(RecordsText::CreateSchool)}</h2>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); create.dispatch(()); }>
                <label>{move || i18n.t(RecordsText::SchoolCode)}<input class="input" on:input=move |ev| code.set(event_target_value(&ev)) /></label>
                <label>{move || i18n.t(RecordsText::SchoolName)}<input class="input" on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <button type="submit" class="button">{move || i18n.t(RecordsText::CreateSchool)}</button>
            </form>
            {move || create.value().get().map(|r| match r {
                Ok(_) => view! { <p class="notice notice-ok">{move || i18n.t(RecordsText::Saved)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
    .into_any()
}

fn purpose_title(code: &str) -> &'static str {
    match Purpose::from_code(code) {
        Some(Purpose::SchoolPhotos) => "Ảnh của con / Photos",
        Some(Purpose::ClassContacts) => "Danh bạ lớp / Class contacts",
        Some(Purpose::HealthRecords) => "Y tế trường / School health",
        None => "",
    }
}

/// A family's own data: a readable page, a JSON download, consents and correction requests.
#[component]
pub fn FamilyDataPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| load_family_data());
    let consent = Action::new(move |(student, purpose, give): &(i64, String, bool)| {
        set_consent(*student, purpose.clone(), *give)
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = consent.value().get() {
            version.update(|v| *v += 1);
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Ok(data) => view! { <FamilyDataView data consent /> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
        {move || consent.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> }.into_any())}
    }
    .into_any()
}

#[component]
fn FamilyDataView(
    data: FamilyData,
    consent: Action<(i64, String, bool), Result<(), AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let json = serde_json::to_string_pretty(&data).unwrap_or_default();
    // True once the page runs in the browser (hydrated): clicks before that would do nothing.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    let downloaded = RwSignal::new(false);
    let download = move |_| {
        #[cfg(feature = "hydrate")]
        browser::save_text(
            &json,
            "du-lieu-gia-dinh.json",
            "application/json",
            "family-json",
        );
        #[cfg(not(feature = "hydrate"))]
        let _ = &json;
        downloaded.set(true);
    };
    let children: Vec<(i64, String)> = data
        .children
        .iter()
        .filter_map(|c| c.student_id.map(|id| (id, c.name.clone())))
        .collect();
    let g = data.guardian.clone();
    view! {
        <section class="card" data-page="family-data" data-interactive=move || interactive.get().to_string()>
            <h1>{move || i18n.t(RecordsText::MyData)}</h1>
            <p class="secondary">{move || i18n.t(RecordsText::MyDataIntro)}</p>
            <p class="secondary">{data.school_name.clone()} " · " {time_text(data.generated_at)}</p>
            <div class="button-row">
                <button type="button" class="button" data-action="download-json" on:click=download>{move || i18n.t(RecordsText::DownloadJson)}</button>
                <button type="button" class="button button-secondary" on:click=move |_| {
                    #[cfg(feature = "hydrate")]
                    browser::print();
                }>{move || i18n.t(RecordsText::Print)}</button>
            </div>
            {move || downloaded.get().then(|| view! { <p class="notice notice-ok" data-downloaded="true">{move || i18n.t(RecordsText::Downloaded)}</p> })}
        </section>
        <section class="card">
            <h2>{move || i18n.t(RecordsText::You)}</h2>
            <dl class="facts">
                <dt>{move || i18n.t(RecordsText::FullName)}</dt><dd>{g.name.clone()}</dd>
                <dt>{move || i18n.t(RecordsText::MaskedId)}</dt><dd>{g.masked_id.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{move || i18n.t(RecordsText::Born)}</dt><dd>{g.date_of_birth.as_deref().map(iso_to_display).unwrap_or_else(|| "—".into())}</dd>
                <dt>{move || i18n.t(RecordsText::Phone)}</dt><dd>{g.phone.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>{move || i18n.t(RecordsText::Occupation)}</dt><dd>{g.occupation.clone().unwrap_or_else(|| "—".into())}</dd>
            </dl>
        </section>
        <section class="card">
            <h2>{move || i18n.t(RecordsText::Children)}</h2>
            {data.children.iter().map(|c| view! {
                <dl class="facts" data-family-child=c.name.clone()>
                    <dt>{move || i18n.t(RecordsText::FullName)}</dt><dd>{c.name.clone()}</dd>
                    <dt>{move || i18n.t(RecordsText::Class)}</dt><dd>{c.class_name.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>{move || i18n.t(RecordsText::Born)}</dt><dd>{c.date_of_birth.as_deref().map(iso_to_display).unwrap_or_default()}</dd>
                    <dt>{move || i18n.t(RecordsText::MoetCode)}</dt><dd>{c.moet_code.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>{move || i18n.t(RecordsText::MaskedId)}</dt><dd>{c.masked_id.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>{move || i18n.t(RecordsText::Status)}</dt><dd>{c.status.clone().unwrap_or_default()}</dd>
                </dl>
            }.into_any()).collect_view()}
        </section>
        <section class="card" data-section="consents">
            <h2>{move || i18n.t(RecordsText::Consents)}</h2>
            <ul class="list">
                {data.consents.iter().map(|c| {
                    let child = children.iter().find(|(id, _)| *id == c.student_id).map(|(_, n)| n.clone()).unwrap_or_default();
                    let (student, purpose, given) = (c.student_id, c.purpose.clone(), c.given);
                    let text = match i18n.lang() { Lang::Vi => c.text_vi.clone(), Lang::En => c.text_en.clone() };
                    view! {
                        <li class="list-item" data-consent=format!("{}-{}", c.student_id, c.purpose) data-given=c.given.to_string()>
                            <span class="list-title">{purpose_title(&c.purpose)} " — " {child}</span>
                            <span class="list-meta">{text}</span>
                            <span class="list-meta">
                                {if c.given { i18n.t(RecordsText::Given).to_string() } else { i18n.t(RecordsText::NotGiven).to_string() }}
                                {c.given_at.filter(|_| c.given).map(|t| format!(" · {}", time_text(t)))}
                                {c.withdrawn_at.map(|t| format!(" · {} {}", i18n.t(RecordsText::WithdrawnOn), time_text(t)))}
                            </span>
                            <button type="button" class=if given { "button button-secondary" } else { "button" }
                                data-action=if given { "withdraw" } else { "give" }
                                on:click=move |_| { consent.dispatch((student, purpose.clone(), !given)); }>
                                {move || i18n.t(if given { RecordsText::Withdraw } else { RecordsText::Give })}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <CorrectionForm children=children.clone() requests=data.requests.clone() />
        <section class="card" data-section="access">
            <h2>{move || i18n.t(RecordsText::WhoRead)}</h2>
            <div class="table-scroll">
                <table class="table">
                    <tbody>
                        {data.access.iter().map(|a| view! {
                            <tr><td>{time_text(a.at)}</td><td>{a.who.clone()}</td><td>{a.action.clone()} " " {a.what.clone()}</td></tr>
                        }.into_any()).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn CorrectionForm(
    children: Vec<(i64, String)>,
    requests: Vec<super::CorrectionRequestView>,
) -> impl IntoView {
    let i18n = use_i18n();
    let student = RwSignal::new(children.first().map(|c| c.0));
    let field = RwSignal::new("full_name".to_string());
    let requested = RwSignal::new(String::new());
    let send = Action::new(move |_: &()| {
        request_correction(
            student.get_untracked(),
            field.get_untracked(),
            requested.get_untracked(),
        )
    });
    view! {
        <section class="card" data-section="correction">
            <h2>{move || i18n.t(RecordsText::AskCorrection)}</h2>
            <ul class="list">
                {requests.into_iter().map(|r| view! {
                    <li class="list-item list-meta">{time_text(r.created_at)} " · " {r.field} ": " {r.requested} " · " {r.status}</li>
                }.into_any()).collect_view()}
            </ul>
            <form class="stack" on:submit=move |ev| { ev.prevent_default(); send.dispatch(()); }>
                <select class="input" aria-label=move || i18n.t(RecordsText::Children) on:change=move |ev| student.set(event_target_value(&ev).parse().ok())>
                    {children.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }.into_any()).collect_view()}
                    <option value="">{move || i18n.t(RecordsText::You)}</option>
                </select>
                <label>{move || i18n.t(RecordsText::Field)}
                    <select class="input" on:change=move |ev| field.set(event_target_value(&ev))>
                        <option value="full_name">{move || i18n.t(RecordsText::FullName)}</option>
                        <option value="date_of_birth">{move || i18n.t(RecordsText::Born)}</option>
                        <option value="sex">{move || i18n.t(RecordsText::Sex)}</option>
                        <option value="personal_id">{move || i18n.t(RecordsText::MaskedId)}</option>
                        <option value="phone">{move || i18n.t(RecordsText::Phone)}</option>
                        <option value="other">{move || i18n.t(RecordsText::Other)}</option>
                    </select>
                </label>
                <label>{move || i18n.t(RecordsText::Requested)}
                    <input class="input" name="requested" maxlength="500" required on:input=move |ev| requested.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="button">{move || i18n.t(RecordsText::Send)}</button>
            </form>
            {move || send.value().get().map(|r| match r {
                Ok(_) => view! { <p class="notice notice-ok" data-correction-sent="true">{move || i18n.t(RecordsText::Sent)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
    .into_any()
}
