//! Timetables in Chromium.
