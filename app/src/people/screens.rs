//! Start screens of each persona and the class list.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::api::{class_list, my_children, staff_home};
use crate::i18n::use_i18n;
use crate::identity::screens::role_label;
use crate::platform::format::{format_date, parse_iso_date};
use crate::texts;
use crate::ui::ErrorNotice;

texts! {
    pub enum PeopleText {
        MyClasses => ("Lớp của tôi", "My classes"),
        SchoolClasses => ("Các lớp của trường", "The school's classes"),
        Homeroom => ("Chủ nhiệm", "Homeroom"),
        Students => ("học sinh", "students"),
        ClassList => ("Danh sách lớp", "Class list"),
        Born => ("Ngày sinh", "Born"),
        MyChildren => ("Con của tôi", "My children"),
        Grade => ("Khối", "Grade"),
        Class => ("Lớp", "Class"),
        PendingVerification => (
            "Liên kết với con chưa được xác minh. Hãy mang thẻ căn cước đến văn phòng trường để xác minh.",
            "Your link to this child is not verified yet. Bring your ID card to the school office to verify it."
        ),
        Father => ("Cha", "Father"),
        Mother => ("Mẹ", "Mother"),
        Guardian => ("Người giám hộ", "Guardian"),
        NoChildren => ("Chưa có học sinh nào gắn với bạn.", "No students are linked to you yet."),
        StudentWelcome => ("Xin chào! Điểm số và thời khoá biểu của em sẽ hiện ở đây.", "Hello! Your scores and timetable will appear here."),
        DistrictWelcome => ("Các trường trong huyện", "Schools of the district"),
        MismatchesTitle => ("Thông tin khác với VNeID — cần kiểm tra", "Differs from VNeID — to check"),
        NoMismatches => ("Không có sai khác nào cần kiểm tra.", "Nothing to check."),
        FieldName => ("Họ tên", "Name"),
        FieldBirth => ("Ngày sinh", "Date of birth"),
        SchoolRecord => ("Hồ sơ trường", "School record"),
        IssueLogin => ("Cấp tài khoản", "Issue login"),
        RollCall => ("Điểm danh", "Roll call"),
        LoginCard => ("Tài khoản học sinh (in và đưa cho em)", "Student login (print and hand over)"),
        ValidUntil => ("Hạn kích hoạt", "Activate before"),
    }
}

#[component]
pub fn StaffHomePage() -> impl IntoView {
    let i18n = use_i18n();
    let home = Resource::new(|| (), |_| staff_home());
    view! {
        <Suspense fallback=|| ()>
            {move || home.get().map(|result| match result {
                Ok(home) => {
                    let roles = home.roles.clone();
                    let roles_admin = home.roles.contains(&crate::people::StaffRole::SchoolAdmin);
                    let office = roles.iter().any(|r| matches!(r, crate::people::StaffRole::SchoolAdmin | crate::people::StaffRole::Clerk));
                    let school_id = home.school_id;
                    let whole_school = home.classes.iter().all(|c| c.subjects.is_empty() && !c.homeroom) && !home.classes.is_empty();
                    view! {
                        <section class="card" data-page="staff-home">
                            <h1>{home.school_name.clone()}</h1>
                            <p class="secondary">{move || roles.iter().map(|r| i18n.t(role_label(*r))).collect::<Vec<_>>().join(", ")}</p>
                            <a class="button" href="/staff/grades" data-link="grades">{move || i18n.t(crate::grades::screens::GradesText::Title)}</a>
                            {office.then(|| view! { <a class="button" href="/records" data-link="records">{move || i18n.t(crate::records::screens::RecordsText::Records)}</a> })}
                        </section>
                        {roles_admin.then(|| view! { <Mismatches school_id=home.school_id /> })}
                        <crate::timetable::screens::TimetableCard />
                        <crate::verification::screens::OfficeLinks roles=home.roles.clone() />
                        {office.then(|| view! { <crate::fees::screens::OfficeLink /> })}
                        <section class="card">
                            <h2>{move || i18n.t(if whole_school { PeopleText::SchoolClasses } else { PeopleText::MyClasses })}</h2>
                            <ul class="list">
                                {home.classes.into_iter().map(|c| view! {
                                    <li class="list-item">
                                        <a class="list-link" href=format!("/staff/class/{}", c.class_id) data-class=c.class_name.clone()>
                                            <span class="list-title">{move || i18n.t(PeopleText::Class)} " " {c.class_name.clone()}</span>
                                            <span class="list-meta">
                                                {c.homeroom.then(|| view! { <span class="badge">{move || i18n.t(PeopleText::Homeroom)}</span> " " })}
                                                {c.subjects.join(", ")}
                                            </span>
                                        </a>
                                        <a class="button button-secondary" href=format!("/staff/class/{}/roll-call", c.class_id) data-roll-call=c.class_name.clone()>
                                            {move || i18n.t(PeopleText::RollCall)}
                                        </a>
                                        {c.homeroom.then(|| view! {
                                            <a class="button button-secondary" href=format!("/desk/follow-up?school={school_id}&class={}", c.class_id) data-follow-up=c.class_name.clone()>
                                                {move || i18n.t(crate::verification::screens::DeskText::FollowUpLink)}
                                            </a>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn ClassListPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let class_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let list = Resource::new(class_id, class_list);
    let user = crate::identity::screens::use_current_user();
    let office = move || {
        user.0
            .get()
            .and_then(Result::ok)
            .flatten()
            .and_then(|me| me.persona)
            .is_some_and(|p| {
                p.roles.iter().any(|r| {
                    matches!(
                        r,
                        crate::people::StaffRole::SchoolAdmin | crate::people::StaffRole::Clerk
                    )
                })
            })
    };
    view! {
        <Suspense fallback=|| ()>
            {move || list.get().map(|result| match result {
                Ok((name, students)) => view! {
                    <section class="card" data-page="class-list">
                        <h1>{move || i18n.t(PeopleText::ClassList)} " " {name.clone()}</h1>
                        <p class="secondary">{students.len()} " " {move || i18n.t(PeopleText::Students)}</p>
                        <ol class="list numbered">
                            {students.into_iter().map(|s| view! {
                                <li class="list-item">
                                    <span class="list-title">{s.name.full()}</span>
                                    <span class="list-meta">
                                        {move || i18n.t(PeopleText::Born)} ": "
                                        {parse_iso_date(&s.date_of_birth).map(format_date).unwrap_or_default()}
                                    </span>
                                    {move || office().then(|| view! { <IssueLoginButton student_id=s.student_id /> })}
                                </li>
                            }).collect_view()}
                        </ol>
                    </section>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
}

fn relation_text(relation: &str) -> PeopleText {
    match relation {
        "father" => PeopleText::Father,
        "mother" => PeopleText::Mother,
        _ => PeopleText::Guardian,
    }
}

#[component]
pub fn GuardianHomePage() -> impl IntoView {
    let i18n = use_i18n();
    let children = Resource::new(|| (), |_| my_children());
    view! {
        <section class="card" data-page="guardian-home">
            <h1>{move || i18n.t(PeopleText::MyChildren)}</h1>
            <a class="button button-secondary" href="/guardian/data" data-link="family-data">{move || i18n.t(crate::records::screens::RecordsText::MyData)}</a>
            <Suspense fallback=|| ()>
                {move || children.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>{move || i18n.t(PeopleText::NoChildren)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list">
                            {list.into_iter().map(|child| {
                                let relation = relation_text(&child.relation);
                                view! {
                                    <li class="list-item" data-child-visible=child.visible.to_string()>
                                        {if child.visible {
                                            view! {
                                                <span class="list-title" data-child=child.name.full()>{child.name.full()}</span>
                                                <span class="list-meta">
                                                    {move || i18n.t(PeopleText::Class)} " " {child.class_name.clone().unwrap_or_default()}
                                                    " · " {move || i18n.t(relation)}
                                                </span>
                                                <crate::attendance::screens::ChildLeave student_id=child.student_id />
                                                <a class="button button-small" href=format!("/grades/child/{}", child.student_id) data-child-grades=child.student_id.to_string()>
                                                    {move || i18n.t(crate::grades::screens::GradesText::Scores)}
                                                </a>
                                            }.into_any()
                                        } else {
                                            view! { <span class="list-meta">{move || i18n.t(PeopleText::PendingVerification)}</span> }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
        <crate::verification::screens::LinkHistory />
        <crate::fees::screens::FeesLink />
        <crate::timetable::screens::TimetableCard />
    }
}

#[component]
pub fn StudentHomePage() -> impl IntoView {
    let i18n = use_i18n();
    let user = crate::identity::screens::use_current_user();
    view! {
        <section class="card" data-page="student-home">
            <p>{move || i18n.t(PeopleText::StudentWelcome)}</p>
            <Transition fallback=|| ()>
                {move || user.0.get().and_then(|me| me.ok().flatten()).and_then(|me| me.persona).map(|p| view! {
                    <a class="button" href=format!("/grades/child/{}", p.persona.record_id) data-link="grades">
                        {move || i18n.t(crate::grades::screens::GradesText::Scores)}
                    </a>
                })}
            </Transition>
        </section>
        <crate::timetable::screens::TimetableCard />
    }
}

#[component]
pub fn DistrictHomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-page="district-home">
            <h1>{move || i18n.t(PeopleText::DistrictWelcome)}</h1>
            <a class="button" href="/district/schools" data-link="district-schools">{move || i18n.t(crate::records::screens::RecordsText::Schools)}</a>
        </section>
        <crate::home::SchoolList />
        <crate::verification::screens::DistrictProgressLink />
    }
}

#[component]
fn Mismatches(school_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let list = Resource::new(move || school_id, crate::identity::api::identity_mismatches);
    view! {
        <section class="card" data-section="mismatches">
            <h2>{move || i18n.t(PeopleText::MismatchesTitle)}</h2>
            <Suspense fallback=|| ()>
                {move || list.get().map(|result| match result {
                    Ok(rows) if rows.is_empty() => view! { <p>{move || i18n.t(PeopleText::NoMismatches)}</p> }.into_any(),
                    Ok(rows) => view! {
                        <ul class="list">
                            {rows.into_iter().map(|m| {
                                let field = if m.field == "full_name" { PeopleText::FieldName } else { PeopleText::FieldBirth };
                                view! {
                                    <li class="list-item">
                                        <span class="list-title">{move || i18n.t(field)} ": " {m.vneid_value.clone()} " (VNeID)"</span>
                                        <span class="list-meta">{move || i18n.t(PeopleText::SchoolRecord)} ": " {m.school_value.clone()}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// For the office: make a student's printed login (username and one-time code).
#[component]
fn IssueLoginButton(student_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let issue = Action::new(move |_: &()| crate::identity::api::issue_student_login(student_id));
    view! {
        <button type="button" class="button button-secondary" data-action="issue-login" on:click=move |_| { issue.dispatch(()); }>
            {move || i18n.t(PeopleText::IssueLogin)}
        </button>
        {move || issue.value().get().map(|result| match result {
            Ok(card) => view! {
                <div class="login-card" data-login-card=card.username.clone()>
                    <p class="list-title">{move || i18n.t(PeopleText::LoginCard)}</p>
                    <p>{move || i18n.t(crate::identity::screens::IdentityText::Username)} ": " <strong>{card.username.clone()}</strong></p>
                    <p>{move || i18n.t(crate::identity::screens::IdentityText::ActivationCode)} ": " <strong class="code">{card.activation_code.clone()}</strong></p>
                    <p class="secondary">{move || i18n.t(PeopleText::ValidUntil)} ": "
                        {time::OffsetDateTime::from_unix_timestamp(card.expires_at).map(|t| format_date(t.date())).unwrap_or_default()}</p>
                </div>
            }.into_any(),
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
        })}
    }
}
