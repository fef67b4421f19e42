# frozen_string_literal: true

module TracekitNative
  # Every failure the binding reports: invalid options, bad arguments, a
  # library call that failed. `status` is the library's tk_status as a Symbol
  # (:invalid_argument, :invalid_json, :invalid_pattern, :no_memory,
  # :shut_down, :queue_full, :disabled, :internal, :timeout), `code` its
  # number.
  class Error < StandardError
    attr_reader :status, :code

    def initialize(message, status: :invalid_argument, code: nil)
      super(message)
      @status = status
      @code = code || STATUS_CODES.fetch(status, 1)
    end
  end

  # libtracekit could not be loaded; the message lists every place tried.
  class LibraryNotFound < Error
    def initialize(message)
      super(message, status: :internal)
    end
  end

  STATUS_NAMES = %i[ok invalid_argument invalid_json invalid_pattern no_memory
                    shut_down queue_full disabled internal timeout].freeze
  STATUS_CODES = STATUS_NAMES.each_with_index.to_h.freeze
end
