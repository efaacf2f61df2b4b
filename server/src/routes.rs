//! The router: static assets, health and metrics, then the Leptos app and its server functions,
//! wrapped in request ids, tracing, metrics, security headers and compression.

use std::path::Path;

use app::platform::state::AppState;
use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderValue, Request, header};
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list, render_app_to_stream_with_context};
use secrecy::SecretString;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::security::CspNonce;
use crate::{health, metrics, security};

/// What handlers and middleware share.
#[derive(Clone)]
pub struct ServerState {
    pub app: AppState,
    /// The demo identity provider, mounted only in demo mode.
    pub demo_idp: Option<std::sync::Arc<app::identity::demo_idp::DemoIdp>>,
    pub leptos: LeptosOptions,
    pub https: bool,
    pub metrics_token: Option<SecretString>,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos.clone()
    }
}

#[derive(Clone, Default)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let id = format!("{:016x}", rand::random::<u64>());
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Hands each page render and server function the app state and this request's CSP nonce.
fn request_context(app: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        provide_context(app.clone());
        let nonce = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CspNonce>().map(|n| n.0.clone()));
        if let Some(nonce) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(nonce));
        }
    }
}

fn static_dir(root: &Path, cache_control: &'static str) -> Router<ServerState> {
    Router::new()
        .fallback_service(ServeDir::new(root).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ))
}

fn static_file(path: &Path, cache_control: &'static str) -> Router<ServerState> {
    Router::new()
        .fallback_service(ServeFile::new(path).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        ))
}

pub fn router(state: ServerState) -> Router {
    let site = Path::new(state.leptos.site_root.as_ref()).to_path_buf();
    let context = request_context(state.app.clone());
    let leptos_options = state.leptos.clone();
    let shell = move || app::shell(leptos_options.clone());
    let routes = generate_route_list(app::App);

    // Assets are revalidated on every load (cheap 304s); the service worker keeps them offline.
    let assets = Router::new()
        .nest("/pkg", static_dir(&site.join("pkg"), "no-cache"))
        .nest(
            "/icons",
            static_dir(&site.join("icons"), "public, max-age=604800"),
        )
        .nest("/sw.js", static_file(&site.join("sw.js"), "no-cache"))
        .nest(
            "/manifest.webmanifest",
            static_file(&site.join("manifest.webmanifest"), "no-cache"),
        )
        .nest(
            "/offline.html",
            static_file(&site.join("offline.html"), "no-cache"),
        );

    let mut identity = app::identity::routes::router()
        .merge(app::verification::routes::router())
        .with_state(state.app.clone());
    // Bank notifiers' webhooks (own authentication, no cookies: outside the CSRF check) and the
    // fee files (receipt XML, report Excel and charts).
    let fees = app::fees::routes::router().with_state(state.app.clone());
    let timetable_feeds = app::timetable::routes::router().with_state(state.app.clone());
    if let Some(idp) = state.demo_idp.clone() {
        identity = identity.merge(idp.router());
    }

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::endpoint))
        .leptos_routes_with_context(&state, routes, context.clone(), shell.clone())
        .fallback(render_app_to_stream_with_context(context, shell))
        .merge(assets)
        .merge(identity)
        .merge(fees)
        .merge(app::records::routes::router().with_state(state.app.clone()))
        .merge(timetable_feeds)
        .layer(axum::middleware::from_fn(
            crate::errors::status_from_error_code,
        ))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<axum::body::Body>| {
                let route = request
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                tracing::info_span!("request", method = %request.method(), route, request_id)
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RandomRequestId))
        .with_state(state)
}
