//! The FET import as the server runs it: read the file (a `.fet` with its placed timetable, or
//! FET's `*_timetable.csv` export), propose or take a reviewed name mapping, and convert the
//! placed lessons into a timetable the conflict rules check like any other.

use super::fet::{self, FetError, FetImport, ImportedTimetable, NameMapping};
use super::rules::{self, School, Semester, TimetableSettings};
use super::views::{FetProblem, ImportPreview, MappingOptions};
use crate::i18n::Lang;

/// A `.fet` file (XML) or the CSV export, told apart by their first character.
pub fn parse(content: &str) -> Result<FetImport, FetError> {
    let text = content.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') {
        fet::parse_fet(content)
    } else {
        fet::parse_timetable_csv(content)
    }
}

fn problem(error: &FetError) -> FetProblem {
    FetProblem {
        code: error.code().to_string(),
        message_vi: error.message(Lang::Vi),
        message_en: error.message(Lang::En),
    }
}

/// What the file holds and how its names map; nothing is saved.
pub fn preview(
    content: &str,
    school: &School,
    settings: &TimetableSettings,
    reviewed: Option<NameMapping>,
    semester: Semester,
) -> ImportPreview {
    let options = MappingOptions {
        teachers: school
            .teachers
            .iter()
            .map(|t| (t.id, t.name.clone()))
            .collect(),
        classes: school
            .classes
            .iter()
            .map(|c| (c.id, c.name.clone()))
            .collect(),
        subjects: school
            .subjects
            .iter()
            .map(|s| (s.id, s.name.clone()))
            .collect(),
        rooms: school
            .rooms
            .iter()
            .map(|r| (r.id, r.name.clone()))
            .collect(),
    };
    let import = match parse(content) {
        Ok(import) => import,
        Err(error) => {
            return ImportPreview {
                problem: Some(problem(&error)),
                options,
                ..ImportPreview::default()
            };
        }
    };
    let mapping = reviewed.unwrap_or_else(|| fet::match_names(&import, school));
    let imported = fet::to_timetable(&import, &mapping, school, semester, 1);
    let conflicts = rules::check(school, settings, &imported.timetable).unwrap_or_default();
    let hard_conflicts = conflicts.iter().filter(|c| c.is_hard()).count();
    ImportPreview {
        problem: None,
        institution: import.institution.clone(),
        activities: import.activities.len(),
        placed: import.lessons.len(),
        unmatched: mapping.unmatched(),
        mapping,
        issues: imported.issues,
        lesson_count: imported.timetable.lessons.len(),
        hard_conflicts,
        soft_conflicts: conflicts.len() - hard_conflicts,
        options,
    }
}

/// The lessons to import with a reviewed mapping, or why the file cannot be read.
pub fn convert(
    content: &str,
    school: &School,
    mapping: &NameMapping,
    semester: Semester,
) -> Result<ImportedTimetable, FetError> {
    let import = parse(content)?;
    Ok(fet::to_timetable(&import, mapping, school, semester, 1))
}
