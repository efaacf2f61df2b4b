//! FET's XML: the `.fet` data file (with the placed timetable when FET wrote one into it) and
//! the `*_activities.xml` output. Server only: parsing runs in the import's server function.
//!
//! Lists are read in both layouts FET has used: `<Days_List><Day><Name>…` (FET 5.x and later)
//! and `<Days_List><Name>…` (older files); elements FET added later are ignored.

use std::collections::{HashMap, HashSet};

use roxmltree::{Document, Node, ParsingOptions};

use super::{
    FetActivity, FetError, FetGroup, FetImport, FetLesson, FetPlacement, FetYear, MAX_INPUT_BYTES,
};

/// Bounds memory on hostile input; a large school's file has some 100,000 nodes.
const NODES_LIMIT: u32 = 5_000_000;

fn document(text: &str) -> Result<Document<'_>, FetError> {
    if text.len() > MAX_INPUT_BYTES {
        return Err(FetError::TooLarge {
            bytes: text.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    let options = ParsingOptions {
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|error| FetError::NotXml {
        line: error.pos().row,
        column: error.pos().col,
        detail: error.to_string(),
    })
}

fn expect_root<'a, 'input>(
    document: &'a Document<'input>,
    expected: &str,
) -> Result<Node<'a, 'input>, FetError> {
    let root = document.root_element();
    if root.tag_name().name() == expected {
        Ok(root)
    } else {
        Err(FetError::NotFet {
            root: root.tag_name().name().to_string(),
            expected: expected.to_string(),
        })
    }
}

fn line_of(node: Node<'_, '_>) -> u32 {
    node.document().text_pos_at(node.range().start).row
}

fn elements<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children()
        .filter(move |child| child.is_element() && child.tag_name().name() == name)
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
}

/// The trimmed text of a child element; `None` when absent.
fn child_text(node: Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name).map(|c| c.text().unwrap_or_default().trim().to_string())
}

fn required_text(node: Node<'_, '_>, name: &str) -> Result<String, FetError> {
    child_text(node, name).ok_or_else(|| FetError::MissingField {
        element: node.tag_name().name().to_string(),
        field: name.to_string(),
        line: line_of(node),
    })
}

fn number<T: std::str::FromStr>(node: Node<'_, '_>, name: &str) -> Result<T, FetError> {
    let text = required_text(node, name)?;
    text.parse().map_err(|_| FetError::InvalidNumber {
        field: name.to_string(),
        value: text.clone(),
        line: child(node, name).map_or_else(|| line_of(node), line_of),
    })
}

fn optional_number<T: std::str::FromStr>(
    node: Node<'_, '_>,
    name: &str,
    default: T,
) -> Result<T, FetError> {
    match child_text(node, name) {
        None => Ok(default),
        Some(text) if text.is_empty() => Ok(default),
        Some(_) => number(node, name),
    }
}

fn flag(node: Node<'_, '_>, name: &str, default: bool) -> bool {
    match child_text(node, name).as_deref() {
        Some("true") | Some("1") => true,
        Some("false") | Some("0") => false,
        _ => default,
    }
}

/// The names of a list such as `<Days_List>`, in either layout.
fn names(root: Node<'_, '_>, list: &str, item: &str) -> Vec<String> {
    let Some(list) = child(root, list) else {
        return Vec::new();
    };
    let nested = elements(list, item).filter_map(|node| child_text(node, "Name"));
    let flat =
        elements(list, "Name").map(|node| node.text().unwrap_or_default().trim().to_string());
    nested.chain(flat).filter(|name| !name.is_empty()).collect()
}

fn years(root: Node<'_, '_>) -> Vec<FetYear> {
    let Some(list) = child(root, "Students_List") else {
        return Vec::new();
    };
    elements(list, "Year")
        .filter_map(|year| {
            Some(FetYear {
                name: child_text(year, "Name")?,
                groups: elements(year, "Group")
                    .filter_map(|group| {
                        Some(FetGroup {
                            name: child_text(group, "Name")?,
                            subgroups: elements(group, "Subgroup")
                                .filter_map(|subgroup| child_text(subgroup, "Name"))
                                .collect(),
                        })
                    })
                    .collect(),
            })
        })
        .collect()
}

fn activities(root: Node<'_, '_>) -> Result<Vec<FetActivity>, FetError> {
    let Some(list) = child(root, "Activities_List") else {
        return Ok(Vec::new());
    };
    let mut seen = HashSet::new();
    let mut found = Vec::new();
    for node in elements(list, "Activity") {
        let id: u32 = number(node, "Id")?;
        if !seen.insert(id) {
            return Err(FetError::DuplicateActivity { id });
        }
        let texts = |name: &str| -> Vec<String> {
            elements(node, name)
                .map(|n| n.text().unwrap_or_default().trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        };
        let duration: u8 = number(node, "Duration")?;
        found.push(FetActivity {
            id,
            teachers: texts("Teacher"),
            subject: required_text(node, "Subject")?,
            students: texts("Students"),
            duration,
            total_duration: optional_number(node, "Total_Duration", u16::from(duration))?,
            group_id: optional_number(node, "Activity_Group_Id", 0)?,
            active: flag(node, "Active", true),
        });
    }
    Ok(found)
}

/// Whether a constraint binds: active and of weight 100.
fn binding(node: Node<'_, '_>) -> bool {
    let weight = child_text(node, "Weight_Percentage").unwrap_or_else(|| "100".into());
    flag(node, "Active", true) && weight.parse::<f64>().is_ok_and(|w| w >= 100.0)
}

/// Placements written as constraints: a preferred starting time of weight 100 per activity,
/// and its preferred room.
fn placements_in_constraints(root: Node<'_, '_>) -> Result<Vec<FetPlacement>, FetError> {
    let mut rooms: HashMap<u32, String> = HashMap::new();
    if let Some(list) = child(root, "Space_Constraints_List") {
        for node in elements(list, "ConstraintActivityPreferredRoom").filter(|n| binding(*n)) {
            let room = required_text(node, "Room")?;
            rooms.insert(number(node, "Activity_Id")?, room);
        }
    }
    let mut placements = Vec::new();
    if let Some(list) = child(root, "Time_Constraints_List") {
        for node in
            elements(list, "ConstraintActivityPreferredStartingTime").filter(|n| binding(*n))
        {
            let activity_id = number(node, "Activity_Id")?;
            placements.push(FetPlacement {
                activity_id,
                day: required_text(node, "Preferred_Day")?,
                hour: required_text(node, "Preferred_Hour")?,
                room: rooms.get(&activity_id).cloned(),
                locked: flag(node, "Permanently_Locked", false),
            });
        }
    }
    Ok(placements)
}

/// Reads a `.fet` file: its lists, its activities and, when it holds one, the placed timetable.
pub fn parse_fet(text: &str) -> Result<FetImport, FetError> {
    let document = document(text)?;
    let root = expect_root(&document, "fet")?;
    let placements = placements_in_constraints(root)?;
    read_fet(root, placements)
}

/// Reads a `.fet` data file with the `*_activities.xml` FET wrote for it; the placements come
/// from the latter only.
pub fn parse_fet_with_activities(fet: &str, activities_xml: &str) -> Result<FetImport, FetError> {
    let document = document(fet)?;
    let root = expect_root(&document, "fet")?;
    read_fet(root, parse_activities_xml(activities_xml)?)
}

/// Reads FET's `*_activities.xml`: where each activity was placed.
pub fn parse_activities_xml(text: &str) -> Result<Vec<FetPlacement>, FetError> {
    let document = document(text)?;
    let root = expect_root(&document, "Activities_Timetable")?;
    elements(root, "Activity")
        .map(|node| {
            Ok(FetPlacement {
                activity_id: number(node, "Id")?,
                day: required_text(node, "Day")?,
                hour: required_text(node, "Hour")?,
                room: child_text(node, "Room").filter(|room| !room.is_empty()),
                locked: false,
            })
        })
        .collect()
}

fn read_fet(root: Node<'_, '_>, placements: Vec<FetPlacement>) -> Result<FetImport, FetError> {
    let mut import = FetImport {
        institution: child_text(root, "Institution_Name").filter(|name| !name.is_empty()),
        days: names(root, "Days_List", "Day"),
        hours: names(root, "Hours_List", "Hour"),
        ordered: true,
        subjects: names(root, "Subjects_List", "Subject"),
        teachers: names(root, "Teachers_List", "Teacher"),
        years: years(root),
        rooms: names(root, "Rooms_List", "Room"),
        activities: activities(root)?,
        lessons: Vec::new(),
        unplaced: Vec::new(),
    };
    let by_id: HashMap<u32, &FetActivity> = import.activities.iter().map(|a| (a.id, a)).collect();
    let mut placed = HashSet::new();
    let mut lessons = Vec::with_capacity(placements.len());
    for placement in placements {
        let activity = by_id
            .get(&placement.activity_id)
            .ok_or(FetError::UnknownActivity {
                id: placement.activity_id,
            })?;
        if !placed.insert(activity.id) {
            return Err(FetError::DuplicateActivity { id: activity.id });
        }
        let out_of_range = || FetError::HourOutOfRange {
            id: activity.id,
            hour: placement.hour.clone(),
        };
        let first = import
            .hours
            .iter()
            .position(|hour| *hour == placement.hour)
            .ok_or_else(out_of_range)?;
        let hours = import
            .hours
            .get(first..first + usize::from(activity.duration.max(1)))
            .ok_or_else(out_of_range)?
            .to_vec();
        lessons.push(FetLesson {
            activity_id: activity.id,
            subject: activity.subject.clone(),
            teachers: activity.teachers.clone(),
            students: activity.students.clone(),
            day: placement.day,
            hours,
            room: placement.room,
        });
    }
    lessons.sort_by_key(|lesson| lesson.activity_id);
    import.unplaced = import
        .activities
        .iter()
        .filter(|a| a.active && !placed.contains(&a.id))
        .map(|a| a.id)
        .collect();
    import.lessons = lessons;
    Ok(import)
}
