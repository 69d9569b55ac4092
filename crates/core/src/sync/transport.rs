//! How a request reaches the sync server: the [`Transport`] a sync runs over, and HTTPS to
//! `punkt-sync-server` (plain HTTP to this machine only).

use super::*;

/// Carries one request body to the server and brings back the response body.
pub trait Transport {
    fn exchange(&mut self, request: &[u8]) -> std::result::Result<Vec<u8>, TransportError>;
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    #[error("{0}")]
    Unreachable(String),
    #[error("HTTP {status}")]
    Http { status: u16, body: Vec<u8> },
    /// The caller stopped the work (the app was locked while it waited on the server).
    #[error("stopped: the store was closed")]
    Cancelled,
    /// The person stopped the work (Cancel while a sync ran).
    #[error("stopped at the person's request")]
    Stopped,
}

pub(super) fn agent(ca_cert: Option<&Path>, timeout: Duration) -> Result<ureq::Agent> {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout));
    if let Some(path) = ca_cert {
        let pem = std::fs::read(path)?;
        let cert = ureq::tls::Certificate::from_pem(&pem).map_err(|e| {
            CoreError::Invalid(format!("{}: not a PEM certificate ({e})", path.display()))
        })?;
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
                .build(),
        );
    }
    Ok(config.build().into())
}

/// HTTPS (or, to a loopback address only, HTTP) to a `punkt-sync-server`.
pub struct HttpTransport {
    pub(super) agent: ureq::Agent,
    pub(super) url: String,
    pub(super) token: String,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl HttpTransport {
    pub fn new(server: &str, token: &str, ca_cert: Option<&Path>) -> Result<Self> {
        Ok(HttpTransport {
            agent: agent(ca_cert, Duration::from_secs(300))?,
            url: format!("{}/v1/sync", server.trim_end_matches('/')),
            token: token.to_string(),
            bytes_sent: 0,
            bytes_received: 0,
        })
    }
}

impl Transport for HttpTransport {
    fn exchange(&mut self, request: &[u8]) -> std::result::Result<Vec<u8>, TransportError> {
        self.bytes_sent += request.len() as u64;
        let mut resp = self
            .agent
            .post(&self.url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Content-Type", "application/x-punkt-sync")
            .send(request)
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(punkt_sync::wire::limits::MAX_MESSAGE_BYTES as u64)
            .read_to_vec()
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        self.bytes_received += body.len() as u64;
        if status == 200 {
            Ok(body)
        } else {
            Err(TransportError::Http { status, body })
        }
    }
}

/// A server address a laptop may use: `https://` anywhere, plain `http://` only to this
/// machine. The URL is parsed and its host compared, so `http://127.0.0.1@evil.example/`
/// (user `127.0.0.1` at host `evil.example`) is not taken for a loopback address; a user name
/// or password in the address is refused altogether.
pub(super) fn check_server_url(server: &str) -> Result<()> {
    let bad = |why: &str| CoreError::Invalid(format!("'{server}' {why}"));
    let uri: ureq::http::Uri = server
        .parse()
        .map_err(|_| bad("is not an http(s):// URL"))?;
    let authority = uri
        .authority()
        .ok_or_else(|| bad("is not an http(s):// URL"))?;
    if authority.as_str().contains('@') {
        return Err(bad("names a user: give the server's address only"));
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => Ok(()),
        Some("http") => {
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(CoreError::Invalid(
                    "plain http:// is only for a server on this machine; use https://".into(),
                ))
            }
        }
        _ => Err(bad("is not an http(s):// URL")),
    }
}

#[cfg(test)]
mod url_tests {
    use super::check_server_url;

    #[test]
    pub(super) fn plain_http_only_to_this_machine_whatever_the_url_hides() {
        for ok in [
            "https://office.example:8443",
            "http://127.0.0.1:8443",
            "http://127.5.0.1",
            "http://localhost:80/",
            "http://[::1]:8443",
            "HTTP://LOCALHOST:1",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://127.0.0.1@evil.example/",
            "http://127.0.0.1:8443@evil.example:8443",
            "https://user:pw@office.example",
            "http://127.0.0.1.evil.example/",
            "http://localhost.evil.example",
            "http://192.0.2.10:8443",
            "ftp://127.0.0.1",
            "office.example",
            "",
        ] {
            assert!(check_server_url(bad).is_err(), "{bad}");
        }
    }
}
