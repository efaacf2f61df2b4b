//! A class's or teacher's next school days on a phone: today first, substitutions and changes
//! marked. The page is server-rendered with its data, and the service worker keeps the last one
//! opened, so it still shows offline. Below it: a secret calendar link for the phone's calendar.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::{TtText, day_text, session_text, show_date, week_path};
use crate::i18n::use_i18n;
use crate::timetable::api::{
    class_week, create_class_feed, create_teacher_feed, my_feeds, my_week, revoke_feed,
    teacher_week,
};
use crate::timetable::views::{DayChange, DayView, LessonView, WeekOf, WeekView};
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
pub fn ClassWeekPage() -> impl IntoView {
    let id = id_param();
    let week = Resource::new(id, |id| class_week(id, None));
    view! { <WeekPage week /> }
}

#[component]
pub fn TeacherWeekPage() -> impl IntoView {
    let id = id_param();
    let week = Resource::new(id, |id| teacher_week(id, None));
    view! { <WeekPage week /> }
}

#[component]
pub fn MyWeekPage() -> impl IntoView {
    let week = Resource::new(|| (), |_| my_week(None));
    view! { <WeekPage week /> }
}

#[component]
fn WeekPage(week: Resource<Result<WeekView, crate::platform::error::AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| ()>
            {move || week.get().map(|result| match result {
                Ok(week) => view! { <Week week /> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Week(week: WeekView) -> impl IntoView {
    let i18n = use_i18n();
    let heading = match week.of {
        WeekOf::Class(_) => TtText::ClassWeek,
        WeekOf::Teacher(_) => TtText::Timetable,
    };
    let print = match week.of {
        WeekOf::Class(id) => format!("/timetable/print/class/{id}"),
        WeekOf::Teacher(id) => format!("/timetable/print/teacher/{id}"),
    };
    let published = week.days.iter().any(|d| d.version.is_some());
    let today = week.today.clone();
    let title = week.title.clone();
    let of = week.of;
    // Shown when the page came from the device's copy (no network).
    let offline = RwSignal::new(false);
    Effect::new(move |_| offline.set(crate::timetable::screens::browser_offline()));
    view! {
        <section class="card tt-week-head" data-page="week" data-week-title=title.clone()>
            <h1>{move || i18n.t(heading)} " " {title.clone()}</h1>
            <p class="secondary">{week.school_name.clone()}</p>
            {move || offline.get().then(|| view! { <p class="notice notice-demo" data-offline-note="">{move || i18n.t(TtText::OfflineCopy)}</p> })}
            <a class="button button-secondary" href=print>{move || i18n.t(TtText::Print)}</a>
        </section>
        {if published {
            week.days.into_iter().map(|day| {
                let is_today = day.date == today;
                view! { <Day day is_today of /> }
            }).collect_view().into_any()
        } else {
            view! { <section class="card"><p>{move || i18n.t(TtText::NoTimetable)}</p></section> }.into_any()
        }}
        <FeedPanel of />
    }
}

#[component]
fn Day(day: DayView, is_today: bool, of: WeekOf) -> impl IntoView {
    let i18n = use_i18n();
    let weekday = day_text(day.day);
    let date = show_date(&day.date);
    let applies_from = day
        .version
        .as_ref()
        .filter(|v| v.effective_from > day.date)
        .map(|v| show_date(&v.effective_from));
    let empty = day.lessons.is_empty();
    view! {
        <section class="card tt-day" data-date=day.date.clone() data-today=is_today.to_string()>
            <h2>
                {is_today.then(|| view! { <span class="badge">{move || i18n.t(TtText::Today)}</span> " " })}
                {move || i18n.t(weekday)} ", " {date.clone()}
            </h2>
            {applies_from.map(|from| view! {
                <p class="secondary">{move || i18n.t(TtText::AppliesFrom)} " " {from.clone()}</p>
            })}
            {if empty {
                view! { <p class="secondary">{move || i18n.t(TtText::NoLessons)}</p> }.into_any()
            } else {
                view! {
                    <ol class="tt-lessons">
                        {day.lessons.into_iter().map(|lesson| view! { <LessonRow lesson of /> }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn LessonRow(lesson: LessonView, of: WeekOf) -> impl IntoView {
    let i18n = use_i18n();
    let session = session_text(lesson.session);
    let period = if lesson.length > 1 {
        format!("{}–{}", lesson.period, lesson.period + lesson.length - 1)
    } else {
        lesson.period.to_string()
    };
    let time = match (lesson.start, lesson.end) {
        (Some(start), Some(end)) => format!("{start}–{end}"),
        _ => String::new(),
    };
    let change = lesson.change.clone();
    let change_code = match &change {
        Some(DayChange::Substitute { .. }) => "substitute",
        Some(DayChange::Cancelled) => "cancelled",
        Some(DayChange::Covering { .. }) => "covering",
        None => "",
    };
    let teacher = lesson.teacher.clone();
    let class_name = lesson.class_name.clone();
    let changed = lesson.changed;
    view! {
        <li class="tt-lesson-row" data-subject=lesson.subject.clone() data-change=change_code data-changed=changed.to_string()>
            <span class="tt-when">
                <span class="tt-period">{move || i18n.t(session)} " · " {move || i18n.t(TtText::Period)} " " {period.clone()}</span>
                <span class="tt-time">{time}</span>
            </span>
            <span class="tt-what">
                <span class="tt-subject">{lesson.subject.clone()}</span>
                <span class="tt-who">
                    {match of {
                        WeekOf::Class(_) => teacher.clone().into_any(),
                        WeekOf::Teacher(_) => view! { {move || i18n.t(TtText::Class)} " " {class_name.clone()} }.into_any(),
                    }}
                    {lesson.room.clone().map(|room| view! { " · " {room} })}
                </span>
                {changed.then(|| view! { <span class="badge tt-badge-changed">{move || i18n.t(TtText::Changed)}</span> })}
                {change.map(|change| match change {
                    DayChange::Substitute { teacher } => view! {
                        <span class="badge tt-badge-sub">{move || i18n.t(TtText::SubstituteBy)} " " {teacher.clone()}</span>
                    }.into_any(),
                    DayChange::Cancelled => view! {
                        <span class="badge tt-badge-cancel">{move || i18n.t(TtText::Cancelled)}</span>
                    }.into_any(),
                    DayChange::Covering { absent } => view! {
                        <span class="badge tt-badge-sub">{move || i18n.t(TtText::CoveringFor)} " " {absent.clone()}</span>
                    }.into_any(),
                })}
            </span>
        </li>
    }
}

/// Makes a secret calendar link for this week, and lists the account's links to revoke.
#[component]
pub fn FeedPanel(of: WeekOf) -> impl IntoView {
    let i18n = use_i18n();
    let feeds = Resource::new(|| (), |_| my_feeds());
    let make = Action::new(move |_: &()| async move {
        match of {
            WeekOf::Class(id) => create_class_feed(id).await,
            WeekOf::Teacher(id) => create_teacher_feed(id).await,
        }
    });
    let revoke = Action::new(|id: &i64| revoke_feed(*id));
    Effect::new(move |_| {
        if make.version().get() + revoke.version().get() > 0 {
            feeds.refetch();
        }
    });
    view! {
        <section class="card tt-feeds" data-section="feeds">
            <h2>{move || i18n.t(TtText::SubscribeTitle)}</h2>
            <p class="secondary">{move || i18n.t(TtText::SubscribeIntro)}</p>
            <button type="button" class="button" data-action="make-feed" on:click=move |_| { make.dispatch(()); }>
                {move || i18n.t(TtText::MakeFeed)}
            </button>
            {move || make.value().get().map(|result| match result {
                Ok(feed) => {
                    let webcal = feed.url.replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1);
                    view! {
                        <div class="tt-feed-ready">
                            <label>{move || i18n.t(TtText::FeedReady)}
                                <input class="input" readonly data-feed-url="" prop:value=feed.url.clone() />
                            </label>
                            <a class="button button-secondary" href=webcal>{move || i18n.t(TtText::OpenInCalendar)}</a>
                        </div>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            <Suspense fallback=|| ()>
                {move || feeds.get().and_then(Result::ok).filter(|list| !list.is_empty()).map(|list| view! {
                    <h3>{move || i18n.t(TtText::MyFeeds)}</h3>
                    <ul class="list">
                        {list.into_iter().map(|feed| view! {
                            <li class="list-item" data-feed=feed.id>
                                <a href=week_path(feed.of)>{feed.title.clone()}</a>
                                <button type="button" class="button button-danger" data-action="revoke-feed"
                                    on:click=move |_| { revoke.dispatch(feed.id); }>
                                    {move || i18n.t(TtText::Revoke)}
                                </button>
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            </Suspense>
        </section>
    }
}
