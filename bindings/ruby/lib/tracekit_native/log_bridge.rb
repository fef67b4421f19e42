# frozen_string_literal: true

module TracekitNative
  # Routes the library's log lines (circuit breaker open, poll failed, ...)
  # to a Ruby Logger-like object (anything with #add(severity, message,
  # progname)). The library calls from its own native threads; the ffi gem
  # runs the block on a Ruby thread. A logger that raises is ignored: a log
  # line must never disturb the library.
  module LogBridge
    # TK_LOG_DEBUG..TK_LOG_ERROR -> Logger::DEBUG..Logger::ERROR (0..3).
    SEVERITIES = [0, 1, 2, 3].freeze

    module_function

    def callback(logger)
      return nil if logger.nil?
      raise Error.new("logger must respond to #add (a Logger), got #{logger.class}") unless logger.respond_to?(:add)

      proc do |level, message, _userdata|
        logger.add(SEVERITIES.fetch(level, 3), message.to_s.dup.force_encoding(Encoding::UTF_8), "tracekit")
      rescue StandardError
        nil
      end
    end
  end
end
