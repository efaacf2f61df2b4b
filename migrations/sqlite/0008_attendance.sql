-- Attendance, leave requests and notifications (inbox, Web Push).

-- A roll call taken: who took it and when. Students not marked in it were present.
CREATE TABLE roll_calls (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    class_id    INTEGER NOT NULL REFERENCES classes(id),
    day         TEXT NOT NULL,
    -- 0 for the morning roll call of the whole day; a period number for one lesson.
    period      INTEGER NOT NULL DEFAULT 0,
    taken_by    INTEGER NOT NULL REFERENCES staff(id),
    taken_at    INTEGER NOT NULL,
    UNIQUE (class_id, day, period)
);
CREATE INDEX roll_calls_school_day ON roll_calls(school_id, day);

-- The marks of a roll call (absent, excused, late); the last one for a student wins.
-- `client_id` is made on the device so a mark sent twice (offline, then again) counts once.
CREATE TABLE attendance_marks (
    id           INTEGER PRIMARY KEY,
    school_id    INTEGER NOT NULL REFERENCES schools(id),
    roll_call_id INTEGER NOT NULL REFERENCES roll_calls(id),
    student_id   INTEGER NOT NULL REFERENCES students(id),
    status       TEXT NOT NULL CHECK (status IN ('present', 'absent_excused', 'absent_unexcused', 'late')),
    marked_by    INTEGER NOT NULL REFERENCES staff(id),
    client_id    TEXT NOT NULL,
    marked_at    INTEGER NOT NULL,
    UNIQUE (school_id, client_id)
);
CREATE INDEX attendance_marks_student ON attendance_marks(student_id, roll_call_id);

CREATE TABLE leave_requests (
    id           INTEGER PRIMARY KEY,
    school_id    INTEGER NOT NULL REFERENCES schools(id),
    student_id   INTEGER NOT NULL REFERENCES students(id),
    guardian_id  INTEGER NOT NULL REFERENCES guardians(id),
    from_day     TEXT NOT NULL,
    to_day       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined')),
    answer       TEXT,
    decided_by   INTEGER REFERENCES staff(id),
    decided_at   INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX leave_requests_student ON leave_requests(school_id, student_id);

-- Every user's inbox: messages to a record (a guardian, a staff member, a student) of a school,
-- read by whoever logs in as that record. Texts in both languages; never a personal ID number.
CREATE TABLE inbox_messages (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    recipient_kind TEXT NOT NULL CHECK (recipient_kind IN ('guardian', 'staff', 'student')),
    recipient_id   INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    student_id     INTEGER REFERENCES students(id),
    title_vi       TEXT NOT NULL,
    title_en       TEXT NOT NULL,
    body_vi        TEXT NOT NULL,
    body_en        TEXT NOT NULL,
    link           TEXT,
    created_at     INTEGER NOT NULL,
    read_at        INTEGER
);
CREATE INDEX inbox_messages_recipient ON inbox_messages(school_id, recipient_kind, recipient_id, created_at);

-- A browser's push subscription (RFC 8030), owned by the account that registered it.
CREATE TABLE push_subscriptions (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    endpoint    TEXT NOT NULL UNIQUE,
    p256dh      TEXT NOT NULL,
    auth        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions(account_id);

-- Which kinds of message a guardian wants pushed, per child (absent row: the default, on).
CREATE TABLE notification_preferences (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    guardian_id INTEGER NOT NULL REFERENCES guardians(id),
    student_id  INTEGER NOT NULL REFERENCES students(id),
    kind        TEXT NOT NULL,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    UNIQUE (guardian_id, student_id, kind)
);

-- Pushes waiting to be sent by the background job, with their retries. The inbox message stays
-- whatever happens here.
CREATE TABLE push_jobs (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL REFERENCES inbox_messages(id),
    subscription_id INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'gone')),
    last_error      TEXT
);
CREATE INDEX push_jobs_due ON push_jobs(status, next_attempt_at);
