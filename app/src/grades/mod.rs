//! Grades under Circular 22/2021/TT-BGDĐT (THCS): scores, subject averages, learning and
//! conduct results, and the end-of-year decisions. `rules` is pure (no I/O, no clock), so the
//! server and the browser compute the same results from the same inputs.

pub mod rules;
