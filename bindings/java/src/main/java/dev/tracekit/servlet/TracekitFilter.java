package dev.tracekit.servlet;

import dev.tracekit.RequestContext;
import dev.tracekit.internal.JsonWriter;

import javax.servlet.Filter;
import javax.servlet.FilterChain;
import javax.servlet.FilterConfig;
import javax.servlet.ServletException;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the HTTP request the request context of every checkpoint the
 * request reaches: method, path, URL, client address, user agent, query,
 * headers, and trace ids from a W3C traceparent header. The context is
 * rendered only when a snapshot is captured; the library redacts sensitive
 * headers (Authorization, Cookie, X-API-Key, ...).
 *
 * web.xml: a filter of class dev.tracekit.servlet.TracekitFilter mapped to /*.
 */
public final class TracekitFilter implements Filter {
    private static final Pattern TRACEPARENT = Pattern.compile("^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$");
    private static final int MAX_HEADERS = 100;

    @Override
    public void init(FilterConfig filterConfig) {
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest)) {
            chain.doFilter(request, response);
            return;
        }
        HttpServletRequest http = (HttpServletRequest) request;
        RequestContext.Scope scope = RequestContext.enter(() -> membersJson(http));
        try {
            chain.doFilter(request, response);
        } finally {
            scope.close();
        }
    }

    @Override
    public void destroy() {
    }

    /** "request":{...} and, with a valid traceparent, "trace_id" and "span_id". */
    static String membersJson(HttpServletRequest request) {
        String query = request.getQueryString() == null ? "" : request.getQueryString();
        String path = request.getRequestURI() == null ? "" : request.getRequestURI();
        StringBuilder json = new StringBuilder(512).append("\"request\":{")
                .append("\"method\":").append(JsonWriter.quote(String.valueOf(request.getMethod())))
                .append(",\"path\":").append(JsonWriter.quote(path))
                .append(",\"url\":").append(JsonWriter.quote(request.getRequestURL() + (query.isEmpty() ? "" : "?" + query)))
                .append(",\"remote_addr\":").append(JsonWriter.quote(remoteAddress(request)))
                .append(",\"user_agent\":").append(JsonWriter.quote(header(request, "User-Agent")))
                .append(",\"query\":").append(JsonWriter.quote(query))
                .append(",\"headers\":{");
        Enumeration<String> names = request.getHeaderNames();
        int count = 0;
        for (String name : names == null ? Collections.<String>emptyList() : Collections.list(names)) {
            if (count == MAX_HEADERS) {
                break;
            }
            json.append(count++ == 0 ? "" : ",").append(JsonWriter.quote(name.toLowerCase(java.util.Locale.ROOT)))
                    .append(':').append(JsonWriter.quote(String.join(", ", Collections.list(request.getHeaders(name)))));
        }
        json.append("}}");
        Matcher ids = TRACEPARENT.matcher(header(request, "traceparent").trim().toLowerCase(java.util.Locale.ROOT));
        if (ids.matches() && !ids.group(1).matches("0+") && !ids.group(2).matches("0+")) {
            json.append(",\"trace_id\":\"").append(ids.group(1)).append("\",\"span_id\":\"").append(ids.group(2)).append('"');
        }
        return json.toString();
    }

    /** The client: first X-Forwarded-For hop, else X-Real-IP, else the peer. */
    private static String remoteAddress(HttpServletRequest request) {
        String forwarded = header(request, "X-Forwarded-For").split(",")[0].trim();
        if (!forwarded.isEmpty()) {
            return forwarded;
        }
        String real = header(request, "X-Real-IP").trim();
        return !real.isEmpty() ? real : String.valueOf(request.getRemoteAddr());
    }

    private static String header(HttpServletRequest request, String name) {
        String value = request.getHeader(name);
        return value == null ? "" : value;
    }
}
