//! Start-up: check the data folder, load or create the key, connect and migrate the database,
//! seed the demo district in demo mode, bind the listener. Each failure is one clear message.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use app::identity::demo_idp::DemoIdp;
use app::identity::oidc::OidcService;
use app::identity::passkeys::RelyingParty;
use app::notifications::push::{PushSender, VapidKey};
use app::platform::clock::Clock;
use app::platform::crypto::{CryptoError, PidCrypto, generate_master_key};
use app::platform::db::{Db, DbError, DbOptions};
use app::platform::state::{AppState, Settings};
use leptos::config::LeptosOptions;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::config::{Config, Mode};
use crate::routes::{self, ServerState};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("Thư mục dữ liệu không dùng được / the data folder cannot be used: {path}: {reason}")]
    DataDir { path: PathBuf, reason: String },
    #[error(
        "Thiếu khoá mã hoá số định danh: đặt security.personal_id_key hoặc TRUONGSO_SECURITY__PERSONAL_ID_KEY \
         (base64 của 32 byte ngẫu nhiên) / missing personal-ID key: set security.personal_id_key or \
         TRUONGSO_SECURITY__PERSONAL_ID_KEY (base64 of 32 random bytes), e.g. `openssl rand -base64 32`"
    )]
    MissingKey,
    #[error("Khoá mã hoá số định danh không hợp lệ / invalid personal-ID key: {0}")]
    BadKey(#[from] CryptoError),
    #[error("{0}")]
    Database(#[from] DbError),
    #[error("Không tạo được dữ liệu demo / could not create the demo data: {0}")]
    Demo(String),
    #[error("Cấu hình đăng nhập VNeID không hợp lệ / invalid VNeID login settings: {0}")]
    Identity(String),
    #[error("Không mở được cổng {addr} / cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
}

/// A built server, bound to its port but not yet serving.
pub struct Application {
    listener: TcpListener,
    state: ServerState,
    retention: app::records::retention::RetentionPolicy,
}

impl Application {
    pub async fn build(config: &Config, clock: Clock) -> Result<Application, StartupError> {
        Self::build_on(config, clock, None).await
    }

    /// Builds on a listener the caller bound already (tests bind port 0 first, to know the URL).
    pub async fn build_on(
        config: &Config,
        clock: Clock,
        listener: Option<TcpListener>,
    ) -> Result<Application, StartupError> {
        ensure_writable_dir(&config.data_dir)?;
        let crypto = PidCrypto::from_base64_key(&personal_id_key(config)?)?;
        let db = connect_database(config).await?;

        if config.mode == Mode::Demo {
            match app::demo::seed_if_empty(&db, &crypto, clock.unix()).await {
                Ok(Some(made)) => tracing::info!(
                    schools = made.schools,
                    classes = made.classes,
                    students = made.students,
                    guardians = made.guardians,
                    staff = made.staff,
                    "demo district created"
                ),
                Ok(None) => {}
                Err(error) => return Err(StartupError::Demo(error.to_string())),
            }
        }
        warn_if_assets_missing(&config.server.site_root);

        let listener =
            match listener {
                Some(listener) => listener,
                None => TcpListener::bind(config.server.listen).await.map_err(|e| {
                    StartupError::Bind {
                        addr: config.server.listen,
                        reason: e.to_string(),
                    }
                })?,
            };
        let public_url = config.server.public_url.trim_end_matches('/').to_string();
        let (oidc, demo_idp) = identity_provider(config, &public_url, &clock)?;
        let leptos = LeptosOptions::builder()
            .output_name("truongso")
            .site_root(config.server.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.server.listen)
            .build();
        let app = AppState {
            db,
            crypto: Arc::new(crypto),
            clock,
            settings: Arc::new(Settings {
                demo: config.mode == Mode::Demo,
                public_url,
                sessions: config.session_policy(),
                desk: config.desk.clone(),
            }),
            oidc,
            push_key: push_key(config)?.map(Arc::new),
            push_wake: Arc::new(tokio::sync::Notify::new()),
            relying_party: Arc::new(
                RelyingParty::from_public_url(&config.server.public_url)
                    .map_err(StartupError::Identity)?,
            ),
        };
        let state = ServerState {
            app,
            demo_idp,
            leptos,
            https: config.is_https(),
            metrics_token: config.metrics.token.clone(),
        };
        crate::metrics::handle();
        let retention = app::records::retention::RetentionPolicy {
            retention_days: config.records.retention_days,
            check_every: std::time::Duration::from_secs(config.records.retention_check_seconds),
        };
        Ok(Application {
            listener,
            state,
            retention,
        })
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    pub fn state(&self) -> &AppState {
        &self.state.app
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let db = self.state.app.db.clone();
        // The push job lives as long as the server.
        let push = self.state.app.push_key.clone().map(|key| {
            let app = &self.state.app;
            tokio::spawn(
                PushSender::new(
                    app.db.clone(),
                    key,
                    app.clock.clone(),
                    app.push_wake.clone(),
                )
                .run(),
            )
        });
        let retention = app::records::retention::spawn(self.state.app.clone(), self.retention);
        let router = routes::router(self.state);
        let result = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        if let Some(push) = push {
            push.abort();
        }
        retention.abort();
        db.close().await;
        result
    }
}

pub async fn connect_database(config: &Config) -> Result<Db, StartupError> {
    let url = config.database_url();
    let options = DbOptions {
        max_connections: config.database.max_connections,
        ..DbOptions::default()
    };
    let db = Db::connect(&url, &options).await?;
    db.migrate().await?;
    tracing::info!(backend = db.backend().name(), "database ready");
    Ok(db)
}

/// The VAPID key: configured, or in demo mode kept in the data folder.
fn push_key(config: &Config) -> Result<Option<VapidKey>, StartupError> {
    let contact = config
        .push
        .contact
        .clone()
        .unwrap_or_else(|| "mailto:admin@localhost".into());
    let secret = match (&config.push.vapid_private_key, config.mode) {
        (Some(key), _) => key.expose_secret().to_string(),
        (None, Mode::Demo) => {
            let path = config.data_dir.join("vapid.key");
            let fail = |e: std::io::Error| StartupError::DataDir {
                path: path.clone(),
                reason: e.to_string(),
            };
            if path.exists() {
                std::fs::read_to_string(&path).map_err(fail)?
            } else {
                let secret = VapidKey::generate_secret();
                write_private_file(&path, secret.as_bytes()).map_err(fail)?;
                secret
            }
        }
        (None, Mode::Production) => {
            tracing::warn!("no [push] vapid_private_key: Web Push is off (the inbox still works)");
            return Ok(None);
        }
    };
    VapidKey::from_secret(&secret, &contact)
        .map(Some)
        .map_err(StartupError::Identity)
}

/// The VNeID client, and the demo provider it talks to in demo mode.
type IdentityProvider = (Option<Arc<OidcService>>, Option<Arc<DemoIdp>>);

/// The configured VNeID client; in demo mode without one, the built-in demo provider.
fn identity_provider(
    config: &Config,
    public_url: &str,
    clock: &Clock,
) -> Result<IdentityProvider, StartupError> {
    let (settings, demo) = match (&config.vneid, config.mode) {
        (Some(settings), _) => (settings.clone(), None),
        (None, Mode::Demo) => {
            let (idp, settings) =
                DemoIdp::new(public_url, clock.clone()).map_err(StartupError::Identity)?;
            (settings, Some(idp))
        }
        (None, Mode::Production) => {
            tracing::warn!("no [vneid] section: VNeID login is off");
            return Ok((None, None));
        }
    };
    let service =
        OidcService::new(settings, public_url, clock.clone()).map_err(StartupError::Identity)?;
    Ok((Some(Arc::new(service)), demo))
}

/// Creates the folder if needed and proves it can be written.
pub fn ensure_writable_dir(path: &Path) -> Result<(), StartupError> {
    let fail = |reason: String| StartupError::DataDir {
        path: path.to_path_buf(),
        reason,
    };
    std::fs::create_dir_all(path).map_err(|e| fail(e.to_string()))?;
    let probe = path.join(".write-test");
    std::fs::File::create(&probe)
        .and_then(|mut f| f.write_all(b"ok"))
        .map_err(|e| fail(e.to_string()))?;
    std::fs::remove_file(&probe).map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// The configured key; in demo mode, one generated once into the data folder.
fn personal_id_key(config: &Config) -> Result<String, StartupError> {
    if let Some(key) = &config.security.personal_id_key {
        return Ok(key.expose_secret().to_string());
    }
    if config.mode != Mode::Demo {
        return Err(StartupError::MissingKey);
    }
    let path = config.data_dir.join("personal-id.key");
    let fail = |e: std::io::Error| StartupError::DataDir {
        path: path.clone(),
        reason: e.to_string(),
    };
    if path.exists() {
        return std::fs::read_to_string(&path).map_err(fail);
    }
    let key = generate_master_key();
    write_private_file(&path, key.as_bytes()).map_err(fail)?;
    tracing::warn!(
        path = %path.display(),
        "demo mode: created a new personal-ID key in the data folder; without it the stored ID numbers cannot be read"
    );
    Ok(key)
}

fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents)
}

fn warn_if_assets_missing(site_root: &Path) {
    if !site_root.join("pkg").join("truongso.js").exists() {
        tracing::warn!(
            site_root = %site_root.display(),
            "browser assets not found: pages render but will not become interactive; run scripts/build-frontend"
        );
    }
}
