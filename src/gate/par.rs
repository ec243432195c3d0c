//! Work spread over the machine's cores: a map whose results come back in
//! the order of its inputs, so whatever runs in parallel (parsing and
//! validating manifests, projecting changes) gives the very report the
//! sequential run gives.
//!
//! Scoped threads from the standard library, no thread pool: each call
//! cuts its items into one contiguous chunk per core and joins them in
//! order. A small job stays on the calling thread, where a thread's start
//! would cost more than it saves.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Below this many items a map runs on the calling thread.
const MIN_PARALLEL: usize = 16;

/// Threads a map may use; 0: as many as the machine has cores.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads a map may use (0: one per core). The results do
/// not depend on it; the tests compare 1 with several.
#[doc(hidden)]
pub fn set_threads(n: usize) {
    THREADS.store(n, Ordering::Relaxed);
}

/// The machine's cores, asked once: the standard library reads the
/// cgroup's CPU quota from /proc and /sys on every call.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => cores(),
        n => n,
    }
}

/// `items.iter().map(f).collect()`, the items split among the cores.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() < MIN_PARALLEL {
        return items.iter().map(f).collect();
    }
    map_with(threads(), items, f)
}

/// [`map`] on at most `threads` threads.
pub fn map_with<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.min(items.len() / (MIN_PARALLEL / 2).max(1)).max(1);
    if threads == 1 || items.len() < MIN_PARALLEL {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                // A panic in `f` is a defect: carry it to the caller as
                // the sequential map would have.
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any thread count, any length: the sequential map's results, in
    /// order (lengths around the chunk edges included).
    #[test]
    fn the_map_is_the_sequential_map_in_order() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in (0..70).chain([97, 128, 1001]) {
            let items: Vec<u64> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed
                })
                .collect();
            let f = |x: &u64| x.wrapping_mul(31).rotate_left(7) ^ (x >> 3);
            let want: Vec<u64> = items.iter().map(f).collect();
            for t in [1, 2, 3, 4, 7, 16] {
                assert_eq!(map_with(t, &items, f), want, "{len} items, {t} threads");
            }
        }
    }

    /// The threads a map ran `f` on, and whether the caller's was one.
    fn threads_of(run: impl FnOnce(&(dyn Fn() + Sync))) -> (usize, bool) {
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        run(&|| {
            seen.lock()
                .expect("no test thread panics")
                .insert(std::thread::current().id());
        });
        let seen = seen.into_inner().expect("no test thread panics");
        (seen.len(), seen.contains(&std::thread::current().id()))
    }

    /// The work is spread over the threads asked for, at most one per 8
    /// items, and a job of fewer than 16 items stays on the calling thread
    /// (cargo-mutants: the thread-count arithmetic and the small-job test
    /// mutated, and `set_threads` or `threads` ignored, survived: the
    /// results are the same on any number of threads).
    #[test]
    fn a_map_runs_on_the_threads_asked_for() {
        let on = |t: usize, len: usize| {
            let items = vec![(); len];
            threads_of(|f| {
                map_with(t, &items, |_| f());
            })
        };
        assert_eq!(on(4, 15), (1, true));
        assert_eq!(on(4, 16), (2, false));
        assert_eq!(on(1, 1000), (1, true));
        assert_eq!(on(3, 1000), (3, false));
        assert_eq!(on(2, 23), (2, false));
        let items = vec![(); 1000];
        set_threads(3);
        let three = threads_of(|f| {
            map(&items, |_| f());
        });
        set_threads(0);
        assert_eq!(three, (3, false));
    }
}
