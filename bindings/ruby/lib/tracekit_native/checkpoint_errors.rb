# frozen_string_literal: true

module TracekitNative
  # A checkpoint's own failure; `kind` is a key of CheckpointErrors::STATS_KEYS.
  class CheckpointError < Error
    attr_reader :kind

    def initialize(kind, message)
      super(message, status: kind == :internal_error ? :internal : :invalid_argument)
      @kind = kind
    end
  end

  # What a checkpoint does with its own failures (the product's "crash
  # isolation": the SDK never breaks the code it observes): a bad label, a
  # variables block that raises, or a failure inside the binding or the
  # library is counted (merged into Client#stats), logged at most once per
  # LOG_INTERVAL seconds per kind with how many happened since, and the
  # checkpoint returns nil. With `c.strict = true` it is raised as well,
  # for development.
  class CheckpointErrors
    LOG_INTERVAL = 60.0
    STATS_KEYS = {
      invalid_label: "dropped_invalid_label",
      invalid_variables: "dropped_invalid_variables",
      internal_error: "dropped_internal_error"
    }.freeze

    # logger: a Logger-like object (#add), or nil for warnings on $stderr.
    def initialize(strict:, logger:)
      @strict = strict ? true : false
      @logger = logger
      @lock = Mutex.new
      @counts = STATS_KEYS.keys.to_h { |kind| [kind, 0] }
      @unlogged = @counts.dup
      @next_log = STATS_KEYS.keys.to_h { |kind| [kind, 0.0] }
    end

    # Counts and maybe logs the error; raises it again in strict mode.
    # Returns nil (the checkpoint's result).
    def report(error)
      kind = error.is_a?(CheckpointError) ? error.kind : :internal_error
      repeated = tally(kind)
      log(kind, repeated, error) if repeated
      raise error if @strict

      nil
    end

    def stats
      @lock.synchronize { @counts.to_h { |kind, count| [STATS_KEYS[kind], count] } }
    end

    private

    # Counts one failure; the number to report when a log line is due, else nil.
    def tally(kind)
      now = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      @lock.synchronize do
        @counts[kind] += 1
        @unlogged[kind] += 1
        next nil if now < @next_log[kind]

        @next_log[kind] = now + LOG_INTERVAL
        repeated = @unlogged[kind]
        @unlogged[kind] = 0
        repeated
      end
    end

    def log(kind, repeated, error)
      message = "tracekit_native: capture_snapshot failed (#{kind}, #{repeated} time(s) since the last report; " \
                "the checkpoint did nothing): #{error.class}: #{error.message}"
      if @logger
        @logger.add(2, message, "tracekit")
      else
        warn message
      end
    rescue StandardError
      nil # a broken logger must not break the checkpoint
    end
  end
end
