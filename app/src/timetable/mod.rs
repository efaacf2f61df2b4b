//! Timetables (thời khóa biểu): the school's week built on a tablet with conflicts caught as one
//! edits, published to phones and calendar feeds, with the day's substitutions.
//!
//! - [`rules`]: pure checks of a weekly timetable (hard conflicts that block publishing, soft
//!   warnings), an incremental check for editing, the diff shown before publishing, and
//!   substitution suggestions. The browser's editor runs the same code.
//! - [`fet`]: reads FET's `.fet` files (on the server) and its CSV export, and matches FET's
//!   names to the school's teachers, classes and subjects; [`import`] runs it for a school.
//! - [`views`]: what server functions send to screens; [`api`]: the server functions;
//!   `store`: the queries; [`ical`]: RFC 5545 text for calendar feeds, served by `routes`.
//! - [`screens`]: the tablet editor, the week on a phone, the printable A4 page, settings,
//!   FET import, substitutions, feeds and the notices inbox.

pub mod api;
pub mod fet;
pub mod ical;
pub mod rules;
pub mod screens;
pub mod views;

#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod import;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod store;
