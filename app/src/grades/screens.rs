//! Screens of grades.
