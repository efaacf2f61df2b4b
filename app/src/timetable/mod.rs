//! Timetables (thời khóa biểu): the conflict rules shared by the server and the browser, and
//! the import of timetables made with FET.
//!
//! - [`rules`]: pure checks of a weekly timetable (hard conflicts that block publishing, soft
//!   warnings), an incremental check for editing, the diff shown before publishing, and
//!   substitution suggestions.
//! - [`fet`]: reads FET's `.fet` files (on the server) and its CSV export, and matches FET's
//!   names to the school's teachers, classes and subjects.

pub mod fet;
pub mod rules;
