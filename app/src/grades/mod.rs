//! Grades under Circular 22/2021/TT-BGDĐT (THCS): scores, subject averages, learning and
//! conduct results, and the end-of-year decisions. `rules` is pure (no I/O, no clock), so the
//! server and the browser compute the same results from the same inputs.
//!
//! - `model`: what screens and server functions exchange, and the averages of a sheet's rows;
//! - `queue` and (browser) `offline`: edits typed on the device, kept until the server has them;
//! - `api`: server functions; `store` (server): queries; `excel` (server): vnEdu-style workbooks;
//! - `screens`: the teacher's sheet (tablet), the class summary, the admin page, the parent's view.

pub mod api;
pub mod errors;
pub mod model;
pub mod queue;
pub mod rules;
pub mod screens;

#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod excel;
#[cfg(feature = "hydrate")]
pub mod offline;
#[cfg(feature = "ssr")]
pub mod store;
