//! The inbox and the push queue in the database.

use sqlx::{AnyConnection, Row};

use super::{InboxMessage, NotificationKind, Preference};

/// Who a message is for: a record of a school.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    Guardian(i64),
    Staff(i64),
    Student(i64),
}

impl Recipient {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Recipient::Guardian(id) => ("guardian", id),
            Recipient::Staff(id) => ("staff", id),
            Recipient::Student(id) => ("student", id),
        }
    }
}

/// A message's texts, both languages. Callers must not put personal ID numbers in them.
#[derive(Clone, Debug)]
pub struct MessageText {
    pub title_vi: String,
    pub title_en: String,
    pub body_vi: String,
    pub body_en: String,
    pub link: Option<String>,
}

/// Writes a message to the recipient's inbox and queues a push to each of their devices (for a
/// guardian, only when they want this kind for this child). Returns the message id.
pub async fn deliver(
    conn: &mut AnyConnection,
    school_id: i64,
    recipient: Recipient,
    kind: NotificationKind,
    student_id: Option<i64>,
    text: &MessageText,
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (recipient_kind, recipient_id) = recipient.parts();
    let message_id: i64 = sqlx::query_scalar(
        "INSERT INTO inbox_messages (school_id, recipient_kind, recipient_id, kind, student_id, title_vi, title_en,
                                     body_vi, body_en, link, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(school_id)
    .bind(recipient_kind)
    .bind(recipient_id)
    .bind(kind.code())
    .bind(student_id)
    .bind(&text.title_vi)
    .bind(&text.title_en)
    .bind(&text.body_vi)
    .bind(&text.body_en)
    .bind(&text.link)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    if let (Recipient::Guardian(guardian), Some(student)) = (recipient, student_id)
        && !wants(conn, guardian, student, kind).await?
    {
        return Ok(message_id);
    }
    let subscriptions = subscriptions_of(conn, recipient).await?;
    for subscription in subscriptions {
        sqlx::query("INSERT INTO push_jobs (message_id, subscription_id, next_attempt_at) VALUES ($1, $2, $3)")
            .bind(message_id)
            .bind(subscription)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(message_id)
}

/// The guardians the school counts for a child (verified links; any link where the school
/// allows it): who hears about the child.
pub async fn guardians_of(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT l.guardian_id FROM guardian_links l JOIN schools s ON s.id = l.school_id
         WHERE l.school_id = $1 AND l.student_id = $2
           AND (l.status = 'verified' OR (s.guardian_access = 'linked' AND l.status IN ('unverified', 'pending')))",
    )
    .bind(school_id)
    .bind(student_id)
    .fetch_all(conn)
    .await
}

/// A message about a child to each of their guardians (each guardian's choices apply).
pub async fn deliver_to_guardians(
    conn: &mut AnyConnection,
    school_id: i64,
    student_id: i64,
    kind: NotificationKind,
    text: &MessageText,
    now: i64,
) -> Result<(), sqlx::Error> {
    for guardian in guardians_of(conn, school_id, student_id).await? {
        deliver(
            conn,
            school_id,
            Recipient::Guardian(guardian),
            kind,
            Some(student_id),
            text,
            now,
        )
        .await?;
    }
    Ok(())
}

async fn wants(
    conn: &mut AnyConnection,
    guardian: i64,
    student: i64,
    kind: NotificationKind,
) -> Result<bool, sqlx::Error> {
    let choice: Option<i64> = sqlx::query_scalar(
        "SELECT enabled FROM notification_preferences WHERE guardian_id = $1 AND student_id = $2 AND kind = $3",
    )
    .bind(guardian)
    .bind(student)
    .bind(kind.code())
    .fetch_optional(conn)
    .await?;
    Ok(choice.is_none_or(|enabled| enabled == 1))
}

/// The devices of whoever can log in as this record (through the personal-ID hash, or the
/// student's own account).
async fn subscriptions_of(
    conn: &mut AnyConnection,
    recipient: Recipient,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = match recipient {
        Recipient::Guardian(_) => {
            "SELECT p.id FROM push_subscriptions p JOIN accounts a ON a.id = p.account_id
             JOIN guardians g ON g.pid_hash = a.pid_hash WHERE g.id = $1"
        }
        Recipient::Staff(_) => {
            "SELECT p.id FROM push_subscriptions p JOIN accounts a ON a.id = p.account_id
             JOIN staff s ON s.pid_hash = a.pid_hash WHERE s.id = $1"
        }
        Recipient::Student(_) => {
            "SELECT p.id FROM push_subscriptions p JOIN accounts a ON a.id = p.account_id
             WHERE a.student_id = $1
             UNION SELECT p.id FROM push_subscriptions p JOIN accounts a ON a.id = p.account_id
             JOIN students st ON st.pid_hash = a.pid_hash WHERE st.id = $1"
        }
    };
    // In the order the devices subscribed: the push job sends in that order.
    let sql = format!("{sql} ORDER BY 1");
    sqlx::query_scalar(&sql)
        .bind(recipient.parts().1)
        .fetch_all(conn)
        .await
}

/// The newest messages of a record, newest first.
pub async fn inbox(
    conn: &mut AnyConnection,
    school_id: i64,
    recipient: Recipient,
    limit: i64,
) -> Result<Vec<InboxMessage>, sqlx::Error> {
    let (kind, id) = recipient.parts();
    let rows = sqlx::query(
        "SELECT id, kind, title_vi, title_en, body_vi, body_en, link, created_at, read_at FROM inbox_messages
         WHERE school_id = $1 AND recipient_kind = $2 AND recipient_id = $3 ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(school_id)
    .bind(kind)
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(InboxMessage {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                title_vi: r.try_get("title_vi")?,
                title_en: r.try_get("title_en")?,
                body_vi: r.try_get("body_vi")?,
                body_en: r.try_get("body_en")?,
                link: r.try_get("link")?,
                created_at: r.try_get("created_at")?,
                read: r.try_get::<Option<i64>, _>("read_at")?.is_some(),
            })
        })
        .collect()
}

/// Marks one of the record's own messages read; `false` when it is not theirs.
pub async fn mark_read(
    conn: &mut AnyConnection,
    school_id: i64,
    recipient: Recipient,
    message_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (kind, id) = recipient.parts();
    sqlx::query(
        "UPDATE inbox_messages SET read_at = $1
         WHERE id = $2 AND school_id = $3 AND recipient_kind = $4 AND recipient_id = $5 AND read_at IS NULL",
    )
    .bind(now)
    .bind(message_id)
    .bind(school_id)
    .bind(kind)
    .bind(id)
    .execute(conn)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub async fn unread_count(
    conn: &mut AnyConnection,
    school_id: i64,
    recipient: Recipient,
) -> Result<i64, sqlx::Error> {
    let (kind, id) = recipient.parts();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM inbox_messages WHERE school_id = $1 AND recipient_kind = $2 AND recipient_id = $3 AND read_at IS NULL",
    )
    .bind(school_id)
    .bind(kind)
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Keeps a device's subscription for the account (a second registration of the same endpoint
/// moves it to the account that made it).
pub async fn save_subscription(
    conn: &mut AnyConnection,
    account_id: i64,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO push_subscriptions (account_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (endpoint) DO UPDATE SET account_id = excluded.account_id, p256dh = excluded.p256dh, auth = excluded.auth",
    )
    .bind(account_id)
    .bind(endpoint)
    .bind(p256dh)
    .bind(auth)
    .bind(now)
    .execute(conn)
    .await
    .map(drop)
}

pub async fn preferences(
    conn: &mut AnyConnection,
    school_id: i64,
    guardian_id: i64,
) -> Result<Vec<Preference>, sqlx::Error> {
    let children = sqlx::query(
        "SELECT s.id, s.given_name FROM guardian_links l JOIN students s ON s.id = l.student_id
         WHERE l.school_id = $1 AND l.guardian_id = $2 AND l.status = 'verified' ORDER BY s.date_of_birth",
    )
    .bind(school_id)
    .bind(guardian_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut list = Vec::new();
    for child in children {
        let student_id: i64 = child.try_get("id")?;
        let name: String = child.try_get("given_name")?;
        for kind in NotificationKind::ALL {
            list.push(Preference {
                student_id,
                student_name: name.clone(),
                kind,
                enabled: wants(conn, guardian_id, student_id, kind).await?,
            });
        }
    }
    Ok(list)
}

pub async fn set_preference(
    conn: &mut AnyConnection,
    school_id: i64,
    guardian_id: i64,
    student_id: i64,
    kind: NotificationKind,
    enabled: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_preferences (school_id, guardian_id, student_id, kind, enabled) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (guardian_id, student_id, kind) DO UPDATE SET enabled = excluded.enabled",
    )
    .bind(school_id)
    .bind(guardian_id)
    .bind(student_id)
    .bind(kind.code())
    .bind(i64::from(enabled))
    .execute(conn)
    .await
    .map(drop)
}
