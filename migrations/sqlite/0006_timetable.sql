-- Timetables (thời khóa biểu), SQLite. Same numbering and meaning as ../postgres.
-- The school week's settings, rooms, weekly counts, teachers' unavailable periods; versions
-- (drafts, then published from a date) with their lessons; the batches of edits each device sent
-- (applied once); teachers' absences and the day's substitutions; calendar feeds behind secret
-- URLs; and a minimal in-app inbox of notices (the notifications work will generalise it).
-- Days are 'monday' … 'sunday', sessions 'morning' / 'afternoon', periods count from 1.

-- Per school: the week (days, sessions, period times) and the soft-rule thresholds, as the JSON of
-- the rules' SchoolWeek and TimetableSettings (missing fields take their defaults), and the
-- number of weeks of each semester (curriculum periods per year → periods per week).
CREATE TABLE timetable_settings (
    school_id             INTEGER PRIMARY KEY REFERENCES schools(id),
    week                  TEXT NOT NULL,
    rules                 TEXT NOT NULL,
    first_semester_weeks  INTEGER NOT NULL DEFAULT 18 CHECK (first_semester_weeks BETWEEN 1 AND 30),
    second_semester_weeks INTEGER NOT NULL DEFAULT 17 CHECK (second_semester_weeks BETWEEN 1 AND 30),
    updated_at            INTEGER NOT NULL
);

-- Rooms that are booked (labs, computer room, gym); ordinary classrooms are not listed.
CREATE TABLE rooms (
    id        INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    name      TEXT NOT NULL,
    UNIQUE (school_id, name)
);

-- A class × subject's weekly count where it differs from the curriculum default (NULL: default),
-- the double periods wanted, and the room the subject needs.
CREATE TABLE timetable_requirements (
    id              INTEGER PRIMARY KEY,
    school_id       INTEGER NOT NULL REFERENCES schools(id),
    class_id        INTEGER NOT NULL REFERENCES classes(id),
    subject_id      INTEGER NOT NULL REFERENCES subjects(id),
    first_semester  INTEGER CHECK (first_semester BETWEEN 0 AND 20),
    second_semester INTEGER CHECK (second_semester BETWEEN 0 AND 20),
    double_periods  INTEGER NOT NULL DEFAULT 0 CHECK (double_periods BETWEEN 0 AND 10),
    room_id         INTEGER REFERENCES rooms(id),
    UNIQUE (class_id, subject_id)
);
CREATE INDEX timetable_requirements_school ON timetable_requirements(school_id);

-- When a teacher cannot teach: a whole day (session NULL), a session (period NULL) or a period.
CREATE TABLE teacher_unavailability (
    id        INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id),
    staff_id  INTEGER NOT NULL REFERENCES staff(id),
    day       TEXT NOT NULL CHECK (day IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')),
    session   TEXT CHECK (session IN ('morning', 'afternoon')),
    period    INTEGER CHECK (period BETWEEN 1 AND 12),
    CHECK (period IS NULL OR session IS NOT NULL)
);
CREATE INDEX teacher_unavailability_school ON teacher_unavailability(school_id, staff_id);

-- A timetable: a draft being edited (revision counts its changes), or a published version in
-- force from effective_from until the next one. Published versions are never edited again.
CREATE TABLE timetables (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    school_year_id INTEGER NOT NULL REFERENCES school_years(id),
    semester       INTEGER NOT NULL CHECK (semester IN (1, 2)),
    name           TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    revision       INTEGER NOT NULL DEFAULT 0,
    source         TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'copy', 'fet', 'demo')),
    based_on       INTEGER REFERENCES timetables(id),
    effective_from TEXT,
    version_no     INTEGER,
    created_by     INTEGER REFERENCES staff(id),
    created_at     INTEGER NOT NULL,
    published_by   INTEGER REFERENCES staff(id),
    published_at   INTEGER,
    CHECK ((status = 'published') = (effective_from IS NOT NULL AND version_no IS NOT NULL)),
    UNIQUE (school_id, version_no)
);
CREATE INDEX timetables_school ON timetables(school_id, status, effective_from);

-- The lessons of a timetable. changed_rev: the draft revision that last changed the lesson, so an
-- edit based on an older revision that touches it is refused instead of overwriting.
CREATE TABLE timetable_lessons (
    id           INTEGER PRIMARY KEY,
    school_id    INTEGER NOT NULL REFERENCES schools(id),
    timetable_id INTEGER NOT NULL REFERENCES timetables(id),
    class_id     INTEGER NOT NULL REFERENCES classes(id),
    subject_id   INTEGER NOT NULL REFERENCES subjects(id),
    staff_id     INTEGER NOT NULL REFERENCES staff(id),
    room_id      INTEGER REFERENCES rooms(id),
    day          TEXT NOT NULL CHECK (day IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')),
    session      TEXT NOT NULL CHECK (session IN ('morning', 'afternoon')),
    period       INTEGER NOT NULL CHECK (period BETWEEN 1 AND 12),
    length       INTEGER NOT NULL DEFAULT 1 CHECK (length IN (1, 2)),
    changed_rev  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX timetable_lessons_timetable ON timetable_lessons(timetable_id);
CREATE INDEX timetable_lessons_staff ON timetable_lessons(staff_id);

-- Each batch of edits a device sent, under the id the device gave it: a batch sent again (lost
-- answer, reconnection) is answered from here and never applied twice.
CREATE TABLE timetable_edit_batches (
    id           INTEGER PRIMARY KEY,
    school_id    INTEGER NOT NULL REFERENCES schools(id),
    timetable_id INTEGER NOT NULL REFERENCES timetables(id),
    client_batch TEXT NOT NULL,
    staff_id     INTEGER REFERENCES staff(id),
    revision     INTEGER NOT NULL,
    outcome      TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (timetable_id, client_batch)
);

-- A teacher absent on a date; their lessons that day get substitutions.
CREATE TABLE teacher_absences (
    id         INTEGER PRIMARY KEY,
    school_id  INTEGER NOT NULL REFERENCES schools(id),
    staff_id   INTEGER NOT NULL REFERENCES staff(id),
    date       TEXT NOT NULL,
    created_by INTEGER REFERENCES staff(id),
    created_at INTEGER NOT NULL,
    UNIQUE (staff_id, date)
);
CREATE INDEX teacher_absences_school ON teacher_absences(school_id, date);

-- One lesson of a published timetable on one date: taught by a substitute (dạy thay), or not held
-- (substitute NULL). Families and teachers see it once the day's changes are published.
CREATE TABLE substitutions (
    id                  INTEGER PRIMARY KEY,
    school_id           INTEGER NOT NULL REFERENCES schools(id),
    date                TEXT NOT NULL,
    lesson_id           INTEGER NOT NULL REFERENCES timetable_lessons(id),
    absent_staff_id     INTEGER NOT NULL REFERENCES staff(id),
    substitute_staff_id INTEGER REFERENCES staff(id),
    created_by          INTEGER REFERENCES staff(id),
    created_at          INTEGER NOT NULL,
    published_at        INTEGER,
    UNIQUE (lesson_id, date)
);
CREATE INDEX substitutions_school_date ON substitutions(school_id, date);

-- iCalendar feeds: the URL holds the feed id and a random secret; only the secret's SHA-256 is
-- kept. The persona that made it is checked again on every fetch; revoked feeds answer 404.
CREATE TABLE timetable_feeds (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    kind           TEXT NOT NULL CHECK (kind IN ('class', 'teacher')),
    target_id      INTEGER NOT NULL,
    secret_hash    BLOB NOT NULL,
    account_id     INTEGER NOT NULL REFERENCES accounts(id),
    persona_kind   TEXT NOT NULL CHECK (persona_kind IN ('district_admin', 'staff', 'guardian', 'student')),
    persona_school INTEGER REFERENCES schools(id),
    persona_record INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    last_used_at   INTEGER
);
CREATE INDEX timetable_feeds_account ON timetable_feeds(account_id);

-- In-app notices to one person (a staff member, a guardian or a student record).
CREATE TABLE notices (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('staff', 'guardian', 'student')),
    recipient_id   INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '{}',
    link           TEXT,
    created_at     INTEGER NOT NULL,
    read_at        INTEGER
);
CREATE INDEX notices_recipient ON notices(recipient_kind, recipient_id, created_at);
