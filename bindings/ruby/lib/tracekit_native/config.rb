# frozen_string_literal: true

module TracekitNative
  # The settings of TracekitNative::SDK.configure. Names follow the official
  # Ruby SDK's Tracekit::Config (api_key, service_name, endpoint, use_ssl,
  # enable_code_monitoring, code_monitoring_poll_interval, ...) plus the
  # capture limits of the native library. A setting left unset keeps the
  # library's value: its default, or the TRACEKIT_* environment variable.
  # capture_depth, max_payload and capture_timeout set to nil mean
  # unlimited, as in the official SDK.
  class Config
    # Accepted from the official SDK so configuration blocks keep working;
    # the native library has no use for them.
    OFFICIAL_ONLY = %i[environment service_version local_ui_port sampling_rate].freeze
    # Set to nil: no limit (the library's 0). Never set: the bounded default.
    UNLIMITED_WHEN_NIL = %i[capture_depth max_payload capture_timeout].freeze
    # The description's flat setters (c.circuit_breaker_max_failures = 3);
    # those left unset take these defaults.
    CIRCUIT_BREAKER_DEFAULTS = { max_failures: 3, window_ms: 60_000, cooldown_ms: 300_000 }.freeze

    attr_accessor :api_key, :service_name, :endpoint, :use_ssl,
                  :enable_code_monitoring, :code_monitoring_poll_interval,
                  :max_string_length, :pii_scrubbing, :pii_patterns, :circuit_breaker,
                  :circuit_breaker_max_failures, :circuit_breaker_window_ms, :circuit_breaker_cooldown_ms,
                  :sse, :max_queue, :max_captures_per_second, :stack_depth, :logger, :strict,
                  *OFFICIAL_ONLY
    attr_reader(*UNLIMITED_WHEN_NIL)

    def initialize
      @use_ssl = true
      @pii_patterns = {}
      @stack_depth = 32
      @strict = false
      @assigned = {}
    end

    UNLIMITED_WHEN_NIL.each do |name|
      define_method(:"#{name}=") do |value|
        @assigned[name] = true
        instance_variable_set(:"@#{name}", value)
      end
    end

    # The value for the library: nil when never set (library default), 0
    # (unlimited) when set to nil.
    def limit(name)
      value = public_send(name)
      value.nil? && @assigned[name] ? 0 : value
    end

    # The circuit breaker as { max_failures:, window_ms:, cooldown_ms: }:
    # the circuit_breaker Hash, else the flat setters over the defaults,
    # else nil (the library default).
    def circuit_breaker_settings
      return circuit_breaker unless circuit_breaker.nil?

      flat = { max_failures: circuit_breaker_max_failures, window_ms: circuit_breaker_window_ms,
               cooldown_ms: circuit_breaker_cooldown_ms }.compact
      flat.empty? ? nil : CIRCUIT_BREAKER_DEFAULTS.merge(flat)
    end

    # The endpoint as the library wants it. The official SDK takes a bare
    # host ("app.tracekit.dev") and a use_ssl flag; a URL is kept as is.
    def endpoint_url
      return nil if endpoint.nil?

      text = endpoint.to_s
      return text if text.match?(%r{\A[a-zA-Z][a-zA-Z0-9+.-]*://})

      "#{use_ssl == false ? 'http' : 'https'}://#{text}"
    end

    # A new tk_options (caller frees it) with every set value applied; an
    # invalid value raises TracekitNative::Error naming the option.
    # log_callback: an FFI callback for the library's log lines (the caller
    # keeps it alive as long as the client).
    def build_native_options(log_callback = nil)
      options = Native.tk_options_new
      raise Native.error_for(STATUS_CODES[:invalid_argument], "options") if options.null?

      begin
        OptionsWriter.new(options).apply(self)
        Native.check(Native.tk_options_set_logger(options, log_callback, nil), "logger") if log_callback
      rescue StandardError
        Native.tk_options_free(options)
        raise
      end
      options
    end
  end

  # Applies a Config to a tk_options handle, converting Ruby values and
  # checking types before they reach C.
  class OptionsWriter
    def initialize(options)
      @options = options
    end

    def apply(config)
      set_string(:api_key, config.api_key)
      set_string(:service_name, config.service_name)
      set_string(:endpoint, config.endpoint_url)
      set_bool(:code_monitoring, config.enable_code_monitoring, "enable_code_monitoring")
      set_int(:capture_depth, config.limit(:capture_depth))
      set_int(:max_payload, config.limit(:max_payload))
      set_int(:max_string_length, config.max_string_length)
      set_seconds_as_ms(:capture_timeout_ms, config.limit(:capture_timeout), "capture_timeout")
      set_seconds_as_ms(:poll_interval_ms, config.code_monitoring_poll_interval, "code_monitoring_poll_interval")
      set_bool(:pii_scrubbing, config.pii_scrubbing)
      set_bool(:sse, config.sse)
      set_int(:max_queue, config.max_queue)
      set_float(:max_captures_per_second, config.max_captures_per_second)
      add_patterns(config.pii_patterns)
      set_circuit_breaker(config.circuit_breaker_settings)
    end

    private

    def call(setter, name, *args)
      Native.check(Native.public_send(:"tk_options_#{setter}", @options, *args), name.to_s)
    rescue RangeError, TypeError, ArgumentError => e
      raise Error.new("#{name}: #{e.message}", status: :invalid_argument)
    end

    def set_string(name, value)
      return if value.nil?

      reject(name, value, "a String") unless value.is_a?(String) || value.is_a?(Symbol)
      call(:"set_#{name}", name, value.to_s)
    end

    def set_bool(setter, value, name = setter)
      return if value.nil?

      reject(name, value, "true or false") unless [true, false].include?(value)
      call(:"set_#{setter}", name, value ? 1 : 0)
    end

    def set_int(name, value)
      return if value.nil?

      reject(name, value, "an Integer") unless value.is_a?(Integer)
      call(:"set_#{name}", name, value)
    end

    def set_float(name, value)
      return if value.nil?

      reject(name, value, "a number") unless value.is_a?(Numeric)
      call(:"set_#{name}", name, value.to_f)
    end

    # Seconds (Integer or Float, like the official SDK) to milliseconds.
    def set_seconds_as_ms(setter, value, name)
      return if value.nil?

      reject(name, value, "a number of seconds") unless value.is_a?(Numeric) && value.finite?
      milliseconds = (value * 1000).round
      call(:"set_#{setter}", name, milliseconds)
    end

    def add_patterns(patterns)
      return if patterns.nil?

      reject(:pii_patterns, patterns, "a Hash of name => PCRE2 pattern") unless patterns.is_a?(Hash)
      patterns.each do |name, pattern|
        call(:add_pii_pattern, "pii_patterns[#{name}]", name.to_s, pattern.to_s)
      end
    end

    def set_circuit_breaker(settings)
      return if settings.nil?

      reject(:circuit_breaker, settings, "a Hash") unless settings.is_a?(Hash)
      values = %i[max_failures window_ms cooldown_ms].map do |key|
        value = settings[key] || settings[key.to_s]
        reject(:"circuit_breaker_#{key}", value, "an Integer") unless value.is_a?(Integer)
        value
      end
      call(:set_circuit_breaker, "circuit_breaker", *values)
    end

    def reject(name, value, expected)
      raise Error.new("#{name} must be #{expected}, got #{value.class}", status: :invalid_argument)
    end
  end
end
