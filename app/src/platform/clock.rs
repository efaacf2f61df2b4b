//! The server's notion of "now". Rules never read the clock; server functions take the time
//! from here and pass it in, so tests can set it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

#[derive(Clone, Debug, Default)]
pub enum Clock {
    #[default]
    System,
    /// A clock that stays where a test puts it.
    Fixed(Arc<AtomicI64>),
}

impl Clock {
    pub fn fixed(unix_seconds: i64) -> Clock {
        Clock::Fixed(Arc::new(AtomicI64::new(unix_seconds)))
    }

    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(at) => OffsetDateTime::from_unix_timestamp(at.load(Ordering::SeqCst))
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }
    }

    /// Unix seconds, the form timestamps take in the database.
    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// Moves a fixed clock (no effect on the system clock).
    pub fn advance(&self, seconds: i64) {
        if let Clock::Fixed(at) = self {
            at.fetch_add(seconds, Ordering::SeqCst);
        }
    }
}
