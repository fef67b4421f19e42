package dev.tracekit.snapshot;

import dev.tracekit.TracekitSDK;
import dev.tracekit.internal.FlatJson;
import dev.tracekit.internal.NativeClient;
import dev.tracekit.internal.NativeClient.StackFrameInfo;
import dev.tracekit.internal.Site;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * Checkpoints on libtracekit (the official SDK's SnapshotClient).
 *
 * The engine keeps breakpoints in sync (SSE, else polling), scrubs and bounds
 * variables and sends snapshots from its own threads: a checkpoint never
 * waits on the network. Every entry point catches Throwable: a checkpoint
 * never throws into the application (getLastError() keeps the message).
 *
 * Two ways to place a checkpoint:
 *   checkAndCaptureWithContext(label, vars)  finds its call site with a
 *       StackWalker on every call (what the official SDK does);
 *   checkpoint(label) -> Checkpoint          finds it once; then an inactive
 *       capture() is one read of the site's flag in native memory.
 */
public final class SnapshotClient {
    private static final Logger LOG = Logger.getLogger(SnapshotClient.class.getName());
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    /** Frames of this API, skipped when locating the caller. */
    private static final Set<Class<?>> API = Set.of(SnapshotClient.class, Checkpoint.class, TracekitSDK.class);
    private static final int STACK_FRAMES = 16;

    private final NativeClient client;
    private volatile String lastError;

    /** @param client null: code monitoring is off and every call is a no-op */
    public SnapshotClient(NativeClient client) {
        this.client = client;
    }

    /** Captures a snapshot here when a breakpoint for this call site is enabled. Never throws. */
    public void checkAndCaptureWithContext(String label, Map<String, ?> variables) {
        try {
            if (client == null || client.isClosed()) {
                return;
            }
            StackWalker.StackFrame caller = WALKER.walk(frames -> frames.filter(SnapshotClient::isCaller)
                    .findFirst().orElse(null));
            Site site = caller == null ? null : client.site(label == null ? "" : label, filePath(caller),
                    caller.getLineNumber(), functionName(caller));
            if (site != null && site.isActive()) {
                capture(site, variables);
            }
        } catch (Throwable error) {
            fail(error);
        }
    }

    /**
     * A handle for the call site of this call (label + the caller's file,
     * line and method), to keep in a field and capture() through. Never throws.
     */
    public Checkpoint checkpoint(String label) {
        try {
            StackWalker.StackFrame caller = WALKER.walk(frames -> frames.filter(SnapshotClient::isCaller)
                    .findFirst().orElse(null));
            if (client != null && caller != null) {
                return new Checkpoint(this, client.site(label == null ? "" : label, filePath(caller),
                        caller.getLineNumber(), functionName(caller)));
            }
        } catch (Throwable error) {
            fail(error);
        }
        return new Checkpoint(this, null);
    }

    /** Captures at an active site (Checkpoint's slow path). */
    void capture(Site site, Map<String, ?> variables) {
        try {
            List<StackFrameInfo> stack = WALKER.walk(frames -> frames.filter(SnapshotClient::isCaller)
                    .limit(STACK_FRAMES)
                    .map(frame -> new StackFrameInfo(functionName(frame), filePath(frame), frame.getLineNumber()))
                    .collect(Collectors.toList()));
            String failure = client.capture(site, variables, stack);
            if (failure != null) {
                lastError = failure;
            }
        } catch (Throwable error) {
            fail(error);
        }
    }

    /** Waits up to timeoutMs for queued snapshots to be sent. True when they were. */
    public boolean flush(long timeoutMs) {
        try {
            return client != null && client.flush(timeoutMs);
        } catch (Throwable error) {
            fail(error);
            return false;
        }
    }

    /** The engine's counters (captured, sent, dropped_*, kill_switch, breakpoints, sse_connects, ...). */
    public Map<String, Object> getStats() {
        try {
            return client == null ? Collections.emptyMap() : FlatJson.parse(client.statsJson());
        } catch (Throwable error) {
            fail(error);
            return Collections.emptyMap();
        }
    }

    /** The last failure inside a checkpoint or call, if any. */
    public String getLastError() {
        return lastError;
    }

    /** Sends what is queued (bounded by captureTimeoutMs) and frees the native client. Idempotent. */
    public void stop() {
        try {
            if (client != null) {
                client.close();
            }
        } catch (Throwable error) {
            fail(error);
        }
    }

    private static boolean isCaller(StackWalker.StackFrame frame) {
        return !API.contains(frame.getDeclaringClass());
    }

    /** As the official SDK: "Class.method". */
    private static String functionName(StackWalker.StackFrame frame) {
        return frame.getClassName() + "." + frame.getMethodName();
    }

    /** As the official SDK: the package as a path plus the source file name. */
    private static String filePath(StackWalker.StackFrame frame) {
        String className = frame.getClassName();
        String fileName = frame.getFileName();
        int lastDot = className.lastIndexOf('.');
        if (fileName == null) {
            return className.replace('.', '/') + ".java";
        }
        return lastDot > 0 ? className.substring(0, lastDot).replace('.', '/') + "/" + fileName : fileName;
    }

    private void fail(Throwable error) {
        lastError = String.valueOf(error);
        LOG.log(Level.FINE, "TraceKit: checkpoint failed", error);
    }
}
