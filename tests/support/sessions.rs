//! A logged-in session made the way a login makes one, without the login: for tests of server
//! functions that need someone to act as a record (staff, guardian, student, district admin).

use app::identity::{PersonaKind, PersonaRef};
use sqlx::Row;

use super::TestApp;

/// The session's cookies and the CSRF token its calls carry.
pub struct Session {
    /// `session=…; csrf=…`, as a `cookie` header.
    pub cookie: String,
    pub csrf: String,
}

/// Opens a session acting as `(table, record)`: a student logs in with a school-issued login,
/// everyone else through VNeID with the name `vneid_name` at level 2.
pub async fn session_as_record(
    app: &TestApp,
    kind: PersonaKind,
    table: &str,
    record: i64,
    vneid_name: &str,
) -> Session {
    let mut conn = app.conn().await;
    let now = app.state.clock.unix();
    let school_column = if table == "district_admins" {
        "NULL"
    } else {
        "school_id"
    };
    let row = sqlx::query(&format!(
        "SELECT {school_column} AS school_id, pid_hash FROM {table} WHERE id = $1"
    ))
    .bind(record)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let school: Option<i64> = row.get("school_id");
    let account = if table == "students" {
        let issued = app::identity::student_login::issue(&mut conn, school.unwrap(), record, now)
            .await
            .unwrap();
        app::identity::student_login::activate(
            &mut conn,
            &issued.username,
            &issued.activation_code,
            "mật khẩu tốt",
            now,
        )
        .await
        .unwrap()
        .id
    } else {
        let hash: Vec<u8> = row.get("pid_hash");
        app::identity::accounts::upsert_citizen(&mut conn, &hash, vneid_name, Some(2), now)
            .await
            .unwrap()
    };
    let policy = app.state.settings.sessions;
    let session = app::identity::session::create(&mut conn, account, "vneid", "test", now, &policy)
        .await
        .unwrap();
    app::identity::session::set_persona(
        &mut conn,
        session.id,
        &PersonaRef {
            kind,
            school_id: school,
            record_id: record,
        },
    )
    .await
    .unwrap();
    Session {
        cookie: format!(
            "{}={}; {}={}",
            app::identity::SESSION_COOKIE,
            session.token,
            app::identity::CSRF_COOKIE,
            session.csrf_token
        ),
        csrf: session.csrf_token,
    }
}
