//! The test harness: a fresh database per test (SQLite in a temporary folder, or a PostgreSQL
//! database with a random name on the cluster that `scripts/test` starts), a server on port 0,
//! and helpers for the built binary and for headless Chromium.

#![allow(dead_code)]

pub mod browser;
pub mod device;
pub mod oidc_peer;
pub mod rogue_idp;
pub mod sessions;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use app::platform::clock::Clock;
use app::platform::db::Backend;
use app::platform::state::AppState;
use secrecy::SecretString;
use server::config::{Config, Mode};
use server::startup::Application;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const TEST_KEY: &str = "dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The built browser assets; tests that load pages need `scripts/build-frontend` first.
pub fn site_root() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let site = target.join("site");
    assert!(
        site.join("pkg/truongso_bg.wasm").exists(),
        "browser assets missing in {}: run scripts/build-frontend (scripts/test does)",
        site.display()
    );
    site
}

/// A database of its own for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub dir: TempDir,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match backend {
            Backend::Sqlite => {
                format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display())
            }
            Backend::Postgres => fresh_postgres_database().await,
        };
        TestDb { backend, url, dir }
    }
}

/// `TEST_POSTGRES_URL` points at the throwaway cluster; each test gets its own database in it.
async fn fresh_postgres_database() -> String {
    let admin = std::env::var("TEST_POSTGRES_URL").expect(
        "TEST_POSTGRES_URL is not set: PostgreSQL tests need the cluster that scripts/test starts",
    );
    let name = format!("ts_test_{:016x}", rand::random::<u64>());
    let db = app::platform::db::Db::connect(&admin, &Default::default())
        .await
        .expect("connect to test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(db.pool())
        .await
        .expect("create database");
    db.close().await;
    let (base, _) = admin.rsplit_once('/').expect("database URL with a path");
    format!("{base}/{name}")
}

pub fn test_config(db: &TestDb, mode: Mode) -> Config {
    let mut config = Config {
        mode,
        data_dir: db.dir.path().join("data"),
        ..Config::default()
    };
    config.database.url = Some(SecretString::from(db.url.clone()));
    config.security.personal_id_key = Some(SecretString::from(TEST_KEY));
    config.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.site_root = site_root_or_missing();
    config
}

fn site_root_or_missing() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("site")
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://localhost:PORT` (passkeys and cookies need the name, not the IP).
    pub base_url: String,
    pub state: AppState,
    /// Does not follow redirects, so tests see each step of a login.
    pub client: reqwest::Client,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub config: Config,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    pub db: TestDb,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(TestDb::new(backend).await, Mode::Demo).await
}

pub async fn spawn_app_with(db: TestDb, mode: Mode) -> TestApp {
    let listener = bind_port().await;
    spawn_app_on(db, mode, listener, |_| {}).await
}

/// Binds the app's port first: its URL (cookies, the provider's redirect URI) needs it.
pub async fn bind_port() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
}

/// `http://localhost:PORT/…` for a bound listener.
pub fn url_of(listener: &tokio::net::TcpListener, path: &str) -> String {
    let port = listener.local_addr().expect("bound address").port();
    format!("http://localhost:{port}{path}")
}

pub async fn spawn_app_on(
    db: TestDb,
    mode: Mode,
    listener: tokio::net::TcpListener,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    spawn_app_at(db, mode, listener, configure, Clock::System).await
}

/// A server whose clock the test moves (`app.state.clock.advance(…)`).
pub async fn spawn_app_with_clock(backend: Backend, clock: Clock) -> TestApp {
    let listener = bind_port().await;
    spawn_app_at(
        TestDb::new(backend).await,
        Mode::Demo,
        listener,
        |_| {},
        clock,
    )
    .await
}

pub async fn spawn_app_at(
    db: TestDb,
    mode: Mode,
    listener: tokio::net::TcpListener,
    configure: impl FnOnce(&mut Config),
    clock: Clock,
) -> TestApp {
    // `RUST_LOG=info` shows the server's logs in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let mut config = test_config(&db, mode);
    let addr = listener.local_addr().expect("bound address");
    config.server.listen = addr;
    config.server.public_url = format!("http://localhost:{}", addr.port());
    configure(&mut config);
    let application = Application::build_on(&config, clock, Some(listener))
        .await
        .expect("server builds");
    let state = application.state().clone();
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(application.run_until(async move {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        base_url: format!("http://localhost:{}", addr.port()),
        state,
        client: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client"),
        jar,
        config,
        shutdown: Some(tx),
        task: Some(task),
        db,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Stops the server the way SIGTERM does and waits until it has.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }

    /// Stops the server and starts it again on the same port and database (the network "comes
    /// back" for a browser that kept the page). The clock stays the one the test set.
    pub async fn restart(&mut self) {
        let clock = self.state.clock.clone();
        self.stop().await;
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("the same port again");
        let application = Application::build_on(&self.config, clock, Some(listener))
            .await
            .expect("server builds again");
        self.state = application.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        self.task = Some(tokio::spawn(application.run_until(async move {
            let _ = rx.await;
        })));
        self.shutdown = Some(tx);
    }

    /// A cookie the server set for this client.
    pub fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.base_url.parse().ok()?;
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }

    /// Calls a server function the way the browser does: with the CSRF token from its cookie
    /// (a first page load hands one out).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        if self.cookie(app::identity::CSRF_COOKIE).is_none() {
            self.client
                .get(self.url("/"))
                .send()
                .await
                .expect("home page");
        }
        let token = self
            .cookie(app::identity::CSRF_COOKIE)
            .expect("CSRF cookie");
        self.client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(app::identity::CSRF_HEADER, token)
            .form(form)
            .send()
            .await
            .expect("server function")
    }

    pub async fn conn(&self) -> sqlx::pool::PoolConnection<sqlx::Any> {
        self.state.db.pool().acquire().await.expect("connection")
    }
}

/// Runs the `truongso` binary with the given environment and arguments.
pub fn truongso(args: &[&str], env: &[(&str, &str)], dir: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_truongso"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .expect("run truongso")
}

/// Declares one test per backend from an `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(app::platform::db::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(app::platform::db::Backend::Postgres).await } )*
        }
    };
}
