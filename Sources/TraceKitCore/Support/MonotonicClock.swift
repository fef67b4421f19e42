import Glibc

/// Time that only moves forward, for timeouts, backoff and rate limits.
///
/// Wall-clock time can jump (NTP, an operator setting the date); measuring
/// intervals with it would make a timeout fire early or never.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (boot, on Linux).
    public static func nowNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return nanoseconds(ts)
    }

    /// The same clock at its tick resolution (a few ms, CLOCK_MONOTONIC_COARSE),
    /// for decisions on the checkpoint path: it reads the kernel's last tick
    /// instead of the time source, a fraction of the cost (in some
    /// virtualised environments CLOCK_MONOTONIC is a ~200 ns system call).
    /// Rate budgets, capture_frequency and cooldowns lose nothing at that
    /// resolution.
    public static func coarseNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return nanoseconds(ts)
    }

    /// Milliseconds on the same clock, for APIs that think in milliseconds.
    public static func nowMilliseconds() -> UInt64 {
        nowNanoseconds() / 1_000_000
    }

    package static func nanoseconds(_ ts: timespec) -> UInt64 {
        // Both fields are non-negative for these clocks; wrapping arithmetic
        // keeps a broken kernel value from trapping inside a host process.
        let seconds = UInt64(clamping: ts.tv_sec)
        let nanos = UInt64(clamping: ts.tv_nsec)
        return seconds &* 1_000_000_000 &+ nanos
    }
}
