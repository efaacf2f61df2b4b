//! The class feed read by an independent iCalendar parser, Python's `icalendar` package
//! (installed by scripts/test): its events, their weekly recurrence over the semester, a
//! substitution's override and a cancelled lesson's exception, and the time zone.

use std::process::Command;

use app::platform::db::Backend;
use serde_json::{Value, json};

use super::{demo, ok, pilot, scalar};

/// Reads the file named by argv[1] with `icalendar` and prints what the test checks, as JSON.
const READER: &str = r#"
import json, sys
import icalendar
from dateutil.rrule import rrulestr

def text(value):
    value = value.to_ical()
    return value.decode() if isinstance(value, bytes) else value

calendar = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
zones = []
for zone in calendar.walk('VTIMEZONE'):
    for part in zone.walk('STANDARD') + zone.walk('DAYLIGHT'):
        zones.append({'tzid': str(zone['TZID']), 'kind': part.name,
                      'offset_to': text(part['TZOFFSETTO'])})
events = []
for event in calendar.walk('VEVENT'):
    start = event['DTSTART'].dt
    item = {'uid': str(event['UID']), 'summary': str(event['SUMMARY']),
            'start': start.isoformat(), 'tzid': event['DTSTART'].params.get('TZID'),
            'utc_offset_hours': start.utcoffset().total_seconds() / 3600}
    if 'RRULE' in event:
        rule = event['RRULE']
        item['freq'] = [str(f) for f in rule['FREQ']]
        item['until'] = rule['UNTIL'][0].isoformat()
        occurrences = list(rrulestr(text(rule), dtstart=start))
        exdates = []
        for group in (event['EXDATE'] if isinstance(event.get('EXDATE'), list) else [event['EXDATE']] if 'EXDATE' in event else []):
            exdates += [d.dt.isoformat() for d in group.dts]
        item['exdates'] = exdates
        item['occurrences'] = [o.isoformat() for o in occurrences if o.isoformat() not in exdates]
        item['all_occurrences'] = [o.isoformat() for o in occurrences]
    if 'RECURRENCE-ID' in event:
        item['recurrence_id'] = event['RECURRENCE-ID'].dt.isoformat()
    events.append(item)
print(json.dumps({'name': str(calendar.get('X-WR-CALNAME')), 'zones': zones, 'events': events}))
"#;

fn parse_with_python(ics: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, ics).unwrap();
    let output = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(&file)
        .output()
        .expect("python3 runs (scripts/test installs it and the icalendar package)");
    assert!(
        output.status.success(),
        "the icalendar parser refused the feed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_class_feed_reads_in_an_independent_icalendar_parser() {
    let app = demo(Backend::Sqlite).await;
    let p = pilot(&app).await;
    // A cancelled lesson on Wednesday 7 October, besides the demo's substitute on the 6th.
    let school = p.school.to_string();
    ok(
        &app,
        &p.principal,
        "mark_teacher_absent",
        &[
            ("school_id", school.clone()),
            ("staff_id", p.math_teacher_id.to_string()),
            ("date", "2026-10-07".into()),
        ],
    )
    .await;
    let cancelled = scalar(&app, &format!(
        "SELECT id FROM timetable_lessons WHERE class_id = {} AND staff_id = {} AND day = 'wednesday'", p.class_6a1, p.math_teacher_id)).await;
    ok(
        &app,
        &p.principal,
        "choose_substitute",
        &[
            ("school_id", school.clone()),
            ("date", "2026-10-07".into()),
            ("lesson_id", cancelled.to_string()),
        ],
    )
    .await;
    ok(
        &app,
        &p.principal,
        "publish_substitutions",
        &[("school_id", school), ("date", "2026-10-07".into())],
    )
    .await;

    let feed = ok(
        &app,
        &p.parent,
        "create_class_feed",
        &[("class_id", p.class_6a1.to_string())],
    )
    .await;
    let ics = reqwest::get(feed["url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let parsed = parse_with_python(&ics);

    // The time zone: Asia/Ho_Chi_Minh, UTC+7 all year.
    assert_eq!(
        parsed["zones"],
        json!([{ "tzid": "Asia/Ho_Chi_Minh", "kind": "STANDARD", "offset_to": "+0700" }])
    );
    assert!(parsed["name"].as_str().unwrap().contains("6A1"));
    let events = parsed["events"].as_array().unwrap();
    let masters: Vec<&Value> = events.iter().filter(|e| e.get("freq").is_some()).collect();
    assert_eq!(masters.len(), 29, "one weekly event per lesson of 6A1");
    for master in &masters {
        assert_eq!(master["freq"], json!(["WEEKLY"]));
        assert_eq!(master["tzid"], "Asia/Ho_Chi_Minh");
        assert_eq!(master["utc_offset_hours"], 7.0);
        // From the first week of the semester to its last day (16 January 2027, 23:59:59 +07).
        assert!(master["start"].as_str().unwrap().starts_with("2026-09-"));
        assert_eq!(master["until"], "2027-01-16T16:59:59+00:00");
        let count = master["all_occurrences"].as_array().unwrap().len();
        assert!((18..=20).contains(&count), "{count} weeks");
    }

    // The demo's substitute on Tuesday 6 October overrides that one occurrence.
    let overrides: Vec<&Value> = events
        .iter()
        .filter(|e| e.get("recurrence_id").is_some())
        .collect();
    assert_eq!(overrides.len(), 1, "{overrides:#?}");
    let substituted = overrides[0];
    assert!(
        substituted["recurrence_id"]
            .as_str()
            .unwrap()
            .starts_with("2026-10-06T")
    );
    assert!(
        substituted["summary"]
            .as_str()
            .unwrap()
            .contains("dạy thay")
    );
    let master = masters
        .iter()
        .find(|m| m["uid"] == substituted["uid"])
        .expect("the override's series");
    assert!(
        master["occurrences"]
            .as_array()
            .unwrap()
            .contains(&substituted["recurrence_id"])
    );
    assert_eq!(master["summary"], "Toán");

    // The cancelled lesson is an exception of its series: that Wednesday is gone, the others stay.
    let with_exception: Vec<&&Value> = masters
        .iter()
        .filter(|m| !m["exdates"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(with_exception.len(), 1);
    let exdate = with_exception[0]["exdates"][0].as_str().unwrap();
    assert!(exdate.starts_with("2026-10-07T"), "{exdate}");
    assert!(
        !with_exception[0]["occurrences"]
            .as_array()
            .unwrap()
            .contains(&json!(exdate))
    );
    assert!(
        with_exception[0]["all_occurrences"]
            .as_array()
            .unwrap()
            .contains(&json!(exdate))
    );
}
