//! Rate limits, so that a flood cannot wear the server down or drown its audit log: failed
//! authentication and enrolment attempts per address (checked before any database work, so
//! a refused flood costs no write), requests per enrolled device, and a cap on the audit rows
//! that requests from nobody in particular may write per minute (the rest are counted, and
//! the count is logged). Token buckets in memory: per server instance, forgotten at restart.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// A bucket's size and how fast it refills.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: f64,
    pub per_second: f64,
}

/// What the server allows.
#[derive(Debug, Clone, Copy)]
pub struct LimitConfig {
    /// Failed authentications and enrolments from one address.
    pub failures_per_ip: Rate,
    /// Requests of one enrolled device.
    pub requests_per_device: Rate,
    /// Audit rows written per minute for requests that carry no valid token.
    pub anonymous_audit_per_minute: u32,
}

impl Default for LimitConfig {
    /// Ten failures at once, then one every six seconds; a laptop may send 600 requests at
    /// once and 60 a second after (a first sync of 10,000 files takes about 200); 30 audit
    /// rows a minute from unknown callers.
    fn default() -> Self {
        LimitConfig {
            failures_per_ip: Rate {
                burst: 10.0,
                per_second: 1.0 / 6.0,
            },
            requests_per_device: Rate {
                burst: 600.0,
                per_second: 60.0,
            },
            anonymous_audit_per_minute: 30,
        }
    }
}

/// Token buckets by key; idle keys are forgotten once there are many.
struct Buckets<K> {
    rate: Rate,
    map: Mutex<HashMap<K, (f64, Instant)>>,
    /// When full buckets were last swept out (at most once a second: a sweep is a pass over
    /// the whole map).
    swept: Mutex<Option<Instant>>,
}

/// Keys beyond this many are swept of full buckets (an attacker cycling addresses cannot grow
/// the map without bound).
const MAX_KEYS: usize = 50_000;

impl<K: Hash + Eq + Clone> Buckets<K> {
    fn new(rate: Rate) -> Self {
        Buckets {
            rate,
            map: Mutex::new(HashMap::new()),
            swept: Mutex::new(None),
        }
    }

    /// Refill `key`'s bucket to now; take one token if `take`. Whether one was there.
    fn check(&self, key: &K, take: bool) -> bool {
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            let mut swept = self.swept.lock().unwrap_or_else(|e| e.into_inner());
            if swept.is_none_or(|t| now.duration_since(t).as_secs() >= 1) {
                *swept = Some(now);
                let rate = self.rate;
                map.retain(|_, (tokens, at)| {
                    *tokens + now.duration_since(*at).as_secs_f64() * rate.per_second < rate.burst
                });
            }
            // Still full: a newcomer is held back until the sweep frees room (legitimate
            // laptops with a valid token are never asked).
            if map.len() >= MAX_KEYS {
                return false;
            }
        }
        let (tokens, at) = map.entry(key.clone()).or_insert((self.rate.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate.per_second)
            .min(self.rate.burst);
        *at = now;
        if *tokens < 1.0 {
            return false;
        }
        if take {
            *tokens -= 1.0;
        }
        true
    }
}

/// The key an address is limited by: itself for IPv4, its /64 for IPv6 (one host has a whole
/// /64 to choose addresses from).
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::V6(seg.into())
        }
    }
}

/// The server's limits, shared by every request of one instance.
pub struct Limits {
    failures: Buckets<IpAddr>,
    devices: Buckets<String>,
    anonymous_per_minute: u32,
    /// (the minute, rows written in it, rows not written since the last one written)
    anonymous: Mutex<(i64, u32, u64)>,
}

impl Limits {
    pub fn new(config: LimitConfig) -> Self {
        Limits {
            failures: Buckets::new(config.failures_per_ip),
            devices: Buckets::new(config.requests_per_device),
            anonymous_per_minute: config.anonymous_audit_per_minute,
            anonymous: Mutex::new((0, 0, 0)),
        }
    }

    /// May `ip` try again? False once its failures used up its bucket (answered 429 without
    /// touching the database).
    pub fn may_try(&self, ip: IpAddr) -> bool {
        self.failures.check(&network(ip), false)
    }

    /// `ip` failed to authenticate or enrol.
    pub fn failed(&self, ip: IpAddr) {
        self.failures.check(&network(ip), true);
    }

    /// One request of `device_id`: false when over its rate.
    pub fn device_request(&self, device_id: &str) -> bool {
        self.devices.check(&device_id.to_string(), true)
    }

    /// May an audit row for a request without a valid token be written now (at `now`, unix
    /// seconds)? `Some(n)`: yes, and `n` rows were left out before it; `None`: over the cap.
    pub fn anonymous_audit(&self, now: i64) -> Option<u64> {
        let mut a = self.anonymous.lock().unwrap_or_else(|e| e.into_inner());
        let minute = now.div_euclid(60);
        if a.0 != minute {
            a.0 = minute;
            a.1 = 0;
        }
        if a.1 >= self.anonymous_per_minute {
            a.2 += 1;
            return None;
        }
        a.1 += 1;
        Some(std::mem::take(&mut a.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refuse_past_the_burst_and_keys_are_apart() {
        let l = Limits::new(LimitConfig {
            failures_per_ip: Rate {
                burst: 3.0,
                per_second: 0.0,
            },
            requests_per_device: Rate {
                burst: 2.0,
                per_second: 0.0,
            },
            anonymous_audit_per_minute: 2,
        });
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "::1".parse().unwrap());
        for _ in 0..3 {
            assert!(l.may_try(a));
            l.failed(a);
        }
        assert!(!l.may_try(a));
        assert!(l.may_try(b), "another address is not held back");
        // Another address of the same IPv6 /64 is the same host.
        let (c, d): (IpAddr, IpAddr) = (
            "2001:db8::1".parse().unwrap(),
            "2001:db8::ffff:2".parse().unwrap(),
        );
        for _ in 0..3 {
            l.failed(c);
        }
        assert!(!l.may_try(d), "a /64 is one address");
        assert!(
            l.may_try("2001:db8:0:1::1".parse().unwrap()),
            "another /64 is not held back"
        );
        assert!(l.device_request("d1") && l.device_request("d1"));
        assert!(!l.device_request("d1"));
        assert!(l.device_request("d2"));
        assert_eq!(l.anonymous_audit(60), Some(0));
        assert_eq!(l.anonymous_audit(61), Some(0));
        assert_eq!(l.anonymous_audit(62), None);
        assert_eq!(l.anonymous_audit(63), None);
        // The next minute logs again and says how many were left out.
        assert_eq!(l.anonymous_audit(120), Some(2));
        assert_eq!(l.anonymous_audit(121), Some(0));
    }
}
