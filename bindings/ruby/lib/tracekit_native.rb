# frozen_string_literal: true

# TraceKit Native for Ruby: production-debugging snapshots through
# libtracekit (FFI). A drop-in for the official `tracekit` gem's code
# monitoring:
#
#   require "tracekit_native"
#   TracekitNative::SDK.configure { |c| c.api_key = ENV["TRACEKIT_API_KEY"]; c.service_name = "checkout" }
#   TracekitNative.capture_snapshot("order-checkout", { order_id: id, email: email })
#
# `Tracekit` is the same module (unless the official gem is loaded too), so
# code written for the official gem (Tracekit::SDK.configure,
# Tracekit.capture_snapshot, Tracekit::Middleware) runs unchanged.
require_relative "tracekit_native/version"
require_relative "tracekit_native/error"
require_relative "tracekit_native/native"
require_relative "tracekit_native/config"
require_relative "tracekit_native/log_bridge"
require_relative "tracekit_native/variables"
require_relative "tracekit_native/request_context"
require_relative "tracekit_native/checkpoint_errors"
require_relative "tracekit_native/label_bindings"
require_relative "tracekit_native/client"
require_relative "tracekit_native/sdk"
require_relative "tracekit_native/rack_middleware"
require_relative "tracekit_native/rails_setup"
require_relative "tracekit_native/railtie" if defined?(Rails::Railtie)

module TracekitNative
  class << self
    # Same as SDK.configure (the official gem's Tracekit.configure).
    def configure(&block)
      SDK.configure(&block)
    end

    def sdk
      SDK.current
    end

    # A checkpoint at the caller's file, line and method; nil when not
    # configured. See Client#capture_snapshot.
    def capture_snapshot(label, variables = nil, &block)
      client = SDK.current
      return nil if client.nil? || client.skip?(label)

      client.capture_snapshot_at(label, caller_locations(1, 1)[0], variables, &block)
    end

    # A call-site handle at the caller's location (Client#checkpoint).
    def checkpoint(label)
      client = SDK.current
      raise Error.new("TracekitNative is not configured (call TracekitNative::SDK.configure first)") if client.nil?

      location = caller_locations(1, 1)[0]
      client.checkpoint(label, file: location.path, line: location.lineno, function: location.label)
    end

    def shutdown
      SDK.shutdown
    end

    # Scrubs and bounds one JSON document as a capture would (no client
    # needed). Raises Error for invalid JSON or options.
    def sanitize_json(json, config = Config.new)
      json = json.to_s
      options = config.build_native_options
      status = FFI::MemoryPointer.new(:int)
      result = Native.tk_sanitize_json(options, json, json.bytesize, status)
      raise Native.error_for(status.read_int, "sanitize_json") if result.null?

      Native.take_string(result)
    ensure
      Native.tk_options_free(options) if options
    end

    # Evaluates a breakpoint condition on variables (a Hash or JSON text);
    # returns the value as JSON text ("true", "300", ...).
    def eval_expression(expression, variables = {})
      json = variables.is_a?(String) ? variables : Variables.to_json(variables)
      status = FFI::MemoryPointer.new(:int)
      result = Native.tk_eval_expression(expression.to_s, json, json.bytesize, status)
      raise Native.error_for(status.read_int, "eval_expression") if result.null?

      Native.take_string(result)
    rescue ArgumentError => e
      raise Error.new("expression must not contain NUL bytes (#{e.message})")
    end

    def library_version
      Native.tk_version
    end
  end
end

# The official gem's module name, for code written against it.
Tracekit = TracekitNative unless defined?(Tracekit)
