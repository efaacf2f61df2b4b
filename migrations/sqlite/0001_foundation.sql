-- Trường Số foundation schema (SQLite). Same numbering and meaning as ../postgres.
-- Conventions: ids are INTEGER PRIMARY KEY; timestamps are Unix seconds (UTC); dates are
-- 'YYYY-MM-DD' text; flags are 0/1 integers; money is whole đồng; personal ID numbers are stored
-- only encrypted (pid_enc) with a keyed hash (pid_hash) for look-up. Every row that belongs to a
-- school carries school_id, and every query is scoped by it.

CREATE TABLE districts (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    province_code TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE schools (
    id          INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    moet_code   TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    address     TEXT,
    phone       TEXT,
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX schools_district ON schools(district_id);

CREATE TABLE school_years (
    id         INTEGER PRIMARY KEY,
    school_id  INTEGER NOT NULL REFERENCES schools(id),
    name       TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    is_current INTEGER NOT NULL DEFAULT 0 CHECK (is_current IN (0, 1)),
    UNIQUE (school_id, name)
);

CREATE TABLE semesters (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    school_year_id INTEGER NOT NULL REFERENCES school_years(id),
    number         INTEGER NOT NULL CHECK (number IN (1, 2)),
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL,
    UNIQUE (school_year_id, number)
);
CREATE INDEX semesters_school ON semesters(school_id);

CREATE TABLE subjects (
    id         INTEGER PRIMARY KEY,
    school_id  INTEGER NOT NULL REFERENCES schools(id),
    code       TEXT NOT NULL,
    name_vi    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    assessment TEXT NOT NULL CHECK (assessment IN ('scored', 'comment')),
    sort_order INTEGER NOT NULL DEFAULT 0,
    UNIQUE (school_id, code)
);

-- Periods per year differ by grade (e.g. Technology 35 in grades 6-7, 52 in 8-9).
CREATE TABLE subject_grades (
    id                  INTEGER PRIMARY KEY,
    school_id           INTEGER NOT NULL REFERENCES schools(id),
    subject_id          INTEGER NOT NULL REFERENCES subjects(id),
    grade               INTEGER NOT NULL CHECK (grade BETWEEN 6 AND 9),
    periods_per_year    INTEGER NOT NULL CHECK (periods_per_year >= 0),
    -- NULL: derived from periods_per_year by the grading rules (2/3/4).
    regular_assessments INTEGER CHECK (regular_assessments BETWEEN 1 AND 9),
    UNIQUE (subject_id, grade)
);
CREATE INDEX subject_grades_school ON subject_grades(school_id);

CREATE TABLE classes (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    school_year_id INTEGER NOT NULL REFERENCES school_years(id),
    grade          INTEGER NOT NULL CHECK (grade BETWEEN 6 AND 9),
    name           TEXT NOT NULL,
    moet_code      TEXT,
    session        TEXT NOT NULL DEFAULT 'morning' CHECK (session IN ('morning', 'afternoon', 'full_day')),
    UNIQUE (school_id, school_year_id, name)
);
CREATE INDEX classes_year ON classes(school_year_id);

CREATE TABLE students (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    moet_code     TEXT,
    pid_enc       BLOB,
    pid_hash      BLOB,
    family_name   TEXT NOT NULL,
    middle_name   TEXT NOT NULL DEFAULT '',
    given_name    TEXT NOT NULL,
    name_search   TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex           TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    ethnicity     TEXT,
    status        TEXT NOT NULL DEFAULT 'studying'
                  CHECK (status IN ('studying', 'transferred_in', 'transferred_out', 'dropped_out', 'graduated', 'archived')),
    status_since  TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (school_id, moet_code),
    UNIQUE (school_id, pid_hash)
);
CREATE INDEX students_pid_hash ON students(pid_hash);
CREATE INDEX students_search ON students(school_id, name_search);

-- A student's class in a school year; history stays when they move.
CREATE TABLE class_enrollments (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    school_year_id INTEGER NOT NULL REFERENCES school_years(id),
    class_id       INTEGER NOT NULL REFERENCES classes(id),
    student_id     INTEGER NOT NULL REFERENCES students(id),
    enrolled_on    TEXT NOT NULL,
    left_on        TEXT
);
CREATE INDEX class_enrollments_class ON class_enrollments(class_id);
CREATE INDEX class_enrollments_student ON class_enrollments(student_id);

CREATE TABLE staff (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    moet_code     TEXT,
    pid_enc       BLOB,
    pid_hash      BLOB,
    family_name   TEXT NOT NULL,
    middle_name   TEXT NOT NULL DEFAULT '',
    given_name    TEXT NOT NULL,
    name_search   TEXT NOT NULL,
    date_of_birth TEXT,
    sex           TEXT CHECK (sex IN ('M', 'F')),
    phone         TEXT,
    email         TEXT,
    position      TEXT,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'on_leave', 'left')),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (school_id, pid_hash)
);
CREATE INDEX staff_pid_hash ON staff(pid_hash);

CREATE TABLE staff_roles (
    id        INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    staff_id  INTEGER NOT NULL REFERENCES staff(id),
    role      TEXT NOT NULL CHECK (role IN ('school_admin', 'clerk', 'teacher', 'timetabler')),
    UNIQUE (staff_id, role)
);
CREATE INDEX staff_roles_school ON staff_roles(school_id);

-- District administrators belong to the district, not to a school.
CREATE TABLE district_admins (
    id          INTEGER PRIMARY KEY,
    district_id INTEGER NOT NULL REFERENCES districts(id),
    pid_enc     BLOB NOT NULL,
    pid_hash    BLOB NOT NULL,
    full_name   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left')),
    created_at  INTEGER NOT NULL,
    UNIQUE (district_id, pid_hash)
);

-- Who teaches what: kind 'subject' (with subject_id) or 'homeroom' (subject_id NULL).
CREATE TABLE teaching_assignments (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    school_year_id INTEGER NOT NULL REFERENCES school_years(id),
    staff_id       INTEGER NOT NULL REFERENCES staff(id),
    class_id       INTEGER NOT NULL REFERENCES classes(id),
    kind           TEXT NOT NULL CHECK (kind IN ('subject', 'homeroom')),
    subject_id     INTEGER REFERENCES subjects(id),
    CHECK ((kind = 'subject') = (subject_id IS NOT NULL))
);
CREATE UNIQUE INDEX teaching_assignments_subject ON teaching_assignments(class_id, subject_id) WHERE kind = 'subject';
CREATE UNIQUE INDEX teaching_assignments_homeroom ON teaching_assignments(class_id) WHERE kind = 'homeroom';
CREATE INDEX teaching_assignments_staff ON teaching_assignments(staff_id);

-- A guardian is recorded per school (a parent with children in two schools has two records,
-- joined at login through pid_hash).
CREATE TABLE guardians (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    pid_enc       BLOB,
    pid_hash      BLOB,
    family_name   TEXT NOT NULL,
    middle_name   TEXT NOT NULL DEFAULT '',
    given_name    TEXT NOT NULL,
    name_search   TEXT NOT NULL,
    date_of_birth TEXT,
    sex           TEXT CHECK (sex IN ('M', 'F')),
    phone         TEXT,
    email         TEXT,
    occupation    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (school_id, pid_hash)
);
CREATE INDEX guardians_pid_hash ON guardians(pid_hash);

CREATE TABLE guardian_links (
    id              INTEGER PRIMARY KEY,
    school_id       INTEGER NOT NULL REFERENCES schools(id),
    guardian_id     INTEGER NOT NULL REFERENCES guardians(id),
    student_id      INTEGER NOT NULL REFERENCES students(id),
    relation        TEXT NOT NULL CHECK (relation IN ('father', 'mother', 'guardian')),
    status          TEXT NOT NULL DEFAULT 'unverified' CHECK (status IN ('unverified', 'pending', 'verified', 'revoked')),
    verified_method TEXT CHECK (verified_method IN ('vneid', 'desk_card', 'clerk')),
    verified_at     INTEGER,
    verified_by     INTEGER REFERENCES staff(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (guardian_id, student_id)
);
CREATE INDEX guardian_links_student ON guardian_links(student_id);
CREATE INDEX guardian_links_school ON guardian_links(school_id, status);

-- Every read and change of personal data. Append-only: the triggers refuse edits.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    school_id   INTEGER REFERENCES schools(id),
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   INTEGER,
    reason      TEXT,
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_school_at ON audit_log(school_id, at);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
