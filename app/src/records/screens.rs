//! Screens of the records feature.
