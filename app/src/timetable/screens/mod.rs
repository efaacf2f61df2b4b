//! Screens of the timetable feature.
