# frozen_string_literal: true

module TracekitNative
  # The label-keyed fast path of an inactive checkpoint: while a label has
  # been seen at one call site only, TracekitNative.capture_snapshot finds
  # that site by its label, without caller_locations (most of the cost).
  #
  # A label is skippable once a full call (with caller_locations) met its
  # one site inactive; every CONFIRM_SECONDS a background thread forgets
  # what was skippable, so the next call of each label takes the full path
  # once, which reads the site's live flag again: a breakpoint enabled on
  # the server reaches a skipped label within CONFIRM_SECONDS of the library
  # learning about it. A second call site using the label ends its binding
  # for good (that label then always takes the full path): it is discovered
  # on the first of its calls that follows a clearing.
  class LabelBindings
    CONFIRM_SECONDS = 0.05

    # label -> its one site, met inactive since the last clearing. The same
    # Hash for the bindings' lifetime (cleared in place), so a client may
    # keep it and look a label up without a method call.
    attr_reader :skippable

    def initialize
      @lone = {}      # label -> the one site it was seen at
      @shared = {}    # labels seen at two or more sites
      @skippable = {}
      @clearer = Thread.new do
        loop do
          sleep CONFIRM_SECONDS
          @skippable.clear
        end
      end
      @clearer.name = "tracekit-native-labels"
    end

    # A new site for label was interned (under the client's lock).
    def interned(label, site)
      return if @shared.key?(label)

      bound = @lone[label]
      if bound.nil?
        @lone[label] = site
      elsif bound != site
        @lone.delete(label)
        @skippable.delete(label)
        @shared[label] = true
      end
    end

    # A full call met site inactive for label.
    def confirm(label, site)
      @skippable[label] = site if @lone[label] == site
    end

    # Forgets every site (before their memory is freed) and stops the thread.
    def clear
      stop
      @skippable.clear
      @lone = {}
    end

    def stop
      @clearer.kill
    end

    # A finalizer for the owning client that stops the thread when the
    # client is garbage without a shutdown (built here so that it holds the
    # bindings, not the client).
    def self.finalizer(bindings)
      proc { |_object_id| bindings.stop }
    end
  end
end
