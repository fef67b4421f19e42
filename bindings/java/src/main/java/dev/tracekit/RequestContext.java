package dev.tracekit;

import java.util.function.Supplier;

/**
 * The request the current thread is handling, for the snapshot's
 * request_context and trace ids. The servlet filter sets it; other
 * frameworks can too. It is rendered only when a snapshot is captured.
 */
public final class RequestContext {
    private static final ThreadLocal<Supplier<String>> CURRENT = new ThreadLocal<>();

    private RequestContext() {
    }

    /** Restores the previous request when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Makes the request rendered by membersJson current until the scope is
     * closed. membersJson returns the members of tk_capture's context
     * document: "request":{...} and optionally "trace_id","span_id", without
     * the enclosing braces.
     */
    public static Scope enter(Supplier<String> membersJson) {
        Supplier<String> previous = CURRENT.get();
        CURRENT.set(membersJson);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** The current request's members ("" when there is none, or it cannot be rendered). */
    public static String currentMembersJson() {
        Supplier<String> supplier = CURRENT.get();
        if (supplier == null) {
            return "";
        }
        try {
            String members = supplier.get();
            return members == null ? "" : members;
        } catch (Throwable error) {
            return "";
        }
    }
}
