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
  module SDK
    @lock = Mutex.new
    @current = nil

    class << self
      # Builds a Config from the block, starts a Client and makes it the
      # current one (shutting down the previous). Raises TracekitNative::Error
      # for invalid settings or a missing api_key.
      def configure
        config = Config.new
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
