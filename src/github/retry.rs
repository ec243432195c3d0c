//! What happens when GitHub does not answer, or answers "not now": the
//! retry rule, the backoff and the timeouts, in one place.
//!
//! Retries are ours, not octocrab's, because the rule differs by method. A
//! read is safe to send again after a 5xx, a timeout or a dropped
//! connection. A write is not: a POST that timed out may have created the
//! comment, so writes are retried only when GitHub says it did not process
//! the request (429, or a rate-limit 403 with `retry-after` or no quota
//! left). Any other 403, like a 401 or 404, is final: the token may not do
//! this, and the caller decides what that means (the comment step reports
//! it and the verdict stands). Waits honour `retry-after` and
//! `x-ratelimit-reset` up to a minute; a secondary rate limit that names no
//! wait (a 403 or 429 whose message says so) waits the minute GitHub asks
//! for, at most [`MAX_ATTEMPTS`] - 1 times a request, within the job's
//! `timeout-minutes`. The backoff base comes from `IER_GATE_RETRY_BASE_MS`
//! and that minute from `IER_GATE_SECONDARY_WAIT_MS`, so tests run fast.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, StatusCode};

/// At most this many tries of one request.
pub const MAX_ATTEMPTS: u32 = 4;
/// A server's "wait this long" above which we stop rather than sit idle.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// How long to wait for a connection (less when the read timeout is less).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A bound on one request end to end, whatever the socket does: twice the
/// wait for one byte (`IER_GATE_HTTP_TIMEOUT_MS`).
pub fn request_timeout(read_timeout: Duration) -> Duration {
    read_timeout.saturating_mul(2)
}

/// What an attempt came to, for the retry rule.
#[derive(Debug)]
pub enum Attempt<'a> {
    /// No response: connection refused or reset, a timeout.
    Transport,
    Status(StatusCode, &'a HeaderMap),
    /// A 403 or 429 whose message says it is GitHub's secondary rate
    /// limit; `wait` is how long to wait when the headers name no time.
    SecondaryLimit(&'a HeaderMap, Duration),
}

/// Whether a response body is GitHub's secondary rate limit message (or
/// points at its documentation).
pub fn says_secondary_limit(body: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Msg {
        #[serde(default)]
        message: String,
        #[serde(default)]
        documentation_url: String,
    }
    serde_json::from_str::<Msg>(body).is_ok_and(|m| {
        m.message
            .to_ascii_lowercase()
            .contains("secondary rate limit")
            || m.documentation_url.contains("secondary-rate-limit")
    })
}

/// A response, as far as the retry rule looks at it.
pub trait Answered {
    fn status(&self) -> StatusCode;
    fn headers(&self) -> &HeaderMap;
    /// The body says this is a secondary rate limit.
    fn secondary_limit(&self) -> bool {
        false
    }
}

/// How long to wait before trying again, or `None` to stop. `attempt` is
/// the number of tries made so far (1 after the first).
pub fn retry_delay(
    write: bool,
    outcome: Attempt<'_>,
    attempt: u32,
    base: Duration,
    now: SystemTime,
) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let backoff = || base.saturating_mul(1 << (attempt - 1).min(16));
    let delay = match outcome {
        Attempt::Transport => (!write).then(backoff)?,
        // GitHub did not process it, so a write may go again too.
        Attempt::SecondaryLimit(headers, wait) => hinted_wait(headers, now).unwrap_or(wait),
        Attempt::Status(status, headers) => {
            if rate_limited(status, headers) {
                hinted_wait(headers, now).unwrap_or_else(backoff)
            } else if status.is_server_error() && !write {
                backoff()
            } else {
                return None;
            }
        }
    };
    (delay <= MAX_WAIT).then_some(delay)
}

/// GitHub did not process the request and says so: 429, or a 403 that is
/// its secondary or primary rate limit rather than a refusal.
fn rate_limited(status: StatusCode, headers: &HeaderMap) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && (headers.contains_key("retry-after")
                || header(headers, "x-ratelimit-remaining") == Some("0")))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The wait GitHub asks for: `retry-after` seconds, or until
/// `x-ratelimit-reset` when the quota is spent.
fn hinted_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(secs) = header(headers, "retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if header(headers, "x-ratelimit-remaining") == Some("0") {
        let reset = header(headers, "x-ratelimit-reset")?.parse::<u64>().ok()?;
        let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
        return Some(Duration::from_secs(reset.saturating_sub(now) + 1));
    }
    None
}

/// Up to a quarter more, so parallel jobs do not retry in lockstep.
fn jitter(d: Duration) -> Duration {
    let quarter = d.as_millis() as u64 / 4;
    if quarter == 0 {
        return d;
    }
    d + Duration::from_millis(fastrand::u64(0..=quarter))
}

/// Runs `attempt` until it succeeds or [`retry_delay`] says stop, sleeping
/// between tries; returns the last result and how many tries it took. Any
/// status comes back as a response, only a transport failure as an error.
pub async fn with_retries<R, Fut>(
    write: bool,
    base: Duration,
    secondary_wait: Duration,
    mut attempt: impl FnMut() -> Fut,
) -> (Result<R, String>, u32)
where
    R: Answered,
    Fut: Future<Output = Result<R, String>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        let result = attempt().await;
        let delay = match &result {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => {
                let secondary = matches!(
                    r.status(),
                    StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
                ) && r.secondary_limit();
                let outcome = if secondary {
                    Attempt::SecondaryLimit(r.headers(), secondary_wait)
                } else {
                    Attempt::Status(r.status(), r.headers())
                };
                retry_delay(write, outcome, tries, base, SystemTime::now())
            }
            Err(_) => retry_delay(write, Attempt::Transport, tries, base, SystemTime::now()),
        };
        match delay {
            Some(d) => tokio::time::sleep(jitter(d)).await,
            None => return (result, tries),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header value"));
        }
        h
    }

    const BASE: Duration = Duration::from_millis(100);

    #[test]
    fn reads_retry_on_5xx_and_transport_errors_with_backoff() {
        let h = HeaderMap::new();
        let now = SystemTime::now();
        let s502 = Attempt::Status(StatusCode::BAD_GATEWAY, &h);
        assert_eq!(retry_delay(false, s502, 1, BASE, now), Some(BASE));
        assert_eq!(
            retry_delay(false, Attempt::Transport, 2, BASE, now),
            Some(BASE * 2)
        );
        assert_eq!(retry_delay(false, Attempt::Transport, 4, BASE, now), None);
        let s404 = Attempt::Status(StatusCode::NOT_FOUND, &h);
        assert_eq!(retry_delay(false, s404, 1, BASE, now), None);
    }

    #[test]
    fn writes_retry_only_when_github_did_not_process_them() {
        let none = HeaderMap::new();
        let now = SystemTime::now();
        let s502 = Attempt::Status(StatusCode::BAD_GATEWAY, &none);
        assert_eq!(retry_delay(true, s502, 1, BASE, now), None);
        assert_eq!(retry_delay(true, Attempt::Transport, 1, BASE, now), None);
        let s429 = Attempt::Status(StatusCode::TOO_MANY_REQUESTS, &none);
        assert_eq!(retry_delay(true, s429, 1, BASE, now), Some(BASE));
        let plain403 = Attempt::Status(StatusCode::FORBIDDEN, &none);
        assert_eq!(retry_delay(true, plain403, 1, BASE, now), None);
        let ra = headers(&[("retry-after", "3")]);
        let secondary = Attempt::Status(StatusCode::FORBIDDEN, &ra);
        assert_eq!(
            retry_delay(true, secondary, 1, BASE, now),
            Some(Duration::from_secs(3))
        );
    }

    #[test]
    fn waits_for_the_rate_limit_reset_within_reason() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let soon = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1010"),
        ]);
        let s = Attempt::Status(StatusCode::FORBIDDEN, &soon);
        assert_eq!(
            retry_delay(false, s, 1, BASE, now),
            Some(Duration::from_secs(11))
        );
        let late = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "5000"),
        ]);
        let s = Attempt::Status(StatusCode::FORBIDDEN, &late);
        assert_eq!(retry_delay(false, s, 1, BASE, now), None);
    }

    #[test]
    fn a_secondary_rate_limit_without_retry_after_waits_the_minute() {
        let none = HeaderMap::new();
        let now = SystemTime::now();
        let minute = Duration::from_secs(60);
        for write in [false, true] {
            let s = Attempt::SecondaryLimit(&none, minute);
            assert_eq!(retry_delay(write, s, 1, BASE, now), Some(minute));
        }
        let ra = headers(&[("retry-after", "5")]);
        let s = Attempt::SecondaryLimit(&ra, minute);
        assert_eq!(
            retry_delay(true, s, 1, BASE, now),
            Some(Duration::from_secs(5))
        );
        let s = Attempt::SecondaryLimit(&none, minute);
        assert_eq!(retry_delay(true, s, MAX_ATTEMPTS, BASE, now), None);
        assert!(says_secondary_limit(
            r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}"#
        ));
        assert!(!says_secondary_limit(
            r#"{"message":"Resource not accessible by integration"}"#
        ));
        assert!(!says_secondary_limit("secondary rate limit, but not JSON"));
    }

    #[test]
    fn jitter_adds_at_most_a_quarter() {
        for _ in 0..100 {
            let d = jitter(Duration::from_millis(400));
            assert!((400..=500).contains(&d.as_millis()), "{d:?}");
        }
        assert_eq!(jitter(Duration::from_millis(3)), Duration::from_millis(3));
    }
}
