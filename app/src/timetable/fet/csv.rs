//! FET's CSV export of a generated timetable (`*_timetable.csv`): a header, then one row per
//! hour of each placed activity:
//!
//! ```text
//! "Activity Id","Day","Hour","Students Sets","Subject","Teachers","Activity Tags","Room","Comments"
//! "1","Thứ Tư","Sáng 3","6A","Toán","Nguyễn Văn An","","",""
//! "1","Thứ Tư","Sáng 4","6A","Toán","Nguyễn Văn An","","",""
//! ```
//!
//! FET can write commas, semicolons or vertical bars between fields, and double, single or no
//! quotes; several students sets or teachers are joined with "+". Pure code, so the browser can
//! preview an export before sending it.

use std::collections::HashMap;

use super::{FetActivity, FetError, FetImport, FetLesson, MAX_INPUT_BYTES};

const ACTIVITY_ID: &str = "Activity Id";
const DAY: &str = "Day";
const HOUR: &str = "Hour";
const STUDENTS: &str = "Students Sets";
const SUBJECT: &str = "Subject";
const TEACHERS: &str = "Teachers";
const ROOM: &str = "Room";

/// One record and the line it starts on.
type Record = (u32, Vec<String>);

/// Splits CSV text into records; quoted fields may hold separators, quotes (doubled) and line
/// breaks.
fn records(text: &str, separator: char, quote: Option<char>) -> Result<Vec<Record>, FetError> {
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line: u32 = 1;
    let mut record_line = 1;
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if in_quotes {
            if Some(ch) == quote {
                if chars.peek().copied() == quote {
                    field.push(ch);
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                if ch == '\n' {
                    line += 1;
                }
                field.push(ch);
            }
            continue;
        }
        match ch {
            c if Some(c) == quote && field.is_empty() => in_quotes = true,
            c if c == separator => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fields.push(std::mem::take(&mut field));
                if fields.iter().any(|f| !f.trim().is_empty()) {
                    records.push((record_line, std::mem::take(&mut fields)));
                }
                fields.clear();
                line += 1;
                record_line = line;
            }
            c => field.push(c),
        }
    }
    if in_quotes {
        return Err(FetError::CsvMalformedRow { line: record_line });
    }
    fields.push(field);
    if fields.iter().any(|f| !f.trim().is_empty()) {
        records.push((record_line, fields));
    }
    Ok(records)
}

/// Reads the separator and quote FET used from the header line.
fn dialect(header_line: &str) -> (char, Option<char>) {
    let quote = match header_line.trim_start().chars().next() {
        Some('"') => Some('"'),
        Some('\'') => Some('\''),
        _ => None,
    };
    let separator = [',', ';', '|']
        .into_iter()
        .max_by_key(|sep| header_line.matches(*sep).count())
        .unwrap_or(',');
    (separator, quote)
}

fn split_names(text: &str) -> Vec<String> {
    text.split('+')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

fn push_distinct(list: &mut Vec<String>, name: &str) {
    if !name.is_empty() && !list.iter().any(|known| known == name) {
        list.push(name.to_string());
    }
}

/// Reads FET's `*_timetable.csv`. Rows of one activity on one day make one lesson, hours in
/// the order of the rows.
pub fn parse_timetable_csv(text: &str) -> Result<FetImport, FetError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(FetError::TooLarge {
            bytes: text.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or(FetError::CsvEmpty)?;
    let (separator, quote) = dialect(header_line);
    let mut rows = records(text, separator, quote)?.into_iter();
    let (_, header) = rows.next().ok_or(FetError::CsvEmpty)?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| FetError::CsvMissingColumn {
                column: name.to_string(),
            })
    };
    let columns = [
        column(ACTIVITY_ID)?,
        column(DAY)?,
        column(HOUR)?,
        column(STUDENTS)?,
        column(SUBJECT)?,
        column(TEACHERS)?,
        column(ROOM)?,
    ];
    let [
        id_at,
        day_at,
        hour_at,
        students_at,
        subject_at,
        teachers_at,
        room_at,
    ] = columns;

    let mut import = FetImport::default();
    let mut lesson_of_activity: HashMap<u32, usize> = HashMap::new();
    for (line, fields) in rows {
        let get = |index: usize| {
            fields
                .get(index)
                .map(|f| f.trim())
                .ok_or(FetError::CsvMalformedRow { line })
        };
        let id_text = get(id_at)?;
        let id: u32 = id_text.parse().map_err(|_| FetError::InvalidNumber {
            field: ACTIVITY_ID.to_string(),
            value: id_text.to_string(),
            line,
        })?;
        let day = get(day_at)?;
        let hour = get(hour_at)?;
        if day.is_empty() || hour.is_empty() {
            return Err(FetError::CsvMalformedRow { line });
        }
        push_distinct(&mut import.days, day);
        push_distinct(&mut import.hours, hour);
        match lesson_of_activity.get(&id) {
            Some(&index) => {
                let lesson = &mut import.lessons[index];
                if lesson.day != day {
                    return Err(FetError::DuplicateActivity { id });
                }
                lesson.hours.push(hour.to_string());
            }
            None => {
                let lesson = FetLesson {
                    activity_id: id,
                    subject: get(subject_at)?.to_string(),
                    teachers: split_names(get(teachers_at)?),
                    students: split_names(get(students_at)?),
                    day: day.to_string(),
                    hours: vec![hour.to_string()],
                    room: Some(get(room_at)?.to_string()).filter(|r| !r.is_empty()),
                };
                push_distinct(&mut import.subjects, &lesson.subject);
                for teacher in &lesson.teachers {
                    push_distinct(&mut import.teachers, teacher);
                }
                if let Some(room) = &lesson.room {
                    push_distinct(&mut import.rooms, room);
                }
                lesson_of_activity.insert(id, import.lessons.len());
                import.lessons.push(lesson);
            }
        }
    }
    import.activities = import
        .lessons
        .iter()
        .map(|lesson| {
            let duration = u8::try_from(lesson.hours.len()).unwrap_or(u8::MAX);
            FetActivity {
                id: lesson.activity_id,
                teachers: lesson.teachers.clone(),
                subject: lesson.subject.clone(),
                students: lesson.students.clone(),
                duration,
                total_duration: u16::from(duration),
                group_id: 0,
                active: true,
            }
        })
        .collect();
    Ok(import)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_hold_separators_quotes_and_line_breaks() {
        let text = "\"a\",\"b, c\",\"say \"\"hi\"\"\"\n\"1\",\"two\nlines\",\"\"\n";
        let found = records(text, ',', Some('"')).unwrap();
        assert_eq!(
            found[0],
            (1, vec!["a".into(), "b, c".into(), "say \"hi\"".into()])
        );
        assert_eq!(
            found[1],
            (2, vec!["1".into(), "two\nlines".into(), "".into()])
        );
    }

    #[test]
    fn semicolons_and_no_quotes_are_read_too() {
        let text = "Activity Id;Day;Hour;Students Sets;Subject;Teachers;Activity Tags;Room;Comments\r\n\
                    7;Monday;08:00;6A+6B;Chào cờ;An+Bình;;;\r\n";
        let import = parse_timetable_csv(text).unwrap();
        assert_eq!(import.lessons.len(), 1);
        assert_eq!(import.lessons[0].students, ["6A", "6B"]);
        assert_eq!(import.lessons[0].teachers, ["An", "Bình"]);
        assert_eq!(import.lessons[0].room, None);
        assert!(!import.ordered);
    }

    #[test]
    fn an_unclosed_quote_is_refused_with_its_line() {
        let text = "\"Activity Id\",\"Day\"\n\"1\",\"Monday\n";
        assert_eq!(
            records(text, ',', Some('"')),
            Err(FetError::CsvMalformedRow { line: 2 })
        );
    }
}
