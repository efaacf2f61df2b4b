-- Records: life events and the archive, the police's confirmation of identity data, each family's
-- consents and correction requests, and retention (personal data of leavers erased after a while).

-- When a record left active life (left school, graduated, moved to another school) and when the
-- retention job erased its personal data (the row stays as a tombstone so history keeps its keys).
ALTER TABLE students ADD COLUMN archived_at INTEGER;
ALTER TABLE students ADD COLUMN erased_at INTEGER;
-- A move between schools of the district: the new school's record points to the old one.
ALTER TABLE students ADD COLUMN transferred_from INTEGER REFERENCES students(id);
-- The police's last answer about this student's identity data: confirmed, corrected, not_found.
ALTER TABLE students ADD COLUMN police_status TEXT CHECK (police_status IN ('confirmed', 'corrected', 'not_found'));
ALTER TABLE students ADD COLUMN police_checked_at INTEGER;
ALTER TABLE staff ADD COLUMN archived_at INTEGER;
-- Assignments copied into a new school year wait for the school to look at them.
ALTER TABLE teaching_assignments ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0 CHECK (needs_review IN (0, 1));

CREATE INDEX students_archived ON students(archived_at) WHERE archived_at IS NOT NULL AND erased_at IS NULL;

-- One export of the list the commune police confirm: who, why, which rows (also in audit_log).
CREATE TABLE police_exports (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER,
    reason      TEXT NOT NULL,
    student_ids TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX police_exports_school ON police_exports(school_id, created_at);

-- A correction the police returned, waiting for the school to apply or reject it.
-- The corrected ID number is kept only encrypted.
CREATE TABLE police_corrections (
    id                 INTEGER PRIMARY KEY,
    school_id          INTEGER NOT NULL REFERENCES schools(id),
    student_id         INTEGER NOT NULL REFERENCES students(id),
    full_name          TEXT,
    date_of_birth      TEXT,
    sex                TEXT CHECK (sex IN ('M', 'F')),
    pid_enc            BLOB,
    status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'rejected')),
    created_at         INTEGER NOT NULL,
    resolved_at        INTEGER,
    resolved_by        INTEGER REFERENCES staff(id)
);
CREATE INDEX police_corrections_school ON police_corrections(school_id, status);

-- Consent per guardian, child and purpose, with the text shown and when; withdrawing keeps the row.
CREATE TABLE consents (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    guardian_id   INTEGER NOT NULL REFERENCES guardians(id),
    student_id    INTEGER NOT NULL REFERENCES students(id),
    purpose       TEXT NOT NULL,
    text_version  INTEGER NOT NULL,
    text_vi       TEXT NOT NULL,
    text_en       TEXT NOT NULL,
    given_at      INTEGER NOT NULL,
    withdrawn_at  INTEGER
);
CREATE INDEX consents_guardian ON consents(school_id, guardian_id);
CREATE INDEX consents_student ON consents(student_id, purpose);

-- A family asks the school to correct something it holds; it reaches the clerk's queue.
CREATE TABLE correction_requests (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    guardian_id   INTEGER NOT NULL REFERENCES guardians(id),
    student_id    INTEGER REFERENCES students(id),
    field         TEXT NOT NULL,
    requested     TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'rejected')),
    created_at    INTEGER NOT NULL,
    resolved_at   INTEGER,
    resolved_by   INTEGER REFERENCES staff(id)
);
CREATE INDEX correction_requests_school ON correction_requests(school_id, status);
