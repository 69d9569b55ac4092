//! The HTTP face of the server: `POST /v1/enroll` (JSON), `POST /v1/sync` (the binary protocol
//! of `punkt-sync`), `GET /v1/health`. Every refusal of a sync request is a binary
//! `Response::Refused` with a stable code, so devices never parse text; bodies are read with a
//! hard size limit; requests time out; shutdown lets requests in flight finish.

use std::future::Future;
use std::time::Duration;

use std::net::{IpAddr, SocketAddr};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use punkt_sync::wire::{limits, Code, Refusal};
use punkt_sync::{decode_request, encode_response, WireError};

use crate::engine::{AuthRefusal, Engine, EnrolRequest};
use crate::storage::Storage;

/// How long one request may take before the server gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

fn binary(status: StatusCode, r: punkt_sync::Response) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/x-punkt-sync")],
        encode_response(&r),
    )
        .into_response()
}

fn refused(status: StatusCode, r: Refusal) -> Response {
    binary(status, punkt_sync::Response::Refused(r))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The address a request came from (none in tests that call the router directly).
fn peer(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

fn slow_down() -> Refusal {
    Refusal::new(
        Code::RateLimited,
        "too many requests: wait a minute and try again",
    )
}

async fn sync<S: Storage>(State(engine): State<Engine<S>>, req: Request) -> Response {
    let ip = peer(&req);
    let (parts, body) = req.into_parts();
    let token = bearer(&parts.headers);
    // An address whose failures used up its allowance gets nothing more without a token;
    // a laptop with a valid one behind the same address (an office's) is still served.
    let blocked = ip.is_some_and(|ip| !engine.limits().may_try(ip));
    if blocked && token.is_none() {
        return refused(StatusCode::TOO_MANY_REQUESTS, slow_down());
    }
    let device = match engine.authenticate(token, blocked).await {
        Ok(d) => d,
        Err(AuthRefusal {
            refusal: r,
            revoked: Some(d),
        }) => {
            // A revoked laptop may hand over what it had not sent, before it wipes.
            if let Ok(bytes) = axum::body::to_bytes(body, limits::MAX_MESSAGE_BYTES).await {
                if let Ok(punkt_sync::Request::FinalPush(p)) = decode_request(&bytes) {
                    return binary(StatusCode::OK, engine.final_push(&d, p).await);
                }
            }
            return refused(StatusCode::FORBIDDEN, r);
        }
        // No valid token (a revoked laptop's comes above).
        Err(AuthRefusal { refusal: r, .. }) => {
            if let Some(ip) = ip {
                engine.limits().failed(ip);
            }
            let status = if blocked {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            return refused(status, r);
        }
    };
    if !engine.limits().device_request(&device.device_id) {
        return refused(StatusCode::TOO_MANY_REQUESTS, slow_down());
    }
    let bytes: Bytes = match axum::body::to_bytes(body, limits::MAX_MESSAGE_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            let msg = format!(
                "request over the limit of {} bytes",
                limits::MAX_MESSAGE_BYTES
            );
            engine.audit_refusal(&device, &msg).await;
            return refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                Refusal::new(Code::TooLarge, msg),
            );
        }
    };
    let request = match decode_request(&bytes) {
        Ok(r) => r,
        Err(e) => {
            engine.audit_refusal(&device, &e.to_string()).await;
            let code = match e {
                WireError::Version(_) => Code::Version,
                WireError::TooLarge(_) => Code::TooLarge,
                _ => Code::Malformed,
            };
            return refused(StatusCode::BAD_REQUEST, Refusal::new(code, e.to_string()));
        }
    };
    let response = engine.handle(&device, request).await;
    binary(StatusCode::OK, response)
}

async fn enroll<S: Storage>(State(engine): State<Engine<S>>, req: Request) -> Response {
    let ip = peer(&req);
    let refuse = |status: StatusCode, r: Refusal| {
        (
            status,
            Json(serde_json::json!({ "code": r.code, "message": r.message })),
        )
            .into_response()
    };
    if ip.is_some_and(|ip| !engine.limits().may_try(ip)) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, slow_down());
    }
    let bytes = match axum::body::to_bytes(req.into_body(), 16 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            let r = Refusal::new(Code::TooLarge, "an enrolment request is at most 16 KiB");
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, r);
        }
    };
    let enrol: EnrolRequest = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) => {
            let r = Refusal::new(Code::Malformed, format!("not an enrolment request: {e}"));
            return refuse(StatusCode::BAD_REQUEST, r);
        }
    };
    match engine.enrol(enrol).await {
        Ok(reply) => (StatusCode::OK, Json(reply)).into_response(),
        Err(r) => {
            if let Some(ip) = ip {
                engine.limits().failed(ip);
            }
            refuse(StatusCode::FORBIDDEN, r)
        }
    }
}

/// The server's routes over `engine`.
pub fn router<S: Storage>(engine: Engine<S>) -> Router {
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/enroll", post(enroll::<S>))
        .route(
            "/v1/sync",
            post(sync::<S>).layer(DefaultBodyLimit::disable()),
        )
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(engine)
}

/// Serve plain HTTP on `listener` until `shutdown` resolves, then finish requests in flight.
pub async fn serve_http<S: Storage>(
    engine: Engine<S>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(engine).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serve HTTPS on `listen` with a PEM certificate chain and key until `handle` is told to shut
/// down (gracefully: requests in flight get up to [`REQUEST_TIMEOUT`]).
pub async fn serve_tls<S: Storage>(
    engine: Engine<S>,
    listen: std::net::SocketAddr,
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    handle: axum_server::Handle<std::net::SocketAddr>,
) -> std::io::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(cert_pem, key_pem).await?;
    axum_server::bind_rustls(listen, config)
        .handle(handle)
        .serve(router(engine).into_make_service_with_connect_info::<SocketAddr>())
        .await
}

/// Where plain HTTP may be served: only with the explicit development flag, only on loopback.
pub fn check_plain_http(listen: std::net::SocketAddr, insecure_http: bool) -> Result<(), String> {
    if !insecure_http {
        return Err("give --tls-cert and --tls-key, or --insecure-http for development on a loopback address".into());
    }
    if !listen.ip().is_loopback() {
        return Err(format!(
            "--insecure-http is allowed only on a loopback address (127.0.0.1 or ::1), not {listen}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback_and_only_when_asked() {
        assert!(check_plain_http("127.0.0.1:8080".parse().unwrap(), true).is_ok());
        assert!(check_plain_http("[::1]:8080".parse().unwrap(), true).is_ok());
        assert!(check_plain_http("127.0.0.1:8080".parse().unwrap(), false).is_err());
        let e = check_plain_http("0.0.0.0:8080".parse().unwrap(), true).unwrap_err();
        assert!(e.contains("loopback"), "{e}");
        assert!(check_plain_http("192.0.2.10:8080".parse().unwrap(), true).is_err());
    }
}
