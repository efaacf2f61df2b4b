-- Desk verification (SQLite): bridges paired with a school, their one-time pairing codes, the
-- single-use challenges a clerk's session asks for, verified chip ID cards, the QR hand-off to
-- the parent's phone, the clerk's review queue, the guardian-visible history of each link, and
-- staff whose identity was checked at the desk. Same numbering and meaning as ../postgres.

-- A pcsc-bridge daemon at a desk: its own Ed25519 key, registered with a pairing code.
CREATE TABLE desk_bridges (
    id           INTEGER PRIMARY KEY,
    school_id    INTEGER NOT NULL REFERENCES schools(id),
    -- The identifier the bridge puts in every signed result ("br_…", random).
    bridge_key   TEXT NOT NULL UNIQUE,
    public_key   BLOB NOT NULL,
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    paired_at    INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    revoked_by   INTEGER REFERENCES staff(id)
);
CREATE INDEX desk_bridges_school ON desk_bridges(school_id);

-- One-time codes a school admin shows to pair a bridge; only their SHA-256 is kept.
CREATE TABLE desk_pairing_codes (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    code_hash   BLOB NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES staff(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    bridge_id   INTEGER REFERENCES desk_bridges(id)
);
CREATE INDEX desk_pairing_codes_school ON desk_pairing_codes(school_id);

-- A challenge the clerk's session asked for; the bridge signs it with the card's data.
CREATE TABLE desk_challenges (
    id         INTEGER PRIMARY KEY,
    school_id  INTEGER NOT NULL REFERENCES schools(id),
    challenge  TEXT NOT NULL UNIQUE,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    staff_id   INTEGER NOT NULL REFERENCES staff(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX desk_challenges_school ON desk_challenges(school_id, created_at);

-- A chip ID card read and verified at a desk. Only what linkage needs: the ID number encrypted
-- (with its keyed hash), name, date of birth, parents' names, which checks passed, the bridge,
-- the clerk and the time. Never the MRZ (the chip's access keys); the face image only when the
-- school keeps it (encrypted).
CREATE TABLE desk_verifications (
    id              INTEGER PRIMARY KEY,
    school_id       INTEGER NOT NULL REFERENCES schools(id),
    bridge_id       INTEGER NOT NULL REFERENCES desk_bridges(id),
    clerk_id        INTEGER NOT NULL REFERENCES staff(id),
    challenge_id    INTEGER NOT NULL UNIQUE REFERENCES desk_challenges(id),
    holder_pid_enc  BLOB NOT NULL,
    holder_pid_hash BLOB NOT NULL,
    full_name       TEXT NOT NULL,
    date_of_birth   TEXT,
    father_name     TEXT,
    mother_name     TEXT,
    checks          TEXT NOT NULL,
    face_image_enc  BLOB,
    read_at         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    claimed_at      INTEGER,
    claimed_by      INTEGER REFERENCES accounts(id),
    outcome         TEXT CHECK (outcome IN ('verified', 'review', 'nothing'))
);
CREATE INDEX desk_verifications_school ON desk_verifications(school_id, created_at);
CREATE INDEX desk_verifications_holder ON desk_verifications(holder_pid_hash);

-- The QR code's one-time link: random (256 bits), only its SHA-256 kept, short-lived.
CREATE TABLE desk_handoffs (
    id              INTEGER PRIMARY KEY,
    school_id       INTEGER NOT NULL REFERENCES schools(id),
    verification_id INTEGER NOT NULL REFERENCES desk_verifications(id),
    token_hash      BLOB NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    claimed_at      INTEGER,
    claimed_by      INTEGER REFERENCES accounts(id)
);
CREATE INDEX desk_handoffs_verification ON desk_handoffs(verification_id);

-- What the linkage rules could not decide: a clerk approves or rejects.
CREATE TABLE verification_reviews (
    id                INTEGER PRIMARY KEY,
    school_id         INTEGER NOT NULL REFERENCES schools(id),
    verification_id   INTEGER NOT NULL REFERENCES desk_verifications(id),
    account_id        INTEGER REFERENCES accounts(id),
    guardian_id       INTEGER REFERENCES guardians(id),
    student_id        INTEGER REFERENCES students(id),
    staff_id          INTEGER REFERENCES staff(id),
    link_id           INTEGER REFERENCES guardian_links(id),
    proposed_relation TEXT CHECK (proposed_relation IN ('father', 'mother', 'guardian')),
    reason            TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected')),
    created_at        INTEGER NOT NULL,
    resolved_at       INTEGER,
    resolved_by       INTEGER REFERENCES staff(id),
    note              TEXT
);
CREATE INDEX verification_reviews_school ON verification_reviews(school_id, status);

-- Every change of a guardian link, as the guardian sees it (the audit log has it too).
CREATE TABLE guardian_link_events (
    id              INTEGER PRIMARY KEY,
    school_id       INTEGER NOT NULL REFERENCES schools(id),
    link_id         INTEGER NOT NULL REFERENCES guardian_links(id),
    at              INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('unverified', 'pending', 'verified', 'revoked')),
    method          TEXT CHECK (method IN ('vneid', 'desk_card', 'clerk')),
    staff_id        INTEGER REFERENCES staff(id),
    verification_id INTEGER REFERENCES desk_verifications(id),
    note            TEXT
);
CREATE INDEX guardian_link_events_link ON guardian_link_events(link_id, at);

-- Staff whose own chip ID card was verified at the desk (the progress dashboard counts them).
CREATE TABLE staff_verifications (
    id              INTEGER PRIMARY KEY,
    school_id       INTEGER NOT NULL REFERENCES schools(id),
    staff_id        INTEGER NOT NULL UNIQUE REFERENCES staff(id),
    method          TEXT NOT NULL CHECK (method IN ('desk_card', 'clerk')),
    verification_id INTEGER REFERENCES desk_verifications(id),
    verified_by     INTEGER REFERENCES staff(id),
    verified_at     INTEGER NOT NULL
);
CREATE INDEX staff_verifications_school ON staff_verifications(school_id, verified_at);

-- Whether the desk reads, shows and keeps the card's face image (DG2). Off by default.
ALTER TABLE schools ADD COLUMN desk_face_image INTEGER NOT NULL DEFAULT 0 CHECK (desk_face_image IN (0, 1));
-- The desk verification a link was verified with, when it was.
ALTER TABLE guardian_links ADD COLUMN verification_id INTEGER REFERENCES desk_verifications(id);
