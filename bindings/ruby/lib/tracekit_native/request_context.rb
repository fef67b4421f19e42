# frozen_string_literal: true

module TracekitNative
  # The request a checkpoint runs in. The Rack middleware stores the Rack env
  # here (fiber-local, so threaded and fiber-based servers both work); the
  # context document is built from it only when a capture happens, so a
  # request that hits no active breakpoint pays one assignment.
  module RequestContext
    KEY = :__tracekit_native_request_env

    # W3C trace context: version-traceid-parentid-flags.
    TRACEPARENT = /\A[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}\z/.freeze
    ZERO_TRACE = "0" * 32
    ZERO_SPAN = "0" * 16
    MAX_HEADERS = 100

    module_function

    # Runs the block with env as the current request, restoring the previous
    # one afterwards (also on exceptions).
    def with_env(env)
      previous = Thread.current[KEY]
      Thread.current[KEY] = env
      yield
    ensure
      Thread.current[KEY] = previous
    end

    def current_env
      Thread.current[KEY]
    end

    # The context_json of tk_capture: the stack (a JSON array), and the
    # current request and its trace ids, serialised once per request.
    def json(stack_json)
      env = current_env
      if env
        ids = env.frozen? ? request_json(env) : (env[JSON_KEY] ||= request_json(env))
      else
        trace_id, span_id = opentelemetry_ids
        ids = trace_id ? %("trace_id":"#{trace_id}","span_id":"#{span_id}",) : ""
      end
      %({#{ids}"stack_trace":#{stack_json}})
    end

    JSON_KEY = "tracekit_native.context_json"

    # The request's members of the context document, ending with a comma.
    def request_json(env)
      trace_id, span_id = trace_ids(env)
      ids = trace_id ? %("trace_id":"#{trace_id}","span_id":"#{span_id}",) : ""
      %(#{ids}"request":#{JSON.generate(request(env))},)
    end

    # method, path, url, remote_addr, user_agent, query and headers. The
    # library redacts sensitive headers (Authorization, Cookie, X-API-Key,
    # ...) and scrubs the others' values.
    def request(env)
      {
        "method" => env["REQUEST_METHOD"].to_s,
        "path" => "#{env['SCRIPT_NAME']}#{env['PATH_INFO']}",
        "url" => url(env),
        "remote_addr" => remote_addr(env),
        "user_agent" => env["HTTP_USER_AGENT"].to_s,
        "query" => env["QUERY_STRING"].to_s,
        "headers" => headers(env)
      }
    end

    def url(env)
      scheme = env["rack.url_scheme"] || "http"
      host = env["HTTP_HOST"] || [env["SERVER_NAME"], env["SERVER_PORT"]].compact.join(":")
      query = env["QUERY_STRING"].to_s
      "#{scheme}://#{host}#{env['SCRIPT_NAME']}#{env['PATH_INFO']}#{query.empty? ? '' : "?#{query}"}"
    end

    # The client: first X-Forwarded-For hop, else X-Real-IP, else the peer.
    def remote_addr(env)
      forwarded = env["HTTP_X_FORWARDED_FOR"].to_s.split(",").first.to_s.strip
      return forwarded unless forwarded.empty?

      (env["HTTP_X_REAL_IP"] || env["REMOTE_ADDR"]).to_s
    end

    # HTTP_ACCEPT_LANGUAGE -> "Accept-Language" (Rack's CGI-style names).
    def headers(env)
      result = {}
      env.each do |key, value|
        next unless key.is_a?(String) && value.is_a?(String)

        name = header_name(key)
        next unless name

        result[name] = value
        break if result.size >= MAX_HEADERS
      end
      result
    end

    def header_name(key)
      if key.start_with?("HTTP_")
        key[5..].split("_").map(&:capitalize).join("-")
      elsif key == "CONTENT_TYPE" || key == "CONTENT_LENGTH"
        key.split("_").map(&:capitalize).join("-")
      end
    end

    # From a valid W3C traceparent header, else the active OpenTelemetry span.
    def trace_ids(env)
      match = TRACEPARENT.match(env["HTTP_TRACEPARENT"].to_s.strip.downcase)
      if match && match[1] != ZERO_TRACE && match[2] != ZERO_SPAN
        [match[1], match[2]]
      else
        opentelemetry_ids
      end
    end

    def opentelemetry_ids
      return [nil, nil] unless defined?(::OpenTelemetry::Trace)

      span_context = ::OpenTelemetry::Trace.current_span.context
      return [nil, nil] unless span_context.valid?

      [span_context.hex_trace_id, span_context.hex_span_id]
    rescue StandardError
      [nil, nil]
    end
  end
end
