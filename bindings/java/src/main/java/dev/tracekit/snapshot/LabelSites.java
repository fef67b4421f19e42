package dev.tracekit.snapshot;

import dev.tracekit.internal.Site;

import java.util.Arrays;

/**
 * The call sites one label has been seen at: the label-keyed fast path of
 * checkAndCaptureWithContext / captureSnapshot.
 *
 * While every site of a label is inactive, a call with the label returns after
 * reading their flags: no stack walk, no native call. The caller is located
 * (StackWalker) when the label is new, while one of its sites is active (to
 * capture with the real location), and on every PROBE_INTERVAL-th call of the
 * label: that is how a second call site reusing the label is discovered and
 * registered. A probe locates whichever site makes that call, so a new site is
 * found on average within PROBE_INTERVAL of its own calls (at once if another
 * site of the label is active). PROBE_INTERVAL is 4096, not the Node binding's
 * 1024: a probe is a StackWalker walk of microseconds, which at 1024 added
 * 2 to 3 ns to every inactive call (Benchmarks/RESULTS.md).
 *
 * Thread-safety without locks on the fast path: sites is an immutable array,
 * replaced under this object's lock by the slow path only; the countdown is a
 * plain field, so a decrement lost to a race only delays a probe.
 */
final class LabelSites {
    static final int PROBE_INTERVAL = 4096;
    /** A label seen at more call sites than this always takes the slow path (too many flags to scan). */
    static final int MAX_SITES = 64;
    private static final Site[] NONE = new Site[0];
    /** What sites becomes once the label has more than MAX_SITES call sites. */
    private static final Site[] CROWDED = new Site[0];

    private volatile Site[] sites = NONE;
    private int probeCountdown = PROBE_INTERVAL;

    /** True when this call may return at once: no probe is due and no site of the label is active. */
    boolean quiet() {
        Site[] known = sites;
        if (--probeCountdown <= 0 || known == CROWDED) {
            return false;
        }
        for (Site site : known) {
            if (site.isActive()) {
                return false;
            }
        }
        return true;
    }

    /** The slow path located its caller at site: restarts the countdown and remembers the site. */
    void seen(Site site) {
        probeCountdown = PROBE_INTERVAL;
        if (site.isInert() || settled(sites, site)) {
            return;
        }
        synchronized (this) {
            Site[] known = sites;
            if (settled(known, site)) {
                return;
            }
            if (known.length >= MAX_SITES) {
                sites = CROWDED;
                return;
            }
            Site[] grown = Arrays.copyOf(known, known.length + 1);
            grown[known.length] = site;
            sites = grown;
        }
    }

    /** Nothing to add: the label is crowded, or site is known. */
    private static boolean settled(Site[] known, Site site) {
        if (known == CROWDED) {
            return true;
        }
        for (Site each : known) {
            if (each == site) {
                return true;
            }
        }
        return false;
    }
}
