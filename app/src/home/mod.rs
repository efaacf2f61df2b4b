//! The first screen: what Trường Số is, the way in, and the district's schools.

use leptos::prelude::*;

use crate::i18n::use_i18n;
use crate::identity::screens::{IdentityText, use_current_user};
use crate::people::api::list_schools;
use crate::texts;
use crate::ui::ErrorNotice;

texts! {
    pub enum HomeText {
        Welcome => ("Chào mừng đến với Trường Số", "Welcome to Trường Số"),
        Intro => (
            "Điểm số, thời khoá biểu, học phí và điểm danh của con em bạn, ngay trên điện thoại.",
            "Your child's scores, timetable, fees and attendance, right on your phone."
        ),
        SchoolsTitle => ("Các trường trong huyện", "Schools of the district"),
        Classes => ("lớp", "classes"),
        Students => ("học sinh", "students"),
        NoSchools => ("Chưa có trường nào.", "No schools yet."),
        Ready => ("Ứng dụng đã sẵn sàng.", "The app is ready."),
        Continue => ("Vào trang của tôi", "Go to my page"),
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_current_user();
    // Set once the page runs in the browser: a visible sign (and a test hook) that hydration worked.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));

    view! {
        <section class="hero" data-interactive=move || interactive.get().to_string()>
            <h1>{move || i18n.t(HomeText::Welcome)}</h1>
            <p class="lead">{move || i18n.t(HomeText::Intro)}</p>
            <Transition fallback=|| ()>
                {move || user.0.get().map(|me| match me {
                    Ok(Some(me)) => {
                        let home = me.persona.map(|p| p.persona.kind.home_path()).unwrap_or("/choose-role");
                        view! { <a class="button" href=home>{move || i18n.t(HomeText::Continue)}</a> }.into_any()
                    }
                    _ => view! { <a class="button" href="/login">{move || i18n.t(IdentityText::LoginTitle)}</a> }.into_any(),
                })}
            </Transition>
            <p class="status" aria-live="polite">
                {move || interactive.get().then(|| i18n.t(HomeText::Ready))}
            </p>
        </section>
        <SchoolList />
    }
}

/// The district's schools with their size (public).
#[component]
pub fn SchoolList() -> impl IntoView {
    let i18n = use_i18n();
    let schools = Resource::new(|| (), |_| list_schools());
    view! {
        <section class="card">
            <h2>{move || i18n.t(HomeText::SchoolsTitle)}</h2>
            <Suspense fallback=move || view! { <p>{i18n.t(crate::i18n::ShellText::Loading)}</p> }>
                {move || schools.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>{move || i18n.t(HomeText::NoSchools)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list">
                            {list.into_iter().map(|school| view! {
                                <li class="list-item">
                                    <span class="list-title">{school.name}</span>
                                    <span class="list-meta">
                                        {school.class_count} " " {move || i18n.t(HomeText::Classes)}
                                        " · " {school.student_count} " " {move || i18n.t(HomeText::Students)}
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
