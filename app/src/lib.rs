//! Trường Số: the school management app for lower-secondary schools.
//!
//! Each feature lives in one module: its pure rules (compiled for server and browser), its
//! server functions, its queries (behind `ssr`) and its screens. See `docs/architecture.md`.

// The timetable screens' view types nest deeper than the default limit when hydrating.
#![recursion_limit = "256"]

pub mod grades;
pub mod home;
pub mod i18n;
pub mod identity;
pub mod people;
pub mod platform;
pub mod pwa;
pub mod timetable;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod demo;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::i18n::{ShellText, provide_i18n};
use crate::identity::screens::{
    AccountPage, ActivatePage, ChooseRolePage, LoginPage, UnknownPersonPage, UserMenu,
    provide_current_user,
};
use crate::people::screens::{
    ClassListPage, DistrictHomePage, GuardianHomePage, StaffHomePage, StudentHomePage,
};
use crate::ui::LanguageSwitch;

/// The HTML document around the app, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = i18n::request_lang().unwrap_or_default();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="theme-color" content="#0b5fa5" />
                <meta name="description" content="Trường Số — sổ liên lạc điện tử của trường THCS" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="icon" href="/icons/icon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/icons/icon-192.png" />
                <link rel="stylesheet" href="/pkg/truongso.css" />
                <HydrationScripts options />
                <leptos_meta::MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let i18n = provide_i18n();
    provide_current_user();

    view! {
        // The app's name is the same in both languages; a plain string keeps the head out of the
        // reactive graph (it is written after the page's owner is gone).
        <Title text="Trường Số" />
        <Router>
            <a class="skip-link" href="#main">{move || i18n.t(ShellText::SkipToContent)}</a>
            <header class="topbar">
                <A href="/" attr:class="brand">{move || i18n.t(ShellText::AppName)}</A>
                <div class="topbar-end">
                    <UserMenu />
                    <LanguageSwitch />
                </div>
            </header>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=home::HomePage />
                    <Route path=path!("/login") view=LoginPage />
                    <Route path=path!("/login/unknown") view=UnknownPersonPage />
                    <Route path=path!("/choose-role") view=ChooseRolePage />
                    <Route path=path!("/activate") view=ActivatePage />
                    <Route path=path!("/account") view=AccountPage />
                    <Route path=path!("/staff") view=StaffHomePage />
                    <Route path=path!("/staff/class/:id") view=ClassListPage />
                    <Route path=path!("/guardian") view=GuardianHomePage />
                    <Route path=path!("/student") view=StudentHomePage />
                    <Route path=path!("/district") view=DistrictHomePage />
                    <Route path=path!("/timetable") view=timetable::screens::home::EditorHomePage />
                    <Route path=path!("/timetable/settings") view=timetable::screens::settings::SettingsPage />
                    <Route path=path!("/timetable/import") view=timetable::screens::import::ImportPage />
                    <Route path=path!("/timetable/substitutions") view=timetable::screens::substitutions::SubstitutionsPage />
                    <Route path=path!("/timetable/edit/:id") view=timetable::screens::editor::EditorPage />
                    <Route path=path!("/timetable/me") view=timetable::screens::week::MyWeekPage />
                    <Route path=path!("/timetable/class/:id") view=timetable::screens::week::ClassWeekPage />
                    <Route path=path!("/timetable/teacher/:id") view=timetable::screens::week::TeacherWeekPage />
                    <Route path=path!("/timetable/print/class/:id") view=timetable::screens::print::PrintClassPage />
                    <Route path=path!("/timetable/print/teacher/:id") view=timetable::screens::print::PrintTeacherPage />
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = i18n::use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <section class="card">
            <h1>{move || i18n.t(ShellText::NotFoundTitle)}</h1>
            <p>{move || i18n.t(ShellText::NotFoundBody)}</p>
            <A href="/" attr:class="button">{move || i18n.t(ShellText::BackHome)}</A>
        </section>
    }
}
