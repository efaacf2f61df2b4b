//! The printable timetable of a class or a teacher: one A4 page (landscape), days across,
//! periods down, for the classroom notice board or the staff room.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{TtText, day_text, session_text, show_date};
use crate::i18n::use_i18n;
use crate::timetable::api::{class_grid, teacher_grid};
use crate::timetable::views::{GridView, WeekOf};
use crate::ui::ErrorNotice;

fn id_param() -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    }
}

#[component]
pub fn PrintClassPage() -> impl IntoView {
    let grid = Resource::new(id_param(), class_grid);
    view! { <PrintPage grid /> }
}

#[component]
pub fn PrintTeacherPage() -> impl IntoView {
    let grid = Resource::new(id_param(), teacher_grid);
    view! { <PrintPage grid /> }
}

#[component]
fn PrintPage(grid: Resource<Result<GridView, crate::platform::error::AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || grid.get().map(|result| match result {
                Ok(grid) => view! { <Grid grid /> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Grid(grid: GridView) -> impl IntoView {
    let i18n = use_i18n();
    let heading = match grid.of {
        WeekOf::Class(_) => TtText::ClassWeek,
        WeekOf::Teacher(_) => TtText::Timetable,
    };
    let days = grid.week.days.clone();
    let version = grid.version.clone();
    let title = grid.title.clone();
    let rows: Vec<_> = grid
        .sessions
        .iter()
        .flat_map(|session| {
            let plan = grid.week.session(*session);
            (1..=plan.period_count()).map(move |period| {
                let time = plan
                    .periods
                    .get(usize::from(period) - 1)
                    .map(|p| format!("{}–{}", p.start, p.end))
                    .unwrap_or_default();
                (*session, period, time)
            })
        })
        .collect();
    view! {
        <section class="tt-print" data-page="print" data-print-title=title.clone()>
            <header class="tt-print-head">
                <div>
                    <p class="tt-print-school">{grid.school_name.clone()}</p>
                    <h1>{move || i18n.t(heading)} " " {title.clone()}</h1>
                    {version.map(|v| view! {
                        <p class="secondary">{move || i18n.t(TtText::Version)} " " {v.version_no} " · "
                            {move || i18n.t(TtText::AppliesFrom)} " " {show_date(&v.effective_from)}</p>
                    })}
                </div>
                <button type="button" class="button tt-no-print" data-action="print" on:click=move |_| crate::ui::print_page()>
                    {move || i18n.t(TtText::PrintNow)}
                </button>
            </header>
            <table class="tt-print-grid">
                <thead>
                    <tr>
                        <th scope="col">{move || i18n.t(TtText::Period)}</th>
                        {days.iter().map(|day| {
                            let day = *day;
                            view! { <th scope="col">{move || i18n.t(day_text(day))}</th> }
                        }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|(session, period, time)| {
                        let cells: Vec<_> = days.iter().map(|day| {
                            grid.cells.iter().find(|c| c.day == *day && c.session == session
                                && c.period <= period && period < c.period + c.length).cloned()
                        }).collect();
                        view! {
                            <tr class=if period == 1 { "tt-session-start" } else { "" }>
                                <th scope="row">
                                    <span class="tt-print-period">{move || i18n.t(session_text(session))} " " {period}</span>
                                    <span class="tt-print-time">{time.clone()}</span>
                                </th>
                                {cells.into_iter().map(|cell| match cell {
                                    Some(cell) => view! {
                                        <td data-filled="true">
                                            <span class="tt-print-subject">{cell.subject.clone()}</span>
                                            <span class="tt-print-other">{cell.other.clone()}</span>
                                            {cell.room.clone().map(|room| view! { <span class="tt-print-other">{room}</span> })}
                                        </td>
                                    }.into_any(),
                                    None => view! { <td></td> }.into_any(),
                                }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
