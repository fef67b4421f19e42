# frozen_string_literal: true

module TracekitNative
  # The process-wide client, configured like the official SDK:
  #
  #   TracekitNative::SDK.configure do |c|
  #     c.api_key = ENV["TRACEKIT_API_KEY"]
  #     c.service_name = "checkout"
  #     c.endpoint = "http://127.0.0.1:7070"
  #     c.capture_depth = 5
  #   end
  # Process._fork (Ruby >= 3.1) runs for every fork: Kernel#fork,
  # Process.fork, IO.popen("-"). The child restarts the SDK's client.
  module ForkHook
    def _fork
      pid = super
      SDK.after_fork if pid.zero?
      pid
    end
  end

  module SDK
    @lock = Mutex.new
    @current = nil

    class << self
      # Builds a Config from the block (or takes a Config, as the official
      # SDK.configure(config) does), starts a Client and makes it the
      # current one (shutting down the previous). Raises TracekitNative::Error
      # for invalid settings or a missing api_key.
      def configure(config = nil)
        config ||= Config.new
        yield(config) if block_given?
        client = Client.new(config)
        install_exit_hook
        previous = @lock.synchronize do
          old = @current
          @current = client
          old
        end
        previous&.shutdown
        client
      end

      def current
        @current
      end

      # At process exit, send what is still queued (bounded by
      # capture_timeout) instead of losing it with the library's threads.
      # In a forked child the library makes this a no-op.
      def install_exit_hook
        @lock.synchronize do
          return if @exit_hook

          @exit_hook = true
          at_exit { shutdown }
        end
      end

      # In a forked child (Puma, Unicorn, Resque workers) the parent's client
      # is inert: its threads did not survive the fork. Start a fresh one
      # with the same configuration, so TracekitNative.capture_snapshot keeps
      # working in every worker. Called by ForkHook, in the child only; no
      # lock (one held by a parent thread at fork time would never open).
      def after_fork
        previous = @current
        return if previous.nil?

        @current = nil
        previous.release_after_fork
        @current = Client.new(previous.config)
      rescue Error => e
        warn "tracekit_native: no client in forked process #{Process.pid}: #{e.message}"
      end

      # Shuts down the current client, if any.
      def shutdown
        client = @lock.synchronize do
          old = @current
          @current = nil
          old
        end
        client&.shutdown
      end
    end
  end
end

Process.singleton_class.prepend(TracekitNative::ForkHook) if Process.respond_to?(:_fork)
