//! Trường Số: the school management app for lower-secondary schools.
//!
//! Each feature lives in one module: its pure rules (compiled for server and browser), its
//! server functions, its queries (behind `ssr`) and its screens. See `docs/architecture.md`.

// Leptos views are nested types; the grade sheets and timetable screens nest deeply.
#![recursion_limit = "256"]

pub mod attendance;
pub mod fees;
pub mod grades;
pub mod home;
pub mod i18n;
pub mod identity;
pub mod notifications;
pub mod people;
pub mod platform;
pub mod pwa;
pub mod records;
pub mod reports;
pub mod timetable;
pub mod ui;
pub mod verification;

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
use crate::records::screens::{
    ClassesPage, DistrictSchoolsPage, FamilyDataPage, ImportPage, PolicePage, RecordsPage,
    RequestsPage, StudentRecordPage,
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
                    <Route path=path!("/staff/class/:id/roll-call") view=attendance::screens::RollCallPage />
                    <Route path=path!("/inbox") view=notifications::screens::InboxPage />
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
                    <Route path=path!("/desk") view=verification::screens::DeskPage />
                    <Route path=path!("/desk/reviews") view=verification::screens::ReviewQueuePage />
                    <Route path=path!("/desk/bridges") view=verification::screens::BridgesPage />
                    <Route path=path!("/desk/progress") view=verification::screens::ProgressPage />
                    <Route path=path!("/desk/follow-up") view=verification::screens::FollowUpPage />
                    <Route path=path!("/claim/:token") view=verification::screens::ClaimPage />
                    <Route path=path!("/fees") view=crate::fees::screens::FamilyFeesPage />
                    <Route path=path!("/fees/pay") view=crate::fees::screens::PayPage />
                    <Route path=path!("/fees/receipt/:id") view=crate::fees::screens::ReceiptPage />
                    <Route path=path!("/fees/office/:school") view=crate::fees::screens::FeeOfficePage />
                    <Route path=path!("/staff/grades") view=grades::screens::GradesHomePage />
                    <Route path=path!("/staff/grades/sheet/:class/:subject/:semester") view=grades::screens::ScoreSheetPage />
                    <Route path=path!("/staff/grades/class/:class") view=grades::screens::ClassResultsPage />
                    <Route path=path!("/staff/grades/admin") view=grades::screens::GradeAdminPage />
                    <Route path=path!("/grades/child/:id") view=grades::screens::ChildGradesPage />
                    <Route path=path!("/district/schools") view=DistrictSchoolsPage />
                    <Route path=path!("/records") view=RecordsPage />
                    <Route path=path!("/records/student/:id") view=StudentRecordPage />
                    <Route path=path!("/records/import") view=ImportPage />
                    <Route path=path!("/records/police") view=PolicePage />
                    <Route path=path!("/records/requests") view=RequestsPage />
                    <Route path=path!("/records/classes") view=ClassesPage />
                    <Route path=path!("/guardian/data") view=FamilyDataPage />
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
