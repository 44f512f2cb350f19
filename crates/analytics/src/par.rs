//! Work split over the machine's cores with scoped threads (no thread pool, no dependency):
//! the sums of the fits and the per-customer loops run on every core.

use std::ops::Range;

/// Cores to use (at most 8, or `FIDELIS_THREADS`), asked once: the standard library reads
/// cgroup files each time.
pub fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::env::var("FIDELIS_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .clamp(1, 8)
    })
}

/// Run `f` on consecutive ranges covering `0..n`, one per core (one range only when `n` is
/// below `min_chunk`); results in range order.
pub fn ranges<R: Send>(n: usize, min_chunk: usize, f: impl Fn(Range<usize>) -> R + Sync) -> Vec<R> {
    let parts = threads().min(n / min_chunk.max(1)).max(1);
    if parts == 1 {
        return vec![f(0..n)];
    }
    let size = n.div_ceil(parts);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..parts)
            .map(|k| {
                let f = &f;
                scope.spawn(move || f(k * size..((k + 1) * size).min(n)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker thread"))
            .collect()
    })
}

/// `f(i)` for every i in `0..n`, on every core, in order; the first error stops the result.
/// `tick(k)` reports k more done.
pub fn map<T: Send, E: Send>(
    n: usize,
    f: impl Fn(usize) -> Result<T, E> + Sync,
    tick: impl Fn(u64) + Sync,
) -> Result<Vec<T>, E> {
    map_min(n, 1024, f, tick)
}

/// [`map`] for costly items: split over the cores once there are `min_chunk` per core.
pub fn map_min<T: Send, E: Send>(
    n: usize,
    min_chunk: usize,
    f: impl Fn(usize) -> Result<T, E> + Sync,
    tick: impl Fn(u64) + Sync,
) -> Result<Vec<T>, E> {
    let parts = ranges(n, min_chunk, |r| -> Result<Vec<T>, E> {
        let mut out = Vec::with_capacity(r.len());
        for (k, i) in r.enumerate() {
            out.push(f(i)?);
            if k % 4096 == 4095 {
                tick(4096);
            }
        }
        Ok(out)
    });
    let mut all = Vec::with_capacity(n);
    for p in parts {
        all.extend(p?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_cover_everything_once_in_order() {
        for n in [0usize, 1, 7, 1000, 100_003] {
            let parts = super::ranges(n, 10, |r| r);
            let mut next = 0;
            for r in parts {
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, n);
        }
        let squares = super::map(10_000, |i| Ok::<_, ()>(i * i), |_| {}).unwrap();
        assert!(squares.iter().enumerate().all(|(i, &s)| s == i * i));
        assert_eq!(
            super::map(10_000, |i| if i == 7_777 { Err(i) } else { Ok(i) }, |_| {}),
            Err(7_777)
        );
    }
}
