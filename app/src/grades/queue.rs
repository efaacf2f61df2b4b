//! Edits typed on the teacher's device, kept until the server has them: pure rules, so the
//! browser (which stores them) and the tests share them.
//!
//! Each cell has at most one pending edit. An edit carries the version of the cell the teacher
//! saw and a client id made on the device; the server applies a client id once. Typing again in
//! a cell whose edit is still pending replaces it (same base version) and lists the earlier
//! client id in `replaces`, so the server does not see the teacher's own earlier edit, whose
//! answer may have been lost, as someone else's change.

use serde::{Deserialize, Serialize};

use super::model::{CellEdit, CellKey, CellValue, CellView, EditOutcome, SheetView};

/// How many earlier client ids an edit remembers.
const MAX_REPLACES: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEdit {
    pub key: CellKey,
    /// The teacher who typed it (a shared tablet keeps each teacher's edits apart).
    pub staff_id: i64,
    pub edit: CellEdit,
    pub state: PendingState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PendingState {
    /// Not yet sent, or sent without an answer yet.
    Waiting,
    /// Someone else changed the cell: the teacher chooses.
    Conflict {
        theirs: Option<CellValue>,
        version: i64,
        changed_by: Option<String>,
    },
    /// The server would not take it (closed window, locked semester…).
    Refused {
        error: String,
        suggestion: Option<String>,
    },
}

/// A new value typed into a cell whose version on screen is `seen_version`.
#[allow(clippy::too_many_arguments)]
pub fn queue(
    previous: Option<&PendingEdit>,
    key: CellKey,
    staff_id: i64,
    value: String,
    note: Option<String>,
    seen_version: i64,
    client_id: String,
) -> PendingEdit {
    let (base_version, mut replaces) = match previous {
        None => (seen_version, Vec::new()),
        Some(previous) => {
            let mut replaces = previous.edit.replaces.clone();
            replaces.push(previous.edit.client_id.clone());
            let base = match &previous.state {
                // Typing over a conflict means: mine, over what I was shown.
                PendingState::Conflict { version, .. } => *version,
                _ => previous.edit.base_version,
            };
            (base, replaces)
        }
    };
    if replaces.len() > MAX_REPLACES {
        replaces.drain(..replaces.len() - MAX_REPLACES);
    }
    PendingEdit {
        key,
        staff_id,
        edit: CellEdit {
            client_id,
            student_id: key.student_id,
            column: key.column,
            value,
            note,
            base_version,
            replaces,
        },
        state: PendingState::Waiting,
    }
}

/// What an answer from the server does to a pending edit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Done: forget the pending edit.
    Remove,
    /// Keep it, changed.
    Keep(Box<PendingEdit>),
    /// The answer was about some other edit.
    Ignore,
}

/// The server's answer for an edit, applied to the pending edit of that cell.
pub fn on_outcome(pending: &PendingEdit, outcome: &EditOutcome) -> Effect {
    let mine = outcome.client_id() == pending.edit.client_id;
    let replaced = pending
        .edit
        .replaces
        .iter()
        .any(|id| id == outcome.client_id());
    match outcome {
        EditOutcome::Applied { version, .. } if mine => {
            let _ = version;
            Effect::Remove
        }
        EditOutcome::Applied { version, .. } if replaced => {
            // An earlier edit of mine reached the server: the newer one builds on it.
            let mut next = pending.clone();
            next.edit.base_version = *version;
            next.edit.replaces.retain(|id| id != outcome.client_id());
            Effect::Keep(Box::new(next))
        }
        EditOutcome::Conflict {
            version,
            theirs,
            changed_by,
            ..
        } if mine => {
            let mut next = pending.clone();
            next.state = PendingState::Conflict {
                theirs: theirs.clone(),
                version: *version,
                changed_by: changed_by.clone(),
            };
            Effect::Keep(Box::new(next))
        }
        EditOutcome::Refused {
            error, suggestion, ..
        } if mine => {
            let mut next = pending.clone();
            next.state = PendingState::Refused {
                error: error.clone(),
                suggestion: suggestion.clone(),
            };
            Effect::Keep(Box::new(next))
        }
        _ => Effect::Ignore,
    }
}

/// The teacher keeps their value over the other one: sent again, over the version shown.
pub fn keep_mine(pending: &PendingEdit, client_id: String) -> PendingEdit {
    let mut next = queue(
        Some(pending),
        pending.key,
        pending.staff_id,
        pending.edit.value.clone(),
        pending.edit.note.clone(),
        pending.edit.base_version,
        client_id,
    );
    if let PendingState::Conflict { version, .. } = pending.state {
        next.edit.base_version = version;
    }
    next
}

/// What an answer says the cell now holds on the server, if anything.
pub fn server_cell(key: &CellKey, outcome: &EditOutcome) -> Option<CellView> {
    match outcome {
        EditOutcome::Applied { version, value, .. } => Some(CellView {
            student_id: key.student_id,
            column: key.column,
            value: value.clone(),
            version: *version,
        }),
        EditOutcome::Conflict {
            version, theirs, ..
        } => Some(CellView {
            student_id: key.student_id,
            column: key.column,
            value: theirs.clone(),
            version: *version,
        }),
        EditOutcome::Refused { .. } => None,
    }
}

/// Puts a cell the server reported into the device's copy of the sheet (newer versions only).
pub fn update_sheet(sheet: &mut SheetView, cell: CellView) {
    match sheet
        .cells
        .iter_mut()
        .find(|c| c.student_id == cell.student_id && c.column == cell.column)
    {
        Some(existing) if existing.version <= cell.version => *existing = cell,
        Some(_) => {}
        None => sheet.cells.push(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grades::model::Column;
    use crate::grades::rules::s;

    fn key() -> CellKey {
        CellKey {
            class_id: 1,
            subject_id: 2,
            semester: 1,
            student_id: 3,
            column: Column::Midterm,
        }
    }

    fn applied(client_id: &str, version: i64) -> EditOutcome {
        EditOutcome::Applied {
            client_id: client_id.into(),
            version,
            value: Some(CellValue::Score(s("7"))),
        }
    }

    #[test]
    fn an_edit_is_forgotten_once_the_server_has_it() {
        let edit = queue(None, key(), 9, "7".into(), None, 4, "a".into());
        assert_eq!(edit.edit.base_version, 4);
        assert_eq!(on_outcome(&edit, &applied("a", 5)), Effect::Remove);
        assert_eq!(on_outcome(&edit, &applied("zzz", 5)), Effect::Ignore);
    }

    #[test]
    fn retyping_keeps_the_base_and_builds_on_the_earlier_edit_once_it_lands() {
        let first = queue(None, key(), 9, "7".into(), None, 0, "a".into());
        let second = queue(Some(&first), key(), 9, "8".into(), None, 0, "b".into());
        assert_eq!(second.edit.base_version, 0);
        assert_eq!(second.edit.replaces, ["a"]);
        // The answer to "a" arrives late: "b" now builds on version 1.
        let Effect::Keep(rebased) = on_outcome(&second, &applied("a", 1)) else {
            panic!("kept");
        };
        assert_eq!(rebased.edit.base_version, 1);
        assert!(rebased.edit.replaces.is_empty());
        assert_eq!(on_outcome(&rebased, &applied("b", 2)), Effect::Remove);
    }

    #[test]
    fn a_conflict_waits_for_the_teacher_and_keep_mine_sends_over_theirs() {
        let edit = queue(None, key(), 9, "7".into(), None, 1, "a".into());
        let conflict = EditOutcome::Conflict {
            client_id: "a".into(),
            version: 2,
            theirs: Some(CellValue::Score(s("9"))),
            changed_by: Some("Phan Minh Khoa".into()),
        };
        let Effect::Keep(waiting) = on_outcome(&edit, &conflict) else {
            panic!("kept");
        };
        assert!(matches!(
            waiting.state,
            PendingState::Conflict { version: 2, .. }
        ));
        let mine = keep_mine(&waiting, "b".into());
        assert_eq!(mine.state, PendingState::Waiting);
        assert_eq!(mine.edit.base_version, 2);
        assert_eq!(mine.edit.value, "7");
        assert_eq!(server_cell(&key(), &conflict).map(|c| c.version), Some(2));
    }

    #[test]
    fn the_sheet_copy_only_moves_forward() {
        let mut sheet: SheetView = serde_json::from_value(serde_json::json!({
            "class_id": 1, "class_name": "6A1", "subject_id": 2, "subject_vi": "Toán",
            "subject_en": "Mathematics", "semester": 1, "assessment": "Scored", "planned_regular": 3,
            "columns": [], "students": [], "cells": [], "first_semester": [], "window": "open",
            "can_edit": true, "viewer_staff_id": 9, "settings": {}, "fetched_at": 0
        }))
        .unwrap();
        let cell = |version, score: &str| CellView {
            student_id: 3,
            column: Column::Midterm,
            value: Some(CellValue::Score(s(score))),
            version,
        };
        update_sheet(&mut sheet, cell(2, "8"));
        update_sheet(&mut sheet, cell(1, "5"));
        assert_eq!(sheet.cells, [cell(2, "8")]);
        update_sheet(&mut sheet, cell(3, "9"));
        assert_eq!(sheet.cells, [cell(3, "9")]);
    }
}
