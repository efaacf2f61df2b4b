//! The calendar feed: a plain GET route, no login, so phones' calendars can subscribe. The URL
//! carries the feed's id and secret; a revoked feed, a wrong secret, or a persona that may no
//! longer see that week all answer 404.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use time::{Date, Duration};

use super::ical::{self, Calendar, Event};
use super::rules::{Lesson, Session, TeacherId, Weekday};
use super::store::days::{FeedData, feed_data};
use super::store::feeds::feed_by_token;
use super::views::WeekOf;
use crate::identity::authz::{Action, persona_may};
use crate::platform::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/ics/{token}", get(feed))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Không tìm thấy / not found\n").into_response()
}

async fn feed(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let Some(token) = token.strip_suffix(".ics") else {
        return not_found();
    };
    let Ok(mut conn) = state.db.pool().acquire().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let now = state.clock.unix();
    let access = match feed_by_token(&mut conn, token, now).await {
        Ok(Some(access)) => access,
        Ok(None) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "calendar feed lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let action = match access.of {
        WeekOf::Class(class_id) => Action::ReadClassTimetable { class_id },
        WeekOf::Teacher(staff_id) => Action::ReadTeacherTimetable { staff_id },
    };
    match persona_may(&mut conn, access.account_id, &access.persona, &action).await {
        Ok(true) => {}
        Ok(false) => return not_found(),
        Err(error) => {
            tracing::error!(code = error.code.as_str(), "calendar feed check failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    let data = match feed_data(&mut conn, access.school_id, access.of).await {
        Ok(data) => data,
        Err(error) => {
            tracing::warn!(
                code = error.code.as_str(),
                feed = access.id,
                "calendar feed has no data"
            );
            return not_found();
        }
    };
    let host = state
        .settings
        .public_url
        .split("://")
        .nth(1)
        .unwrap_or("truongso")
        .split(['/', ':'])
        .next()
        .unwrap_or("truongso")
        .to_string();
    let calendar = calendar(&data, access.of, &host);
    let mut response = ical::render(&calendar, now).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline; filename=\"thoi-khoa-bieu.ics\""),
    );
    response
}

fn weekday_offset(day: Weekday) -> i64 {
    Weekday::ALL
        .iter()
        .position(|d| *d == day)
        .map_or(0, |p| p as i64)
}

/// The first date on or after `from` that falls on `day`.
fn first_on(from: Date, day: Weekday) -> Date {
    let from_offset = weekday_offset(Weekday::of_date(from));
    let wanted = weekday_offset(day);
    from + Duration::days((wanted - from_offset).rem_euclid(7))
}

fn times(
    data: &FeedData,
    session: Session,
    period: u8,
    length: u8,
) -> Option<(super::rules::TimeOfDay, super::rules::TimeOfDay)> {
    let periods = &data.week.session(session).periods;
    let start = periods.get(usize::from(period).checked_sub(1)?)?.start;
    let end = periods
        .get(usize::from(period.saturating_add(length.saturating_sub(1))).checked_sub(1)?)?
        .end;
    Some((start, end))
}

/// The events of a class's or teacher's feed: one weekly event per lesson and version, an
/// exception (EXDATE) when the lesson is not held or its teacher is away, an override
/// (RECURRENCE-ID) in a class's feed when a substitute takes it, and a single event in a
/// teacher's feed for each lesson they take for someone else.
pub fn calendar(data: &FeedData, of: WeekOf, host: &str) -> Calendar {
    let name = |map: &HashMap<i64, String>, id: i64| map.get(&id).cloned().unwrap_or_default();
    let mut events = Vec::new();
    for version in &data.versions {
        for lesson in &version.lessons {
            let mine = match of {
                WeekOf::Class(class) => lesson.class.0 == class,
                WeekOf::Teacher(teacher) => lesson.teacher.0 == teacher,
            };
            if !mine {
                continue;
            }
            let first = first_on(version.from, lesson.day);
            let Some((start, end)) = times(data, lesson.session, lesson.period, lesson.length)
            else {
                continue;
            };
            if first > version.until {
                continue;
            }
            let uid = format!("tkb-{}-{}@{host}", version.version.id, lesson.id.0);
            let subject = name(&data.names.subjects, lesson.subject.0);
            let teacher = name(&data.names.staff, lesson.teacher.0);
            let class = name(&data.names.classes, lesson.class.0);
            let (summary, description) = match of {
                WeekOf::Class(_) => (subject.clone(), format!("Giáo viên / Teacher: {teacher}")),
                WeekOf::Teacher(_) => (
                    format!("{subject} {class}"),
                    format!("Lớp / Class: {class}"),
                ),
            };
            let location = lesson.room.map(|r| name(&data.names.rooms, r.0));
            let mut exdates = Vec::new();
            let mut overrides = Vec::new();
            for (day, substitutions) in &data.substitutions {
                let Some(date) = crate::platform::format::parse_iso_date(day) else {
                    continue;
                };
                if date < first || date > version.until {
                    continue;
                }
                for substitution in substitutions.iter().filter(|s| s.lesson == lesson.id) {
                    match (of, substitution.substitute) {
                        (WeekOf::Class(_), Some(substitute)) => {
                            let substitute = name(&data.names.staff, substitute.0);
                            overrides.push(Event {
                                uid: uid.clone(),
                                summary: format!("{subject} (dạy thay: {substitute})"),
                                description: Some(format!(
                                    "Giáo viên dạy thay / Substitute: {substitute}"
                                )),
                                location: location.clone(),
                                date,
                                start,
                                end,
                                until: None,
                                exdates: Vec::new(),
                                recurrence_id: Some(date),
                            });
                        }
                        _ => exdates.push(date),
                    }
                }
            }
            exdates.sort();
            events.push(Event {
                uid,
                summary,
                description: Some(description),
                location,
                date: first,
                start,
                end,
                until: Some(version.until),
                exdates,
                recurrence_id: None,
            });
            overrides.sort_by_key(|e| e.date);
            events.extend(overrides);
        }
        if let WeekOf::Teacher(teacher) = of {
            let mut covering: Vec<(Date, &Lesson, TeacherId)> = Vec::new();
            for (day, substitutions) in &data.substitutions {
                let Some(date) = crate::platform::format::parse_iso_date(day) else {
                    continue;
                };
                if date < version.from || date > version.until {
                    continue;
                }
                for substitution in substitutions
                    .iter()
                    .filter(|s| s.substitute == Some(TeacherId(teacher)))
                {
                    if let Some(lesson) =
                        version.lessons.iter().find(|l| l.id == substitution.lesson)
                        && lesson.day == Weekday::of_date(date)
                    {
                        covering.push((date, lesson, substitution.absent));
                    }
                }
            }
            covering.sort_by_key(|(date, lesson, _)| (*date, lesson.id));
            for (date, lesson, absent) in covering {
                let Some((start, end)) = times(data, lesson.session, lesson.period, lesson.length)
                else {
                    continue;
                };
                let subject = name(&data.names.subjects, lesson.subject.0);
                let class = name(&data.names.classes, lesson.class.0);
                events.push(Event {
                    uid: format!(
                        "tkb-thay-{}-{}@{host}",
                        lesson.id.0,
                        crate::platform::format::iso_date(date)
                    ),
                    summary: format!("Dạy thay: {subject} {class}"),
                    description: Some(format!(
                        "Dạy thay / Substituting for: {}",
                        name(&data.names.staff, absent.0)
                    )),
                    location: lesson.room.map(|r| name(&data.names.rooms, r.0)),
                    date,
                    start,
                    end,
                    until: None,
                    exdates: Vec::new(),
                    recurrence_id: None,
                });
            }
        }
    }
    Calendar {
        name: format!("Thời khóa biểu {} — {}", data.title, data.school_name),
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_first_occurrence_is_the_first_matching_weekday() {
        // 2026-09-05 is a Saturday.
        assert_eq!(
            first_on(date!(2026 - 09 - 05), Weekday::Saturday),
            date!(2026 - 09 - 05)
        );
        assert_eq!(
            first_on(date!(2026 - 09 - 05), Weekday::Monday),
            date!(2026 - 09 - 07)
        );
        assert_eq!(
            first_on(date!(2026 - 09 - 07), Weekday::Friday),
            date!(2026 - 09 - 11)
        );
    }
}
