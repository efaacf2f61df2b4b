//! Small pieces every screen uses: the error notice and the language switch.

use leptos::prelude::*;

use crate::i18n::{Lang, ShellText, Translate, use_i18n};
use crate::platform::error::AppError;

/// An error as users see it: Vietnamese first, English second, whatever the interface language.
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let code = error.code;
    view! {
        <div class="notice notice-error" role="alert" data-error-code=code.as_str()>
            <p lang="vi">{code.text(Lang::Vi)}</p>
            <p lang="en" class="secondary">{code.text(Lang::En)}</p>
        </div>
    }
}

/// Two buttons, one per language; the current one is pressed. Switching needs no reload.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="lang-switch" role="group" aria-label=move || i18n.t(ShellText::SwitchLanguage)>
            {Lang::ALL.into_iter().map(|lang| view! {
                <button
                    type="button"
                    lang=lang.code()
                    data-lang=lang.code()
                    aria-pressed=move || (i18n.lang() == lang).to_string()
                    on:click=move |_| i18n.set_lang(lang)
                >
                    {ShellText::LanguageName.text(lang)}
                </button>
            }).collect_view()}
        </div>
    }
}

/// A full page load, after a change of who is logged in (so every part of the page renders anew).
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Runs a job only the browser can do (WebAuthn, push subscriptions) and puts its result in a
/// signal. Unlike a local `Action`, nothing is created on the server, so no browser-only value
/// ever crosses the server's threads.
pub fn run_in_browser<T, F>(result: leptos::prelude::RwSignal<Option<T>>, job: F)
where
    T: Send + Sync + 'static,
    F: std::future::Future<Output = T> + 'static,
{
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        use leptos::prelude::Set;
        result.set(Some(job.await));
    });
    #[cfg(not(feature = "hydrate"))]
    drop((result, job));
}

/// Opens the browser's print dialog (receipts, timetables, follow-up lists print from it).
pub fn print_page() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}
