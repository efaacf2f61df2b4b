//! iCalendar (RFC 5545) text for timetable feeds, written by hand: a weekly recurring event per
//! lesson over the dates its version is in force, exceptions for substitutions, all in the
//! school's time zone, Asia/Ho_Chi_Minh (UTC+7, no daylight saving), given as a VTIMEZONE.
//! Lines end with CRLF and are folded at 75 octets without splitting a character.

use std::fmt::Write as _;

use time::{Date, Duration};

use super::rules::TimeOfDay;

pub const TZID: &str = "Asia/Ho_Chi_Minh";
/// Hours the school's time is ahead of UTC.
const UTC_OFFSET_HOURS: i64 = 7;

/// One VEVENT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub uid: String,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    /// The first (or only) occurrence's date.
    pub date: Date,
    pub start: TimeOfDay,
    pub end: TimeOfDay,
    /// Repeats weekly until this date (inclusive), if set.
    pub until: Option<Date>,
    /// Occurrences left out (a lesson not held that day).
    pub exdates: Vec<Date>,
    /// Set on an override of one occurrence of a recurring event (same `uid`).
    pub recurrence_id: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    pub name: String,
    pub events: Vec<Event>,
}

/// `\`, `;`, `,` and newlines escaped as TEXT values need (RFC 5545 §3.3.11).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            other => out.push(other),
        }
    }
    out
}

/// Folds one content line to at most 75 octets per line (RFC 5545 §3.1), never inside a UTF-8
/// character, and ends every line with CRLF.
pub fn fold_line(line: &str, out: &mut String) {
    const LIMIT: usize = 75;
    let mut used = 0;
    for ch in line.chars() {
        let width = ch.len_utf8();
        if used + width > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += width;
    }
    out.push_str("\r\n");
}

fn local_stamp(date: Date, time: TimeOfDay) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}00",
        date.year(),
        u8::from(date.month()),
        date.day(),
        time.hour(),
        time.minute()
    )
}

/// The last second of a local day, in UTC (as UNTIL must be when DTSTART has a TZID).
fn until_utc(date: Date) -> String {
    let local_end_seconds = 24 * 3600 - 1;
    let utc_seconds = local_end_seconds - UTC_OFFSET_HOURS * 3600;
    let (day, seconds) = if utc_seconds < 0 {
        (date - Duration::days(1), utc_seconds + 24 * 3600)
    } else {
        (date, utc_seconds)
    };
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        day.year(),
        u8::from(day.month()),
        day.day(),
        seconds / 3600,
        (seconds / 60) % 60,
        seconds % 60
    )
}

/// A UTC timestamp (Unix seconds) as `YYYYMMDDTHHMMSSZ`.
pub fn utc_stamp(unix: i64) -> String {
    let at =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The calendar as RFC 5545 text; `now` (Unix seconds) is every event's DTSTAMP.
pub fn render(calendar: &Calendar, now: i64) -> String {
    let stamp = utc_stamp(now);
    let mut out = String::with_capacity(256 + calendar.events.len() * 320);
    let mut line = |text: &str| fold_line(text, &mut out);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//Truong So//Thoi khoa bieu//VI");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape_text(&calendar.name)));
    line(&format!("X-WR-TIMEZONE:{TZID}"));
    line("BEGIN:VTIMEZONE");
    line(&format!("TZID:{TZID}"));
    line("BEGIN:STANDARD");
    line("DTSTART:19700101T000000");
    line("TZOFFSETFROM:+0700");
    line("TZOFFSETTO:+0700");
    line("TZNAME:ICT");
    line("END:STANDARD");
    line("END:VTIMEZONE");
    for event in &calendar.events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", escape_text(&event.uid)));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!(
            "DTSTART;TZID={TZID}:{}",
            local_stamp(event.date, event.start)
        ));
        line(&format!(
            "DTEND;TZID={TZID}:{}",
            local_stamp(event.date, event.end)
        ));
        if let Some(occurrence) = event.recurrence_id {
            line(&format!(
                "RECURRENCE-ID;TZID={TZID}:{}",
                local_stamp(occurrence, event.start)
            ));
        }
        if let Some(until) = event.until {
            line(&format!("RRULE:FREQ=WEEKLY;UNTIL={}", until_utc(until)));
        }
        if !event.exdates.is_empty() {
            let mut dates = String::new();
            for (index, date) in event.exdates.iter().enumerate() {
                if index > 0 {
                    dates.push(',');
                }
                let _ = write!(dates, "{}", local_stamp(*date, event.start));
            }
            line(&format!("EXDATE;TZID={TZID}:{dates}"));
        }
        line(&format!("SUMMARY:{}", escape_text(&event.summary)));
        if let Some(description) = &event.description {
            line(&format!("DESCRIPTION:{}", escape_text(description)));
        }
        if let Some(location) = &event.location {
            line(&format!("LOCATION:{}", escape_text(location)));
        }
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let text = format!(
            "SUMMARY:{}",
            "Hoạt động trải nghiệm, hướng nghiệp ".repeat(5)
        );
        let mut out = String::new();
        fold_line(&text, &mut out);
        assert!(out.ends_with("\r\n"));
        for physical in out.trim_end_matches("\r\n").split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        // Unfolding gives the line back.
        assert_eq!(out.trim_end_matches("\r\n").replace("\r\n ", ""), text);
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(
            escape_text("Toán; tiết 1, 2\\3\nhết"),
            "Toán\\; tiết 1\\, 2\\\\3\\nhết"
        );
    }

    #[test]
    fn until_is_the_last_local_second_in_utc() {
        assert_eq!(until_utc(date!(2027 - 01 - 16)), "20270116T165959Z");
        assert_eq!(utc_stamp(0), "19700101T000000Z");
    }

    #[test]
    fn a_recurring_event_with_an_exception_is_written_with_its_time_zone() {
        let at = |h, m| TimeOfDay::new(h, m).unwrap();
        let calendar = Calendar {
            name: "Lớp 6A1".into(),
            events: vec![Event {
                uid: "lesson-1@truongso".into(),
                summary: "Toán".into(),
                description: None,
                location: None,
                date: date!(2026 - 09 - 07),
                start: at(7, 0),
                end: at(7, 45),
                until: Some(date!(2027 - 01 - 16)),
                exdates: vec![date!(2026 - 10 - 12)],
                recurrence_id: None,
            }],
        };
        let text = render(&calendar, 0);
        assert!(text.contains("DTSTART;TZID=Asia/Ho_Chi_Minh:20260907T070000\r\n"));
        assert!(text.contains("RRULE:FREQ=WEEKLY;UNTIL=20270116T165959Z\r\n"));
        assert!(text.contains("EXDATE;TZID=Asia/Ho_Chi_Minh:20261012T070000\r\n"));
        assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Ho_Chi_Minh\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
    }
}
