-- Identity: accounts, server-side sessions, pending OpenID logins, passkeys, WebAuthn ceremonies,
-- login attempts (rate limits) and identity mismatches flagged for the school.

-- A person who can log in: a citizen known by the keyed hash of their personal ID (VNeID), or a
-- student with a school-issued username. District-wide: one account may act in several schools.
CREATE TABLE accounts (
    id                    INTEGER PRIMARY KEY,
    kind                  TEXT NOT NULL CHECK (kind IN ('citizen', 'student')),
    pid_hash              BLOB UNIQUE,
    school_id             INTEGER REFERENCES schools(id),
    student_id            INTEGER UNIQUE REFERENCES students(id),
    username              TEXT UNIQUE,
    password_hash         TEXT,
    activation_code_hash  TEXT,
    activation_expires_at INTEGER,
    display_name          TEXT NOT NULL,
    -- Random, stable, not personal: the WebAuthn user handle.
    user_handle           BLOB NOT NULL UNIQUE,
    assurance_level       INTEGER,
    status                TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at            INTEGER NOT NULL,
    last_login_at         INTEGER,
    CHECK ((kind = 'citizen') = (pid_hash IS NOT NULL)),
    CHECK ((kind = 'student') = (student_id IS NOT NULL AND username IS NOT NULL))
);

-- The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id               INTEGER PRIMARY KEY,
    token_hash       BLOB NOT NULL UNIQUE,
    account_id       INTEGER NOT NULL REFERENCES accounts(id),
    csrf_token       TEXT NOT NULL,
    auth_method      TEXT NOT NULL CHECK (auth_method IN ('vneid', 'passkey', 'password')),
    persona_kind     TEXT CHECK (persona_kind IN ('district_admin', 'staff', 'guardian', 'student')),
    persona_school   INTEGER REFERENCES schools(id),
    persona_record   INTEGER,
    device_label     TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    last_seen_at     INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    revoked_at       INTEGER
);
CREATE INDEX sessions_account ON sessions(account_id);

-- An OpenID Connect login in progress: looked up by the hash of `state`, used once.
CREATE TABLE oidc_logins (
    id            INTEGER PRIMARY KEY,
    state_hash    BLOB NOT NULL UNIQUE,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to     TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
);

CREATE TABLE passkeys (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    credential_id   BLOB NOT NULL UNIQUE,
    -- webauthn_rp's serialised static state (public key, flags) and dynamic state (sign count…).
    static_state    BLOB NOT NULL,
    dynamic_state   BLOB NOT NULL,
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER
);
CREATE INDEX passkeys_account ON passkeys(account_id);

-- Registration and authentication ceremonies between their two steps (shared by all instances).
CREATE TABLE webauthn_ceremonies (
    id          INTEGER PRIMARY KEY,
    challenge   BLOB NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('register', 'authenticate')),
    account_id  INTEGER REFERENCES accounts(id),
    state       BLOB NOT NULL,
    expires_at  INTEGER NOT NULL
);

-- Attempts to log in, for rate limits across server instances. `key_hash` hashes the address
-- or username so no personal data is kept.
CREATE TABLE login_attempts (
    id        INTEGER PRIMARY KEY,
    scope     TEXT NOT NULL,
    key_hash  BLOB NOT NULL,
    at        INTEGER NOT NULL,
    succeeded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_attempts_key ON login_attempts(scope, key_hash, at);

-- A VNeID login matched a record by ID number but the name or date of birth differ.
CREATE TABLE identity_mismatches (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    record_kind   TEXT NOT NULL CHECK (record_kind IN ('staff', 'guardian', 'student')),
    record_id     INTEGER NOT NULL,
    field         TEXT NOT NULL CHECK (field IN ('full_name', 'date_of_birth')),
    school_value  TEXT NOT NULL,
    vneid_value   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    resolved_at   INTEGER,
    UNIQUE (record_kind, record_id, field, vneid_value)
);
CREATE INDEX identity_mismatches_school ON identity_mismatches(school_id, resolved_at);

-- Per-school settings the identity layer reads: whether staff and guardians need a level-2 VNeID
-- account, and whether guardians see children whose link is not verified yet.
ALTER TABLE schools ADD COLUMN require_level2 INTEGER NOT NULL DEFAULT 0 CHECK (require_level2 IN (0, 1));
ALTER TABLE schools ADD COLUMN guardian_access TEXT NOT NULL DEFAULT 'verified' CHECK (guardian_access IN ('verified', 'linked'));
