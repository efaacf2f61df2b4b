//! Trường Số's integration and browser tests, built as one test binary.
//! Run them all with `scripts/test` (it starts PostgreSQL and installs Chromium).

// Tests may panic: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod attendance;
mod attendance_browser;
mod authorization;
mod backup;
mod data_layer;
mod desk_e2e;
mod fees;
mod grades;
mod identity;
mod login;
mod pwa;
mod records;
mod records_browser;
mod serving;
mod sessions;
mod software_passkey;
mod startup;
mod timetable;
mod verification;
