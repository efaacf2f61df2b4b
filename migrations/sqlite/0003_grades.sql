-- Grades under Circular 22/2021/TT-BGDĐT (SQLite). Same numbering and meaning as ../postgres.
-- Scores are exact: integer tenths (7.5 is 75). A score's history is append-only.

-- A school's grading settings (the rules' GradingSettings as JSON; missing fields take the
-- reference's defaults).
CREATE TABLE grading_settings (
    school_id  INTEGER PRIMARY KEY REFERENCES schools(id),
    settings   TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES staff(id)
);

-- The entry window of a semester, opened and locked by the school admin. No row: not opened yet.
CREATE TABLE grade_windows (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    semester_id INTEGER NOT NULL UNIQUE REFERENCES semesters(id),
    status      TEXT NOT NULL CHECK (status IN ('open', 'locked')),
    changed_at  INTEGER NOT NULL,
    changed_by  INTEGER REFERENCES staff(id)
);
CREATE INDEX grade_windows_school ON grade_windows(school_id);

-- One cell of a score sheet: a score (scored subjects) or Đạt / Chưa đạt with a comment
-- (comment-only subjects). `version` grows with every change; a write names the version it saw.
CREATE TABLE scores (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    student_id     INTEGER NOT NULL REFERENCES students(id),
    subject_id     INTEGER NOT NULL REFERENCES subjects(id),
    semester_id    INTEGER NOT NULL REFERENCES semesters(id),
    column_key     TEXT NOT NULL CHECK (column_key IN ('tx1', 'tx2', 'tx3', 'tx4', 'tx5', 'tx6', 'tx7', 'tx8', 'tx9', 'gk', 'ck', 'nx')),
    value_tenths   INTEGER CHECK (value_tenths BETWEEN 0 AND 100),
    comment_result TEXT CHECK (comment_result IN ('pass', 'not_yet')),
    comment        TEXT,
    version        INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    updated_by     INTEGER REFERENCES staff(id),
    UNIQUE (semester_id, subject_id, student_id, column_key)
);
CREATE INDEX scores_sheet ON scores(school_id, semester_id, subject_id);
CREATE INDEX scores_student ON scores(student_id);

-- Every change of a score: who, when, old → new, why. `client_id` is the id the teacher's device
-- gave the edit, so a resent edit is applied once. Append-only: the triggers refuse edits.
CREATE TABLE score_history (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    score_id      INTEGER NOT NULL REFERENCES scores(id),
    student_id    INTEGER NOT NULL REFERENCES students(id),
    subject_id    INTEGER NOT NULL REFERENCES subjects(id),
    semester_id   INTEGER NOT NULL REFERENCES semesters(id),
    column_key    TEXT NOT NULL,
    old_value     TEXT,
    new_value     TEXT,
    old_comment   TEXT,
    new_comment   TEXT,
    changed_by    INTEGER REFERENCES staff(id),
    changed_at    INTEGER NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('sheet', 'import', 'correction')),
    reason        TEXT,
    correction_id INTEGER,
    client_id     TEXT
);
CREATE INDEX score_history_score ON score_history(score_id);
CREATE UNIQUE INDEX score_history_client ON score_history(school_id, client_id);

CREATE TRIGGER score_history_no_update BEFORE UPDATE ON score_history
BEGIN
    SELECT RAISE(ABORT, 'score_history is append-only');
END;

CREATE TRIGGER score_history_no_delete BEFORE DELETE ON score_history
BEGIN
    SELECT RAISE(ABORT, 'score_history is append-only');
END;

-- A column the teacher released to parents and students (per class, subject and semester).
CREATE TABLE score_releases (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    class_id    INTEGER NOT NULL REFERENCES classes(id),
    subject_id  INTEGER NOT NULL REFERENCES subjects(id),
    semester_id INTEGER NOT NULL REFERENCES semesters(id),
    column_key  TEXT NOT NULL,
    released_at INTEGER NOT NULL,
    released_by INTEGER REFERENCES staff(id),
    UNIQUE (class_id, subject_id, semester_id, column_key)
);
CREATE INDEX score_releases_school ON score_releases(school_id);

-- A change asked for after the semester was locked: applied only when the school admin approves.
CREATE TABLE score_corrections (
    id           INTEGER PRIMARY KEY,
    school_id    INTEGER NOT NULL REFERENCES schools(id),
    class_id     INTEGER NOT NULL REFERENCES classes(id),
    student_id   INTEGER NOT NULL REFERENCES students(id),
    subject_id   INTEGER NOT NULL REFERENCES subjects(id),
    semester_id  INTEGER NOT NULL REFERENCES semesters(id),
    column_key   TEXT NOT NULL,
    old_value    TEXT,
    new_value    TEXT,
    new_comment  TEXT,
    reason       TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES staff(id),
    requested_at INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_by   INTEGER REFERENCES staff(id),
    decided_at   INTEGER
);
CREATE INDEX score_corrections_school ON score_corrections(school_id, status);

-- Conduct (rèn luyện) per semester, given by the homeroom teacher.
CREATE TABLE conduct (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    student_id  INTEGER NOT NULL REFERENCES students(id),
    semester_id INTEGER NOT NULL REFERENCES semesters(id),
    level       TEXT NOT NULL CHECK (level IN ('good', 'fair', 'pass', 'not_yet')),
    updated_at  INTEGER NOT NULL,
    updated_by  INTEGER REFERENCES staff(id),
    UNIQUE (semester_id, student_id)
);
CREATE INDEX conduct_school ON conduct(school_id);

-- STAND-IN for attendance: days absent in the year, typed by the homeroom teacher. Promotion reads
-- it through grades::store::absences; the attendance feature replaces that function and this table.
CREATE TABLE absences_manual (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    student_id     INTEGER NOT NULL REFERENCES students(id),
    school_year_id INTEGER NOT NULL REFERENCES school_years(id),
    days           INTEGER NOT NULL CHECK (days >= 0),
    updated_at     INTEGER NOT NULL,
    updated_by     INTEGER REFERENCES staff(id),
    UNIQUE (school_year_id, student_id)
);
CREATE INDEX absences_manual_school ON absences_manual(school_id);

-- What happened in the summer: conduct after re-training, re-test results (JSON list of
-- {"subject_id": …, "result": {"scored": "6.5"} | {"comment": "pass"}}).
CREATE TABLE summer_results (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    student_id     INTEGER NOT NULL REFERENCES students(id),
    school_year_id INTEGER NOT NULL REFERENCES school_years(id),
    retraining     TEXT CHECK (retraining IN ('good', 'fair', 'pass', 'not_yet')),
    retest         TEXT,
    updated_at     INTEGER NOT NULL,
    updated_by     INTEGER REFERENCES staff(id),
    UNIQUE (school_year_id, student_id)
);

-- When a parent or student last looked at a child's grades, to mark what is new since.
CREATE TABLE grade_visits (
    id           INTEGER PRIMARY KEY,
    school_id    INTEGER NOT NULL REFERENCES schools(id),
    viewer_kind  TEXT NOT NULL CHECK (viewer_kind IN ('guardian', 'student')),
    viewer_id    INTEGER NOT NULL,
    student_id   INTEGER NOT NULL REFERENCES students(id),
    last_seen_at INTEGER NOT NULL,
    UNIQUE (viewer_kind, viewer_id, student_id)
);
