//! Timetables.

pub mod rules;
