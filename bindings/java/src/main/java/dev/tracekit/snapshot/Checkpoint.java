package dev.tracekit.snapshot;

import dev.tracekit.internal.Site;

import java.util.Map;
import java.util.function.Supplier;

/**
 * One call site, located once (SnapshotClient.checkpoint). An inactive
 * capture() reads the site's flag in native memory: no native call, no
 * stack walk, no allocation.
 *
 *     private static final Checkpoint CHECKOUT = sdk.getSnapshotClient().checkpoint("order-checkout");
 *     ...
 *     CHECKOUT.capture(() -> Map.of("orderId", id, "total", total));
 */
public final class Checkpoint {
    private final SnapshotClient owner;
    private final Site site;

    Checkpoint(SnapshotClient owner, Site site) {
        this.owner = owner;
        this.site = site;
    }

    /** Whether a capture here would be attempted now. */
    public boolean isActive() {
        return site != null && site.isActive();
    }

    /** Captures the variables when active. Never throws. */
    public void capture(Map<String, ?> variables) {
        if (site != null && site.isActive()) {
            owner.capture(site, variables);
        }
    }

    /** As capture(Map), building the variables only when active. Never throws. */
    public void capture(Supplier<? extends Map<String, ?>> variables) {
        if (site != null && site.isActive()) {
            Map<String, ?> built;
            try {
                built = variables.get();
            } catch (Throwable error) {
                return;
            }
            owner.capture(site, built);
        }
    }
}
