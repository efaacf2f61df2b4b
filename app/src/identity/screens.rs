//! Screens of identity: logging in, the friendly page for an unknown ID, picking a persona,
//! one's account (sessions), and the user menu in the top bar.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::api::{
    activate_student_login, choose_persona, current_user, login_options, logout, my_passkeys,
    my_sessions, passkey_login, passkey_login_options, passkey_registration_options,
    register_passkey, remove_passkey, rename_passkey, sign_out_elsewhere, student_login,
};
use super::{Me, PersonaChoice, PersonaKind};
use crate::i18n::use_i18n;
use crate::people::StaffRole;
use crate::platform::error::{AppError, ErrorCode};
use crate::texts;
use crate::ui::{ErrorNotice, go_to, run_in_browser};

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
        LoginWithPasskey => ("Đăng nhập bằng khoá truy cập (passkey)", "Log in with a passkey"),
        PasskeysTitle => ("Khoá truy cập (passkey)", "Passkeys"),
        PasskeysIntro => (
            "Đăng nhập nhanh trên điện thoại hoặc máy tính bảng của riêng bạn bằng vân tay, khuôn mặt hoặc mã mở máy.",
            "Log in quickly on your own phone or tablet with your fingerprint, face or screen lock."
        ),
        AddPasskey => ("Thêm khoá truy cập trên thiết bị này", "Add a passkey on this device"),
        PasskeyAdded => ("Đã thêm khoá truy cập.", "Passkey added."),
        NoPasskeys => ("Chưa có khoá truy cập nào.", "No passkeys yet."),
        Rename => ("Đổi tên", "Rename"),
        Remove => ("Xoá", "Remove"),
        PasskeyName => ("Tên khoá", "Passkey name"),
        DefaultPasskeyName => ("Thiết bị của tôi", "My device"),
        StudentLoginTitle => ("Học sinh đăng nhập bằng tài khoản nhà trường cấp", "Students: log in with the school's login"),
        Username => ("Tên đăng nhập", "Username"),
        Password => ("Mật khẩu", "Password"),
        LogIn => ("Đăng nhập", "Log in"),
        FirstTime => ("Lần đầu đăng nhập? Kích hoạt bằng mã nhà trường in cho em.", "First time? Activate with the code the school printed for you."),
        ActivateTitle => ("Kích hoạt tài khoản học sinh", "Activate a student login"),
        ActivationCode => ("Mã kích hoạt", "Activation code"),
        NewPassword => ("Mật khẩu mới (ít nhất 8 ký tự)", "New password (at least 8 characters)"),
        Activate => ("Kích hoạt và đăng nhập", "Activate and log in"),
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
                        <PasskeyLoginButton return_to=return_to() />
                        <StudentLoginForm />
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
        <PasskeysSection />
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
    let leave = Action::new(|_: &()| {
        // Copies of grades kept for offline use leave the device with the session.
        #[cfg(feature = "hydrate")]
        crate::grades::offline::forget_copies();
        logout()
    });
    Effect::new(move |_| {
        if let Some(result) = leave.value().get() {
            crate::pwa::forget_private_pages();
            go_to(&result.unwrap_or_else(|_| "/".into()));
        }
    });
    // Set once the menu runs in the browser (logging out needs it).
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    view! {
        <Transition fallback=|| ()>
            {move || user.0.get().map(|me| match me {
                Ok(Some(me)) => {
                    let several = me.personas.len() > 1;
                    let home = me.persona.as_ref().map(|p| p.persona.kind.home_path()).unwrap_or("/choose-role");
                    view! {
                        <nav class="user-menu" aria-label=move || i18n.t(IdentityText::Account) data-interactive=move || interactive.get().to_string()>
                            <a class="user-name" href=home data-user=me.display_name.clone()>{me.display_name.clone()}</a>
                            {several.then(|| view! { <a class="link-button" href="/choose-role">{move || i18n.t(IdentityText::SwitchRole)}</a> })}
                            {me.persona.is_some().then(|| view! {
                                <a class="link-button" href="/inbox" data-action="inbox">{move || i18n.t(crate::notifications::NotificationText::InboxTitle)}</a>
                            })}
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

/// Asks the device for a passkey and logs in with it.
async fn log_in_with_passkey(return_to: String) -> Result<String, AppError> {
    let options = passkey_login_options().await?;
    #[cfg(feature = "hydrate")]
    {
        let response = super::webauthn_browser::get(&options)
            .await
            .map_err(|_| AppError::new(ErrorCode::PasskeyCancelled))?;
        passkey_login(response, return_to).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (options, return_to, passkey_login);
        Err(AppError::new(ErrorCode::PasskeyCancelled))
    }
}

#[component]
fn PasskeyLoginButton(return_to: String) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = RwSignal::new(None::<Result<String, AppError>>);
    Effect::new(move |_| {
        if let Some(Ok(path)) = outcome.get() {
            go_to(&path);
        }
    });
    // Set once the button runs in the browser (a tap before that would do nothing).
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    view! {
        <button type="button" class="button button-wide button-secondary" data-login="passkey"
            data-interactive=move || interactive.get().to_string()
            on:click=move |_| run_in_browser(outcome, log_in_with_passkey(return_to.clone()))>
            {move || i18n.t(IdentityText::LoginWithPasskey)}
        </button>
        {move || outcome.get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
    }
}

/// Creates a passkey on this device and keeps it on the server.
async fn add_passkey(name: String) -> Result<i64, AppError> {
    let options = passkey_registration_options().await?;
    #[cfg(feature = "hydrate")]
    {
        let response = super::webauthn_browser::create(&options)
            .await
            .map_err(|_| AppError::new(ErrorCode::PasskeyCancelled))?;
        register_passkey(response, name).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (options, name, register_passkey);
        Err(AppError::new(ErrorCode::PasskeyCancelled))
    }
}

#[component]
pub fn PasskeysSection() -> impl IntoView {
    let i18n = use_i18n();
    let passkeys = Resource::new(|| (), |_| my_passkeys());
    let added = RwSignal::new(None::<Result<i64, AppError>>);
    let remove = Action::new(|id: &i64| remove_passkey(*id));
    let rename = Action::new(|(id, name): &(i64, String)| rename_passkey(*id, name.clone()));
    Effect::new(move |_| {
        let changed =
            usize::from(added.get().is_some()) + remove.version().get() + rename.version().get();
        if changed > 0 {
            passkeys.refetch();
        }
    });
    // Set once the buttons run in the browser (a tap before that would do nothing).
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));
    view! {
        <section class="card" data-section="passkeys" data-interactive=move || interactive.get().to_string()>
            <h2>{move || i18n.t(IdentityText::PasskeysTitle)}</h2>
            <p class="secondary">{move || i18n.t(IdentityText::PasskeysIntro)}</p>
            <Suspense fallback=|| ()>
                {move || passkeys.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p data-no-passkeys="">{move || i18n.t(IdentityText::NoPasskeys)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list">
                            {list.into_iter().map(|p| {
                                let name = RwSignal::new(p.name.clone());
                                view! {
                                    <li class="list-item" data-passkey=p.id>
                                        <form class="inline-form" on:submit=move |ev| {
                                            ev.prevent_default();
                                            rename.dispatch((p.id, name.get_untracked()));
                                        }>
                                            <label class="visually-hidden" for=format!("passkey-{}", p.id)>{move || i18n.t(IdentityText::PasskeyName)}</label>
                                            <input id=format!("passkey-{}", p.id) class="input" name="name" maxlength="60"
                                                prop:value=move || name.get()
                                                on:input=move |ev| name.set(event_target_value(&ev)) />
                                            <button type="submit" class="button button-secondary" data-action="rename">{move || i18n.t(IdentityText::Rename)}</button>
                                            <button type="button" class="button button-danger" data-action="remove"
                                                on:click=move |_| { remove.dispatch(p.id); }>
                                                {move || i18n.t(IdentityText::Remove)}
                                            </button>
                                        </form>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
            <button type="button" class="button" data-action="add-passkey"
                on:click=move |_| run_in_browser(added, add_passkey(i18n.t(IdentityText::DefaultPasskeyName).to_string()))>
                {move || i18n.t(IdentityText::AddPasskey)}
            </button>
            {move || added.get().map(|r| match r {
                Ok(_) => view! { <p class="notice notice-ok" data-passkey-added="true">{i18n.t(IdentityText::PasskeyAdded)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn StudentLoginForm() -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login = Action::new(move |_: &()| {
        student_login(username.get_untracked(), password.get_untracked())
    });
    Effect::new(move |_| {
        if let Some(Ok(path)) = login.value().get() {
            go_to(&path);
        }
    });
    view! {
        <details class="student-login">
            <summary>{move || i18n.t(IdentityText::StudentLoginTitle)}</summary>
            <form class="stack" data-form="student-login" on:submit=move |ev| { ev.prevent_default(); login.dispatch(()); }>
                <label>{move || i18n.t(IdentityText::Username)}
                    <input class="input" name="username" autocomplete="username" autocapitalize="none" required
                        on:input=move |ev| username.set(event_target_value(&ev)) />
                </label>
                <label>{move || i18n.t(IdentityText::Password)}
                    <input class="input" type="password" name="password" autocomplete="current-password" required
                        on:input=move |ev| password.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="button">{move || i18n.t(IdentityText::LogIn)}</button>
                {move || login.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
            </form>
            <a href="/activate">{move || i18n.t(IdentityText::FirstTime)}</a>
        </details>
    }
}

#[component]
pub fn ActivatePage() -> impl IntoView {
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let activate = Action::new(move |_: &()| {
        activate_student_login(
            username.get_untracked(),
            code.get_untracked(),
            password.get_untracked(),
        )
    });
    Effect::new(move |_| {
        if let Some(Ok(path)) = activate.value().get() {
            go_to(&path);
        }
    });
    view! {
        <section class="card">
            <h1>{move || i18n.t(IdentityText::ActivateTitle)}</h1>
            <form class="stack" data-form="activate" on:submit=move |ev| { ev.prevent_default(); activate.dispatch(()); }>
                <label>{move || i18n.t(IdentityText::Username)}
                    <input class="input" name="username" autocomplete="username" autocapitalize="none" required
                        on:input=move |ev| username.set(event_target_value(&ev)) />
                </label>
                <label>{move || i18n.t(IdentityText::ActivationCode)}
                    <input class="input" name="code" autocomplete="one-time-code" autocapitalize="characters" required
                        on:input=move |ev| code.set(event_target_value(&ev)) />
                </label>
                <label>{move || i18n.t(IdentityText::NewPassword)}
                    <input class="input" type="password" name="password" autocomplete="new-password" minlength="8" required
                        on:input=move |ev| password.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="button">{move || i18n.t(IdentityText::Activate)}</button>
                {move || activate.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
            </form>
        </section>
    }
}
