# frozen_string_literal: true

require "ffi"

module TracekitNative
  # The C ABI of libtracekit (include/tracekit.h), attached with the ffi gem.
  # This file only loads the library and declares signatures; Native.check
  # turns a tk_status into a TracekitNative::Error.
  module Native
    extend FFI::Library

    # A copy of the library shipped inside the platform gem (x86_64-linux).
    BUNDLED = File.expand_path("../vendor/libtracekit.so.0", __dir__)

    # Where the library is looked for, in order: $TRACEKIT_LIBRARY (when set,
    # the only place: a wrong path is an error, never a fallback to another
    # copy), the copy in the platform gem, then the system's search path
    # (ffi_lib "tracekit" -> libtracekit.so).
    def self.candidates
      explicit = ENV["TRACEKIT_LIBRARY"]
      return [explicit] unless explicit.nil? || explicit.empty?

      list = []
      list << BUNDLED if File.exist?(BUNDLED)
      list << "tracekit"
      list
    end

    def self.load_library(names = candidates)
      explicit = ENV["TRACEKIT_LIBRARY"]
      if explicit && !explicit.empty? && !File.exist?(explicit)
        raise LibraryNotFound, "TRACEKIT_LIBRARY names #{explicit}, which does not exist"
      end

      failures = []
      names.each do |name|
        begin
          ffi_lib name
          return name
        rescue LoadError => e
          failures << "#{name.inspect}: #{e.message.lines.first&.strip}"
        end
      end
      raise LibraryNotFound,
            "could not load libtracekit; tried #{failures.join('; ')}. " \
            "Set TRACEKIT_LIBRARY to the path of libtracekit.so or install it (make install)."
    end

    LOADED_FROM = load_library

    callback :tk_log_fn, %i[int string pointer], :void

    attach_function :tk_version, [], :string

    # Refuses a library whose major version differs from this gem's: its ABI
    # may differ (the SONAME and the symbol version node change with it).
    def self.check_version(loaded = tk_version.to_s, wanted = VERSION)
      return loaded if loaded.split(".").first == wanted.split(".").first

      raise LibraryNotFound, "#{LOADED_FROM} is libtracekit #{loaded}; this gem (#{wanted}) needs major version " \
                             "#{wanted.split('.').first}"
    end
    check_version
    attach_function :tk_status_str, [:int], :string
    attach_function :tk_last_error, [], :string
    attach_function :tk_free, [:pointer], :void

    attach_function :tk_options_new, [], :pointer
    attach_function :tk_options_free, [:pointer], :void
    attach_function :tk_options_set_api_key, %i[pointer string], :int
    attach_function :tk_options_set_service_name, %i[pointer string], :int
    attach_function :tk_options_set_endpoint, %i[pointer string], :int
    attach_function :tk_options_set_code_monitoring, %i[pointer int], :int
    attach_function :tk_options_set_capture_depth, %i[pointer int32], :int
    attach_function :tk_options_set_max_payload, %i[pointer int64], :int
    attach_function :tk_options_set_max_string_length, %i[pointer int64], :int
    attach_function :tk_options_set_capture_timeout_ms, %i[pointer int64], :int
    attach_function :tk_options_set_pii_scrubbing, %i[pointer int], :int
    attach_function :tk_options_add_pii_pattern, %i[pointer string string], :int
    attach_function :tk_options_set_circuit_breaker, %i[pointer int32 int64 int64], :int
    attach_function :tk_options_set_poll_interval_ms, %i[pointer int64], :int
    attach_function :tk_options_set_sse, %i[pointer int], :int
    attach_function :tk_options_set_max_queue, %i[pointer int32], :int
    attach_function :tk_options_set_max_captures_per_second, %i[pointer double], :int
    attach_function :tk_options_set_logger, %i[pointer tk_log_fn pointer], :int

    attach_function :tk_sanitize_json, %i[pointer buffer_in size_t pointer], :pointer
    attach_function :tk_eval_expression, %i[string buffer_in size_t pointer], :pointer

    # Calls that may wait release the GVL so other Ruby threads keep running.
    attach_function :tk_client_new, [:pointer], :pointer, blocking: true
    attach_function :tk_client_flush, %i[pointer int64], :int, blocking: true
    attach_function :tk_client_stats, [:pointer], :pointer
    attach_function :tk_client_shutdown, [:pointer], :int, blocking: true
    attach_function :tk_client_free, [:pointer], :void, blocking: true

    attach_function :tk_capture, %i[pointer string string int32 string buffer_in size_t string], :int
    attach_function :tk_site_get, %i[pointer string string int32 string], :pointer
    attach_function :tk_site_active, [:pointer], :int
    attach_function :tk_site_claim, [:pointer], :int
    attach_function :tk_site_capture, %i[pointer buffer_in size_t string], :int
    attach_function :tk_site_register, [:pointer], :int

    module_function

    # tk_site_active without the FFI call (about half the instructions):
    # the ABI makes a tk_site * point at its naturally aligned 32-bit active
    # flag, which bindings may read (tracekit.h, tk_site_active).
    def site_active?(site)
      site.get_int32(0) != 0
    end

    def status_symbol(code)
      STATUS_NAMES[code] || :internal
    end

    # The library's last error on this thread, as a TracekitNative::Error.
    def error_for(code, context = nil)
      message = tk_last_error.to_s
      message = tk_status_str(code).to_s if message.empty?
      message = "#{context}: #{message}" if context
      Error.new(message, status: status_symbol(code), code: code)
    end

    def check(code, context = nil)
      raise error_for(code, context) unless code.zero?

      code
    end

    # Takes ownership of a char* returned by the library: copies it into a
    # Ruby String (UTF-8) and frees the C memory.
    def take_string(pointer)
      return nil if pointer.null?

      pointer.read_string.force_encoding(Encoding::UTF_8)
    ensure
      tk_free(pointer) unless pointer.nil? || pointer.null?
    end
  end
end
