//! Shared foundations: errors with stable codes, Vietnamese text handling, personal ID numbers,
//! and (server only) the database, encryption, audit trail and clock.

pub mod collation;
pub mod error;
pub mod format;
pub mod personal_id;

#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod state;
