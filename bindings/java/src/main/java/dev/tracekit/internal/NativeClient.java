package dev.tracekit.internal;

import com.sun.jna.Pointer;
import dev.tracekit.RequestContext;
import dev.tracekit.TracekitConfig;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One libtracekit client: its call sites and the capture path.
 *
 * Lifetime: sites point into the client's memory. close() shuts the
 * client down (it sends what is queued; concurrent calls get
 * TK_ERR_SHUT_DOWN and every site's flag reads 0), points every site at an
 * always-0 flag, then frees the client under the write lock; captures run
 * under the read lock and re-check closed, so no native call ever uses a
 * freed client.
 */
public final class NativeClient {
    private static final int MAX_SITES = 100_000;

    private final Pointer client;
    private final Map<SiteKey, Site> sites = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock lifetime = new ReentrantReadWriteLock();
    /** Native calls made for checkpoints (site interning, captures): lets tests show an inactive one makes none. */
    private final LongAdder checkpointNativeCalls = new LongAdder();
    private volatile boolean closed;

    /** @throws IllegalArgumentException naming an option the library rejects, or when it cannot start */
    public NativeClient(TracekitConfig config) {
        Throwable loadFailure = NativeApi.loadFailure();
        if (loadFailure != null) {
            throw new IllegalStateException("libtracekit could not be loaded: " + loadFailure.getMessage());
        }
        Pointer options = NativeOptions.create(config);
        try {
            client = NativeApi.tk_client_new(options);
        } finally {
            NativeApi.tk_options_free(options);
        }
        if (client == null) {
            throw new IllegalArgumentException("cannot start code monitoring: " + NativeApi.lastError());
        }
    }

    /** The interned site of a call site (an inert one once closed or beyond MAX_SITES). */
    public Site site(String label, String file, int line, String function) {
        SiteKey key = new SiteKey(label, file, line, function);
        Site site = sites.get(key);
        return site != null ? site : intern(key);
    }

    private Site intern(SiteKey key) {
        lifetime.readLock().lock();
        try {
            if (closed || sites.size() >= MAX_SITES || key.label.isEmpty() || key.label.indexOf(0) >= 0) {
                return Site.inert();
            }
            return sites.computeIfAbsent(key, k -> {
                checkpointNativeCalls.increment();
                Pointer handle = NativeApi.tk_site_get(client, NativeApi.cString(k.label), NativeApi.cString(k.file),
                        k.line, NativeApi.cString(k.function));
                Site site = new Site(handle, handle == null ? null : NativeApi.tk_site_active_cell(handle));
                if (handle != null && !site.isActive()) {
                    // The library registers the site with the backend; it never captures,
                    // even if a breakpoint has arrived since the check.
                    checkpointNativeCalls.increment();
                    NativeApi.tk_site_register(handle);
                }
                return site;
            });
        } finally {
            lifetime.readLock().unlock();
        }
    }

    /**
     * Queues a snapshot at an active site: variables and context as JSON,
     * then tk_site_capture (which scrubs, bounds and queues; no network).
     * Returns null on success, else the library's message.
     */
    public String capture(Site site, Map<String, ?> variables, List<StackFrameInfo> stack) {
        byte[] json = JsonWriter.variables(variables).getBytes(StandardCharsets.UTF_8);
        byte[] context = NativeApi.cString(contextJson(stack));
        lifetime.readLock().lock();
        try {
            if (closed || site.handle == null) {
                return null;
            }
            checkpointNativeCalls.increment();
            int status = NativeApi.tk_site_capture(site.handle, json, json.length, context);
            return status == 0 ? null : NativeApi.lastError();
        } finally {
            lifetime.readLock().unlock();
        }
    }

    private static String contextJson(List<StackFrameInfo> stack) {
        StringBuilder context = new StringBuilder(512).append('{');
        String request = RequestContext.currentMembersJson();
        if (!request.isEmpty()) {
            context.append(request).append(',');
        }
        context.append("\"stack_trace\":[");
        for (int i = 0; i < stack.size(); i++) {
            StackFrameInfo frame = stack.get(i);
            context.append(i == 0 ? "" : ",").append("{\"function\":").append(JsonWriter.quote(frame.function))
                    .append(",\"file\":").append(JsonWriter.quote(frame.file)).append(",\"line\":").append(frame.line)
                    .append('}');
        }
        return context.append("]}").toString();
    }

    /** True when everything queued was sent within timeoutMs. */
    public boolean flush(long timeoutMs) {
        lifetime.readLock().lock();
        try {
            return !closed && NativeApi.tk_client_flush(client, Math.max(0, timeoutMs)) == 0;
        } finally {
            lifetime.readLock().unlock();
        }
    }

    /** The library's counters as JSON ("{}" once closed). */
    public String statsJson() {
        lifetime.readLock().lock();
        try {
            return closed ? "{}" : Objects.requireNonNullElse(NativeApi.take(NativeApi.tk_client_stats(client)), "{}");
        } finally {
            lifetime.readLock().unlock();
        }
    }

    public long checkpointNativeCalls() {
        return checkpointNativeCalls.sum();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Sends what is queued (bounded by captureTimeoutMs) and frees the client. Idempotent. */
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        NativeApi.tk_client_shutdown(client);
        sites.values().forEach(Site::detach);
        lifetime.writeLock().lock();
        try {
            NativeApi.tk_client_free(client);
        } finally {
            lifetime.writeLock().unlock();
        }
    }

    /** A stack frame as the context document wants it. */
    public static final class StackFrameInfo {
        public final String function;
        public final String file;
        public final int line;

        public StackFrameInfo(String function, String file, int line) {
            this.function = function;
            this.file = file;
            this.line = line;
        }
    }

    private static final class SiteKey {
        final String label;
        final String file;
        final int line;
        final String function;
        private final int hash;

        SiteKey(String label, String file, int line, String function) {
            this.label = label;
            this.file = file;
            this.line = Math.max(0, line);
            this.function = function;
            this.hash = Objects.hash(label, file, line, function);
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof SiteKey)) {
                return false;
            }
            SiteKey key = (SiteKey) other;
            return line == key.line && label.equals(key.label) && file.equals(key.file) && function.equals(key.function);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
