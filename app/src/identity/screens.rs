//! Screens of identity: logging in, the friendly page for an unknown ID, picking a persona,
//! one's account (sessions), and the user menu in the top bar.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::api::{
    choose_persona, current_user, login_options, logout, my_sessions, sign_out_elsewhere,
};
use super::{Me, PersonaChoice, PersonaKind};
use crate::i18n::use_i18n;
use crate::people::StaffRole;
use crate::platform::error::{AppError, ErrorCode};
use crate::texts;
use crate::ui::{ErrorNotice, go_to};

texts! {
    pub enum IdentityText {
        LoginTitle => ("Đăng nhập", "Log in"),
        LoginIntro => (
            "Phụ huynh và giáo viên đăng nhập bằng tài khoản định danh điện tử VNeID.",
            "Parents and teachers log in with their VNeID electronic identity."
        ),
        LoginWith => ("Đăng nhập bằng", "Log in with"),
        DemoNote => (
            "Bản DEMO: bấm nút trên rồi chọn một người dùng thử (phụ huynh, giáo viên, văn thư, hiệu trưởng, Phòng GD).",
            "DEMO: press the button above, then pick a demo user (parent, teacher, clerk, principal, district)."
        ),
        NoProvider => ("Đăng nhập VNeID chưa được cấu hình.", "VNeID login is not configured."),
        UnknownTitle => ("Chưa tìm thấy bạn trong hồ sơ nhà trường", "You are not in the school's records yet"),
        UnknownBody => (
            "Bạn đã đăng nhập VNeID thành công, nhưng số định danh của bạn chưa có trong hồ sơ học sinh, phụ huynh hay cán bộ của trường nào trong huyện. Vui lòng liên hệ văn phòng nhà trường (mang theo thẻ căn cước) để được cập nhật. Không có tài khoản nào được tạo.",
            "Your VNeID login worked, but your ID number is not in the records of any school of the district as a student, parent or staff member. Please contact the school office (bring your ID card) to be added. No account was created."
        ),
        ChooseRoleTitle => ("Bạn muốn vào với vai trò nào?", "Which role do you want to use?"),
        RoleDistrictAdmin => ("Quản trị Phòng Giáo dục", "District administrator"),
        RoleStaff => ("Cán bộ, giáo viên", "Staff"),
        RoleGuardian => ("Phụ huynh", "Parent or guardian"),
        RoleStudent => ("Học sinh", "Student"),
        RoleSchoolAdmin => ("quản trị trường", "school admin"),
        RoleClerk => ("văn thư", "clerk"),
        RoleTeacher => ("giáo viên", "teacher"),
        RoleTimetabler => ("xếp thời khoá biểu", "timetabler"),
        SwitchRole => ("Đổi vai trò", "Switch role"),
        Account => ("Tài khoản", "Account"),
        Logout => ("Đăng xuất", "Log out"),
        SessionsTitle => ("Các thiết bị đang đăng nhập", "Where you are logged in"),
        ThisDevice => ("thiết bị này", "this device"),
        SignOutElsewhere => ("Đăng xuất trên các thiết bị khác", "Log out on other devices"),
        SignedOutElsewhere => ("Đã đăng xuất trên các thiết bị khác.", "Logged out on the other devices."),
        LastSeen => ("Lần cuối", "Last used"),
        NotLoggedIn => ("Bạn chưa đăng nhập.", "You are not logged in."),
    }
}

fn persona_label(kind: PersonaKind) -> IdentityText {
    match kind {
        PersonaKind::DistrictAdmin => IdentityText::RoleDistrictAdmin,
        PersonaKind::Staff => IdentityText::RoleStaff,
        PersonaKind::Guardian => IdentityText::RoleGuardian,
        PersonaKind::Student => IdentityText::RoleStudent,
    }
}

pub fn role_label(role: StaffRole) -> IdentityText {
    match role {
        StaffRole::SchoolAdmin => IdentityText::RoleSchoolAdmin,
        StaffRole::Clerk => IdentityText::RoleClerk,
        StaffRole::Teacher => IdentityText::RoleTeacher,
        StaffRole::Timetabler => IdentityText::RoleTimetabler,
    }
}

/// The logged-in person, shared by the top bar and the pages (one request per page load).
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<Me>, AppError>>);

pub fn provide_current_user() -> CurrentUser {
    let user = CurrentUser(Resource::new(|| (), |_| current_user()));
    provide_context(user);
    user
}

pub fn use_current_user() -> CurrentUser {
    use_context::<CurrentUser>().unwrap_or_else(provide_current_user)
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let error = move || {
        query
            .read()
            .get("error")
            .and_then(|c| ErrorCode::from_code(&c))
            .map(AppError::new)
    };
    let return_to = move || query.read().get("return_to").unwrap_or_else(|| "/".into());
    let options = Resource::new(|| (), |_| login_options());
    view! {
        <section class="card">
            <h1>{move || i18n.t(IdentityText::LoginTitle)}</h1>
            {move || error().map(|error| view! { <ErrorNotice error /> })}
            <p>{move || i18n.t(IdentityText::LoginIntro)}</p>
            <Suspense fallback=|| ()>
                {move || options.get().map(|result| match result {
                    Ok(options) => view! {
                        {match options.provider_name {
                            Some(name) => view! {
                                <a class="button button-wide" rel="external" data-login="vneid"
                                    href=move || format!("/auth/vneid/start?return_to={}", return_to())>
                                    {move || i18n.t(IdentityText::LoginWith)} " " {name.clone()}
                                </a>
                            }.into_any(),
                            None => view! { <p>{move || i18n.t(IdentityText::NoProvider)}</p> }.into_any(),
                        }}
                        {options.demo.then(|| view! { <p class="notice notice-demo">{move || i18n.t(IdentityText::DemoNote)}</p> })}
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn UnknownPersonPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-page="unknown-person">
            <h1>{move || i18n.t(IdentityText::UnknownTitle)}</h1>
            <p>{move || i18n.t(IdentityText::UnknownBody)}</p>
        </section>
    }
}

#[component]
fn PersonaButton(choice: PersonaChoice) -> impl IntoView {
    let i18n = use_i18n();
    let persona = choice.persona.clone();
    let choose = Action::new(move |_: &()| choose_persona(persona.clone()));
    Effect::new(move |_| {
        if let Some(Ok(path)) = choose.value().get() {
            go_to(&path);
        }
    });
    let roles = choice.roles.clone();
    let kind = choice.persona.kind;
    view! {
        <li class="list-item">
            <button type="button" class="button button-wide" data-persona=kind.code()
                on:click=move |_| { choose.dispatch(()); }>
                {move || i18n.t(persona_label(kind))} " · " {choice.place.clone()}
            </button>
            {(!roles.is_empty()).then(|| view! {
                <span class="list-meta">
                    {move || roles.iter().map(|r| i18n.t(role_label(*r))).collect::<Vec<_>>().join(", ")}
                </span>
            })}
            {move || choose.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
        </li>
    }
}

#[component]
pub fn ChooseRolePage() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_current_user();
    view! {
        <section class="card">
            <h1>{move || i18n.t(IdentityText::ChooseRoleTitle)}</h1>
            <Suspense fallback=|| ()>
                {move || user.0.get().map(|me| match me {
                    Ok(Some(me)) => view! {
                        <ul class="list">
                            {me.personas.into_iter().map(|choice| view! { <PersonaButton choice /> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Ok(None) => view! { <NotLoggedIn /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn NotLoggedIn() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p>{move || i18n.t(IdentityText::NotLoggedIn)}</p>
        <a class="button" href="/login">{move || i18n.t(IdentityText::LoginTitle)}</a>
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let sessions = Resource::new(|| (), |_| my_sessions());
    let elsewhere = Action::new(|_: &()| sign_out_elsewhere());
    Effect::new(move |_| {
        if elsewhere.value().get().is_some_and(|r| r.is_ok()) {
            sessions.refetch();
        }
    });
    view! {
        <section class="card">
            <h1>{move || i18n.t(IdentityText::SessionsTitle)}</h1>
            <Suspense fallback=|| ()>
                {move || sessions.get().map(|result| match result {
                    Ok(list) => {
                        let count = list.len();
                        view! {
                        <ul class="list" data-sessions=count>
                            {list.into_iter().map(|s| view! {
                                <li class="list-item">
                                    <span class="list-title">
                                        {s.device_label.clone()}
                                        {s.current.then(|| view! { " (" {move || i18n.t(IdentityText::ThisDevice)} ")" })}
                                    </span>
                                    <span class="list-meta">{s.auth_method.clone()}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
            <button type="button" class="button" data-action="sign-out-elsewhere" on:click=move |_| { elsewhere.dispatch(()); }>
                {move || i18n.t(IdentityText::SignOutElsewhere)}
            </button>
            {move || elsewhere.value().get().map(|r| match r {
                Ok(_) => view! { <p class="notice notice-ok">{i18n.t(IdentityText::SignedOutElsewhere)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
}

/// The right side of the top bar: who is logged in and what they can do, or a login link.
#[component]
pub fn UserMenu() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_current_user();
    let leave = Action::new(|_: &()| logout());
    Effect::new(move |_| {
        if let Some(result) = leave.value().get() {
            go_to(&result.unwrap_or_else(|_| "/".into()));
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || user.0.get().map(|me| match me {
                Ok(Some(me)) => {
                    let several = me.personas.len() > 1;
                    let home = me.persona.as_ref().map(|p| p.persona.kind.home_path()).unwrap_or("/choose-role");
                    view! {
                        <nav class="user-menu" aria-label=move || i18n.t(IdentityText::Account)>
                            <a class="user-name" href=home data-user=me.display_name.clone()>{me.display_name.clone()}</a>
                            {several.then(|| view! { <a class="link-button" href="/choose-role">{move || i18n.t(IdentityText::SwitchRole)}</a> })}
                            <a class="link-button" href="/account">{move || i18n.t(IdentityText::Account)}</a>
                            <button type="button" class="link-button" data-action="logout" on:click=move |_| { leave.dispatch(()); }>
                                {move || i18n.t(IdentityText::Logout)}
                            </button>
                        </nav>
                    }.into_any()
                }
                _ => view! {
                    <a class="link-button" href="/login" data-action="login">{move || i18n.t(IdentityText::LoginTitle)}</a>
                }.into_any(),
            })}
        </Transition>
    }
}
