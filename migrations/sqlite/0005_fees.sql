-- Fees (SQLite): collections, notices, reference codes, bank accounts and notifiers, deliveries
-- of bank notifications, bank transactions, the ledger, receipts. Same meaning as ../postgres.
-- The ledger, the deliveries, the bank transactions and receipt cancellations are append-only
-- (triggers refuse UPDATE and DELETE); receipts are never deleted. Money is whole đồng.

-- Accounts that receive fees (a school may have several, at several banks; none is favoured).
CREATE TABLE fee_accounts (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    bank_bin       TEXT NOT NULL CHECK (length(bank_bin) = 6),
    bank_name      TEXT NOT NULL,
    account_number TEXT NOT NULL CHECK (length(account_number) BETWEEN 1 AND 19),
    account_name   TEXT NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     INTEGER NOT NULL,
    UNIQUE (school_id, bank_bin, account_number)
);

-- Services that POST a webhook per bank transaction. One endpoint per row:
-- /webhooks/fees/{id}. The secret is sealed with the server's key, never stored plain.
CREATE TABLE fee_notifiers (
    id         INTEGER PRIMARY KEY,
    school_id  INTEGER NOT NULL REFERENCES schools(id),
    kind       TEXT NOT NULL CHECK (kind IN ('sepay', 'casso')),
    auth       TEXT NOT NULL CHECK (auth IN ('hmac', 'apikey')),
    secret_enc BLOB NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX fee_notifiers_school ON fee_notifiers(school_id);

-- What the school collects in a school year: per student, for the whole school, a grade or a
-- class; once or monthly (months periods from first_due_on).
CREATE TABLE fee_collections (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    school_year_id INTEGER NOT NULL REFERENCES school_years(id),
    name           TEXT NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount >= 0),
    scope          TEXT NOT NULL CHECK (scope IN ('school', 'grade', 'class')),
    grade          INTEGER CHECK (grade BETWEEN 6 AND 9),
    class_id       INTEGER REFERENCES classes(id),
    frequency      TEXT NOT NULL CHECK (frequency IN ('once', 'monthly')),
    months         INTEGER NOT NULL DEFAULT 1 CHECK (months BETWEEN 1 AND 12),
    first_due_on   TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    CHECK ((scope = 'grade') = (grade IS NOT NULL)),
    CHECK ((scope = 'class') = (class_id IS NOT NULL))
);
CREATE INDEX fee_collections_school ON fee_collections(school_id, school_year_id);

-- Reductions and exemptions per student and collection, with a reason, approved by the school admin.
CREATE TABLE fee_reductions (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    collection_id INTEGER NOT NULL REFERENCES fee_collections(id),
    student_id    INTEGER NOT NULL REFERENCES students(id),
    percent       INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 100),
    reason        TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    approved_by   INTEGER NOT NULL REFERENCES staff(id),
    approved_at   INTEGER NOT NULL,
    UNIQUE (collection_id, student_id)
);

-- A payment notice: one student, one collection, one period ('2026-09' or 'once').
CREATE TABLE fee_notices (
    id            INTEGER PRIMARY KEY,
    school_id     INTEGER NOT NULL REFERENCES schools(id),
    collection_id INTEGER NOT NULL REFERENCES fee_collections(id),
    student_id    INTEGER NOT NULL REFERENCES students(id),
    period        TEXT NOT NULL,
    amount_due    INTEGER NOT NULL CHECK (amount_due > 0),
    due_on        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (collection_id, student_id, period)
);
CREATE INDEX fee_notices_student ON fee_notices(school_id, student_id);

-- Reference codes put in the transfer text: one per notice, or one for several paid at once.
-- The code is computed from the id ("TS" + base 32 + a check digit), so it is not stored.
CREATE TABLE fee_refs (
    id         INTEGER PRIMARY KEY,
    school_id  INTEGER NOT NULL REFERENCES schools(id),
    created_at INTEGER NOT NULL
);
CREATE TABLE fee_ref_notices (
    ref_id    INTEGER NOT NULL REFERENCES fee_refs(id),
    notice_id INTEGER NOT NULL REFERENCES fee_notices(id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (ref_id, notice_id)
);

-- Every webhook delivery as received, before anything is done with it. Append-only.
CREATE TABLE fee_deliveries (
    id             INTEGER PRIMARY KEY,
    notifier_id    INTEGER NOT NULL REFERENCES fee_notifiers(id),
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    received_at    INTEGER NOT NULL,
    signature      TEXT,
    sent_at        INTEGER,
    body           TEXT NOT NULL,
    verdict        TEXT NOT NULL CHECK (verdict IN ('authentic', 'bad_signature', 'stale', 'replayed', 'malformed', 'outgoing')),
    transaction_id TEXT
);
CREATE INDEX fee_deliveries_signature ON fee_deliveries(notifier_id, signature);

-- One row per bank transaction, whatever the number of deliveries. The unique key is what makes
-- crediting happen exactly once. Append-only.
CREATE TABLE fee_bank_transactions (
    id             INTEGER PRIMARY KEY,
    school_id      INTEGER NOT NULL REFERENCES schools(id),
    notifier_id    INTEGER NOT NULL REFERENCES fee_notifiers(id),
    external_id    TEXT NOT NULL,
    delivery_id    INTEGER NOT NULL REFERENCES fee_deliveries(id),
    account_number TEXT NOT NULL,
    bank_name      TEXT NOT NULL,
    amount         INTEGER NOT NULL CHECK (amount > 0),
    description    TEXT NOT NULL,
    occurred_at    TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    UNIQUE (notifier_id, external_id)
);
CREATE INDEX fee_bank_transactions_school ON fee_bank_transactions(school_id, received_at);

-- Receipts: unbroken numbering per school and calendar year, kept by this counter.
CREATE TABLE fee_receipt_series (
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    year        INTEGER NOT NULL,
    next_number INTEGER NOT NULL,
    PRIMARY KEY (school_id, year)
);

CREATE TABLE fee_receipts (
    id                  INTEGER PRIMARY KEY,
    school_id           INTEGER NOT NULL REFERENCES schools(id),
    year                INTEGER NOT NULL,
    number              INTEGER NOT NULL,
    template_symbol     TEXT NOT NULL,
    series              TEXT NOT NULL,
    payer_name          TEXT NOT NULL,
    method              TEXT NOT NULL CHECK (method IN ('bank', 'cash')),
    bank_transaction_id INTEGER REFERENCES fee_bank_transactions(id),
    total               INTEGER NOT NULL CHECK (total > 0),
    issued_at           INTEGER NOT NULL,
    issued_by_kind      TEXT NOT NULL,
    issued_by_id        INTEGER,
    UNIQUE (school_id, year, number)
);

CREATE TABLE fee_receipt_lines (
    id          INTEGER PRIMARY KEY,
    receipt_id  INTEGER NOT NULL REFERENCES fee_receipts(id),
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    notice_id   INTEGER REFERENCES fee_notices(id),
    student_id  INTEGER NOT NULL REFERENCES students(id),
    description TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0)
);
CREATE INDEX fee_receipt_lines_receipt ON fee_receipt_lines(receipt_id);

-- A receipt is cancelled with a reason, never deleted or renumbered. Append-only.
CREATE TABLE fee_receipt_cancellations (
    receipt_id   INTEGER PRIMARY KEY REFERENCES fee_receipts(id),
    school_id    INTEGER NOT NULL REFERENCES schools(id),
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    cancelled_at INTEGER NOT NULL,
    cancelled_by INTEGER NOT NULL
);

-- The ledger: balances are sums, never stored. amount > 0 adds to what the family owes (a charge,
-- a reversal of a cancelled payment); amount < 0 pays it (notice_id NULL: a credit kept for the
-- student). Append-only.
CREATE TABLE fee_ledger (
    id                  INTEGER PRIMARY KEY,
    school_id           INTEGER NOT NULL REFERENCES schools(id),
    student_id          INTEGER NOT NULL REFERENCES students(id),
    notice_id           INTEGER REFERENCES fee_notices(id),
    kind                TEXT NOT NULL CHECK (kind IN ('charge', 'payment', 'credit', 'reversal')),
    amount              INTEGER NOT NULL CHECK (amount <> 0),
    bank_transaction_id INTEGER REFERENCES fee_bank_transactions(id),
    receipt_id          INTEGER REFERENCES fee_receipts(id),
    at                  INTEGER NOT NULL,
    actor_kind          TEXT NOT NULL,
    actor_id            INTEGER
);
CREATE INDEX fee_ledger_notice ON fee_ledger(notice_id);
CREATE INDEX fee_ledger_student ON fee_ledger(school_id, student_id);
CREATE INDEX fee_ledger_transaction ON fee_ledger(bank_transaction_id);

-- When a guardian last looked at the fees screen (new notices are those issued since).
CREATE TABLE fee_guardian_seen (
    guardian_id INTEGER PRIMARY KEY REFERENCES guardians(id),
    school_id   INTEGER NOT NULL REFERENCES schools(id),
    seen_at     INTEGER NOT NULL
);

CREATE TRIGGER fee_ledger_no_update BEFORE UPDATE ON fee_ledger
BEGIN SELECT RAISE(ABORT, 'fee_ledger is append-only'); END;
CREATE TRIGGER fee_ledger_no_delete BEFORE DELETE ON fee_ledger
BEGIN SELECT RAISE(ABORT, 'fee_ledger is append-only'); END;
CREATE TRIGGER fee_deliveries_no_update BEFORE UPDATE ON fee_deliveries
BEGIN SELECT RAISE(ABORT, 'fee_deliveries is append-only'); END;
CREATE TRIGGER fee_deliveries_no_delete BEFORE DELETE ON fee_deliveries
BEGIN SELECT RAISE(ABORT, 'fee_deliveries is append-only'); END;
CREATE TRIGGER fee_bank_transactions_no_update BEFORE UPDATE ON fee_bank_transactions
BEGIN SELECT RAISE(ABORT, 'fee_bank_transactions is append-only'); END;
CREATE TRIGGER fee_bank_transactions_no_delete BEFORE DELETE ON fee_bank_transactions
BEGIN SELECT RAISE(ABORT, 'fee_bank_transactions is append-only'); END;
CREATE TRIGGER fee_receipt_cancellations_no_update BEFORE UPDATE ON fee_receipt_cancellations
BEGIN SELECT RAISE(ABORT, 'fee_receipt_cancellations is append-only'); END;
CREATE TRIGGER fee_receipt_cancellations_no_delete BEFORE DELETE ON fee_receipt_cancellations
BEGIN SELECT RAISE(ABORT, 'fee_receipt_cancellations is append-only'); END;
CREATE TRIGGER fee_receipts_no_update BEFORE UPDATE ON fee_receipts
BEGIN SELECT RAISE(ABORT, 'fee_receipts are never changed: cancel with a reason'); END;
CREATE TRIGGER fee_receipts_no_delete BEFORE DELETE ON fee_receipts
BEGIN SELECT RAISE(ABORT, 'fee_receipts are never deleted: cancel with a reason'); END;
CREATE TRIGGER fee_receipt_lines_no_update BEFORE UPDATE ON fee_receipt_lines
BEGIN SELECT RAISE(ABORT, 'fee_receipt_lines are never changed'); END;
CREATE TRIGGER fee_receipt_lines_no_delete BEFORE DELETE ON fee_receipt_lines
BEGIN SELECT RAISE(ABORT, 'fee_receipt_lines are never deleted'); END;
