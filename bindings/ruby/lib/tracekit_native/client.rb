# frozen_string_literal: true

require "json"

module TracekitNative
  # One libtracekit client: breakpoints of one service kept in sync by the
  # library's own threads, captures queued and sent in the background.
  #
  # Cost of a checkpoint whose breakpoint is off: a Hash lookup by label
  # (LabelBindings: the label's one site was met inactive within the last
  # CONFIRM_SECONDS); else caller_locations(1, 1), a Hash lookup of the
  # interned site and a read of its active flag, the library's live flag
  # (Native.site_active?). A Checkpoint handle (#checkpoint) needs only the
  # read, so enabling a breakpoint takes effect on its very next call.
  class Client
    attr_reader :config

    def initialize(config)
      @config = config
      # Held for the client's lifetime: the library calls it from its threads.
      @log_callback = LogBridge.callback(config.logger)
      options = config.build_native_options(@log_callback)
      begin
        handle = Native.tk_client_new(options)
      ensure
        Native.tk_options_free(options)
      end
      raise Native.error_for(STATUS_CODES[:invalid_argument], "client") if handle.null?

      # Freed when this client (and every Checkpoint holding it) is garbage:
      # no thread can be calling into the library with it then.
      @handle = FFI::AutoPointer.new(handle, Native.method(:tk_client_free))

      @errors = CheckpointErrors.new(strict: config.strict, logger: config.logger)
      @variable_bounds = config.limit(:max_payload)&.zero? ? Variables::UNBOUNDED : Variables::BOUNDED
      @closed = false
      @labels = LabelBindings.new
      @skippable = @labels.skippable
      ObjectSpace.define_finalizer(self, LabelBindings.finalizer(@labels))
      @sites = {}
      @by_key = {}
      @stacks = {}
      @sites_lock = Mutex.new
      @stack_depth = config.stack_depth.is_a?(Integer) ? config.stack_depth.clamp(1, 1000) : 32
    end

    # Captures `variables` (any Ruby value; a block is called only when the
    # breakpoint is active) if a breakpoint is enabled for this call site.
    # File, line and function come from the caller. Returns true when the
    # snapshot was queued, false when it was captured but dropped (queue
    # full), nil when nothing was captured (no active breakpoint, shut down,
    # or a failure). Never raises unless config.strict: a bad label, a block
    # that raises or an internal failure is counted in #stats and logged
    # rarely (CheckpointErrors).
    def capture_snapshot(label, variables = nil, &block)
      return nil if skip?(label)

      capture_snapshot_at(label, caller_locations(1, 1)[0], variables, &block)
    end

    # The fast path (LabelBindings): true when label's one known site was
    # met inactive lately, so the checkpoint can return without locating
    # its caller.
    def skip?(label)
      @skippable.key?(label)
    rescue StandardError # a label whose #hash raises: the full path reports it
      false
    end

    # capture_snapshot for a given Thread::Backtrace::Location. The site
    # lookup is inlined: this is the whole inactive path.
    def capture_snapshot_at(label, location, variables = nil, &block)
      entry = @sites[location.lineno]
      known = entry && entry[0] == label && entry[1] == location.path && !@closed
      site = known ? entry[2] : site_for(label, location)
      return nil if site.nil?
      unless Native.site_active?(site)
        @labels.confirm(label, site) if known # met twice: skippable by its label
        return nil
      end
      # Every suppression (limits, budget, expiry, open circuit) is decided
      # before the variables are built; tk_site_capture uses the claimed slot.
      return nil if Native.tk_site_claim(site).zero?

      capture_at(site, block ? variables_from(block) : variables)
    rescue StandardError => e
      @errors.report(e)
    end

    # A handle for one call site (this caller's file/line, or the ones
    # given): `active?` and `capture` cost one FFI call when inactive.
    def checkpoint(label, file: nil, line: nil, function: nil)
      location = caller_locations(1, 1)[0]
      key = [label, file || location.path, line || location.lineno, function || location.label].freeze
      Checkpoint.new(self, intern(*key), key)
    end

    # Waits up to timeout seconds for what is queued to be sent. True when
    # it drained, false on timeout or after shutdown.
    def flush(timeout = 5.0)
      return false if @closed

      Native.tk_client_flush(@handle, (timeout.to_f * 1000).round.clamp(0, 2**62)).zero?
    end

    # The library's counters (captured, sent, failed, kill_switch, ...) and
    # the binding's dropped_invalid_label, dropped_invalid_variables and
    # dropped_internal_error.
    def stats
      return {} if @closed

      JSON.parse(Native.take_string(Native.tk_client_stats(@handle)) || "{}").merge(@errors.stats)
    end

    # Sends what is queued (bounded by capture_timeout) and stops the
    # library's threads. Safe while other threads still capture (their calls
    # return nil); later calls are no-ops. The memory goes with this object.
    def shutdown
      @sites_lock.synchronize do
        return if @closed

        @closed = true
        @labels.clear
        @sites = {}
        @by_key = {}
      end
      Native.tk_client_shutdown(@handle)
      nil
    end

    # In a forked child the library made this client inert: mark it closed
    # (tk_client_shutdown only marks it there; nothing waits). No lock: one
    # a parent thread held at fork time would never open here.
    def release_after_fork
      return if @closed

      @closed = true
      @labels.clear
      @sites = {}
      @by_key = {}
      Native.tk_client_shutdown(@handle)
    end

    def closed?
      @closed
    end

    # Internal: queue a snapshot at an interned site (used by Checkpoint too).
    def capture_at(site, variables)
      return nil if @closed

      json = Variables.to_json(variables, @variable_bounds)
      context = RequestContext.json(stack_json)
      status = Native.tk_site_capture(site, json, json.bytesize, context)
      return true if status.zero?
      return false if status == STATUS_CODES[:queue_full]
      return nil if status == STATUS_CODES[:shut_down]

      raise CheckpointError.new(:internal_error, Native.error_for(status, "capture").message)
    end

    # Internal: Checkpoint#capture reports its failures here.
    def report_failure(error)
      @errors.report(error)
    end

    private

    # The interned tk_site for (label, location). The fast cache holds one
    # site per line number (an Integer key: the cheapest Hash lookup); a
    # second site on the same line is found in @by_key, never re-interned.
    def site_for(label, location)
      return nil if @closed

      @by_key[[label, location.path, location.lineno]] ||
        intern(label, location.path, location.lineno, location.label)
    end

    def intern(label, file, line, function)
      check_label(label)
      @sites_lock.synchronize do
        return nil if @closed

        site = Native.tk_site_get(@handle, label, file.to_s, line.to_i.clamp(0, 2**31 - 1), function.to_s)
        raise Native.error_for(STATUS_CODES[:invalid_argument], "site") if site.null?

        register(site)
        @labels.interned(label, site)
        @sites[line] = [label, file, site].freeze
        @by_key[[label, file, line]] = site
        site
      end
    rescue ArgumentError => e # a NUL byte inside a string
      raise CheckpointError.new(:invalid_label, "label, file and function must not contain NUL bytes (#{e.message})")
    end

    # The first hit of a site is auto-registered with the backend (in the
    # background), as a C checkpoint's would be; tk_site_register never
    # captures, so a breakpoint arriving now cannot record empty variables.
    # Later inactive hits stop at tk_site_active.
    def register(site)
      Native.tk_site_register(site)
    end

    def check_label(label)
      return if label.is_a?(String) && !label.empty?

      raise CheckpointError.new(:invalid_label, "label must be a non-empty String, got #{label.class}")
    end

    # The block's variables; its exception is the checkpoint's failure (its
    # message is not logged: it may carry the very data being captured).
    def variables_from(block)
      block.call
    rescue StandardError => e
      raise CheckpointError.new(:invalid_variables, "the variables block raised #{e.class}")
    end

    # This gem's own files: their frames are left out of stack traces.
    OWN_FILES = ["#{File.expand_path(__dir__)}/", File.expand_path("../tracekit_native.rb", __dir__)].freeze

    # The Ruby stack from the checkpoint outwards, without this gem's frames,
    # as the JSON array tk_capture takes, each frame in its text form
    # ("function (file:line)"): the library parses a string per frame
    # several times faster than a {"function","file","line"} object.
    # A service captures from the same few stacks over and over: the JSON
    # is cached by the stack's files and lines (which decide its methods),
    # so a repeated stack costs reading those and one Hash lookup; labels
    # (an allocation per frame) and JSON are made once per stack.
    def stack_json
      # Frames 1 and 2 are capture_at and its caller, always this gem's;
      # one more of its frames (capture_snapshot) may follow.
      locations = caller_locations(3, @stack_depth + 1) || []
      key = []
      locations.each { |location| key << location.path << location.lineno }
      json = @stacks[key]
      return json if json

      @stacks = {} if @stacks.size >= MAX_CACHED_STACKS # bounded: start over
      @stacks[key] = build_stack_json(locations)
    end

    MAX_CACHED_STACKS = 1_000

    def build_stack_json(locations)
      first = locations.index { |loc| !own_frame?(loc) } || locations.size
      lines = locations[first, @stack_depth].map { |loc| "#{loc.label} (#{loc.path}:#{loc.lineno})" }
      JSON.generate(lines)
    end

    def own_frame?(location)
      (location.absolute_path || location.path).start_with?(*OWN_FILES)
    end
  end

  # A call-site handle from Client#checkpoint. One made before a fork (a
  # constant in a Puma or Unicorn app) follows the SDK's client into each
  # worker: when its client is closed it re-binds to SDK.current.
  class Checkpoint
    def initialize(client, site, key)
      @client = client
      @site = site
      @key = key
    end

    def active?
      rebind if @client.closed?
      !@site.nil? && Native.site_active?(@site)
    end

    # Same results as Client#capture_snapshot; never raises either (unless
    # the configuration is strict).
    def capture(variables = nil, &block)
      return nil unless active?

      @client.capture_at(@site, block ? @client.send(:variables_from, block) : variables)
    rescue StandardError => e
      @client.report_failure(e)
    end

    private

    def rebind
      current = SDK.current
      if current.nil? || current.closed? || current.equal?(@client)
        @site = nil
      else
        @site = current.send(:intern, *@key)
        @client = current
      end
    end
  end
end
