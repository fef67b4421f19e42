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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
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
 *   checkAndCaptureWithContext(label, vars)  looks the label up first: while
 *       every call site seen with it is inactive, a call reads their flags and
 *       returns; the StackWalker locates the caller only for a new label, an
 *       active site, and every 4096th call of a label (LabelSites);
 *   checkpoint(label) -> Checkpoint          finds its site once; then an
 *       inactive capture() is one read of the site's flag in native memory.
 */
public final class SnapshotClient {
    private static final Logger LOG = Logger.getLogger(SnapshotClient.class.getName());
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    /** Frames of this API, skipped when locating the caller. */
    private static final Set<Class<?>> API = Set.of(SnapshotClient.class, Checkpoint.class, TracekitSDK.class);
    private static final int STACK_FRAMES = 16;
    /** As the library's own site limit; labels beyond it always take the slow path. */
    private static final int MAX_LABELS = 100_000;

    private final NativeClient client;
    private final Map<String, LabelSites> labels = new ConcurrentHashMap<>();
    /** Stack walks made so far: lets tests show an inactive known label makes none. */
    private final LongAdder stackWalks = new LongAdder();
    private volatile String lastError;

    /** @param client null: code monitoring is off and every call is a no-op */
    public SnapshotClient(NativeClient client) {
        this.client = client;
    }

    /** Captures a snapshot here when a breakpoint for this call site is enabled. Never throws. */
    public void checkAndCaptureWithContext(String label, Map<String, ?> variables) {
        try {
            String name = label == null ? "" : label;
            LabelSites known = labels.get(name);
            if (known == null || !known.quiet()) {
                locateAndCapture(name, variables, known);
            }
        } catch (Throwable error) {
            fail(error);
        }
    }

    /** The slow path: locate the caller, intern its site (the first hit registers it), capture when active. */
    private void locateAndCapture(String label, Map<String, ?> variables, LabelSites known) {
        if (client == null || client.isClosed()) {
            return;
        }
        StackFrameInfo caller = caller();
        if (caller == null) {
            return;
        }
        Site site = client.site(label, caller.file, caller.line, caller.function);
        LabelSites sites = known != null ? known
                : labels.size() < MAX_LABELS ? labels.computeIfAbsent(label, unused -> new LabelSites()) : null;
        if (sites != null) {
            sites.seen(site);
        }
        if (site.isActive()) {
            capture(site, variables);
        }
    }

    /**
     * A handle for the call site of this call (label + the caller's file,
     * line and method), to keep in a field and capture() through. Never throws.
     */
    public Checkpoint checkpoint(String label) {
        try {
            StackFrameInfo caller = caller();
            if (client != null && caller != null) {
                return new Checkpoint(this, client.site(label == null ? "" : label, caller.file, caller.line,
                        caller.function));
            }
        } catch (Throwable error) {
            fail(error);
        }
        return new Checkpoint(this, null);
    }

    /** Captures at an active site (Checkpoint's slow path). */
    void capture(Site site, Map<String, ?> variables) {
        try {
            String failure = client.capture(site, variables, callerStack(STACK_FRAMES));
            if (failure != null) {
                lastError = failure;
            }
        } catch (Throwable error) {
            fail(error);
        }
    }

    /** The frame that called this API, or null. One frame only: locating is the cost of a probe. */
    private StackFrameInfo caller() {
        List<StackFrameInfo> stack = callerStack(1);
        return stack.isEmpty() ? null : stack.get(0);
    }

    /** The caller's stack, innermost first, without this API's frames (at most depth frames). */
    private List<StackFrameInfo> callerStack(int depth) {
        stackWalks.increment();
        return WALKER.walk(frames -> frames.filter(SnapshotClient::isCaller)
                .limit(depth)
                .map(frame -> new StackFrameInfo(functionName(frame), filePath(frame), frame.getLineNumber()))
                .collect(Collectors.toList()));
    }

    long stackWalks() {
        return stackWalks.sum();
    }

    long checkpointNativeCalls() {
        return client == null ? 0 : client.checkpointNativeCalls();
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
