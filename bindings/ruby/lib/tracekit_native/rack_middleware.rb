# frozen_string_literal: true

module TracekitNative
  # Rack middleware: makes each request the context of the checkpoints it
  # runs, so snapshots carry its method, path, URL, client address, headers
  # (scrubbed by the library) and trace/span ids (W3C traceparent or the
  # active OpenTelemetry span).
  #
  #   use TracekitNative::RackMiddleware     # config.ru, Sinatra, Rails
  class RackMiddleware
    def initialize(app)
      @app = app
    end

    def call(env)
      RequestContext.with_env(env) { @app.call(env) }
    end
  end

  # The official SDK's name for its middleware.
  Middleware = RackMiddleware
end
