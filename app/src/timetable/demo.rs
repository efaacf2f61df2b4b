//! The pilot school's published timetable for the demo.
