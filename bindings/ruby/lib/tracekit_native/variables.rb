# frozen_string_literal: true

require "json"
require "set"

module TracekitNative
  # Turns any Ruby value into a JSON document without ever raising, with the
  # work bounded before serialising: the library then scrubs and bounds the
  # document exactly (depth, string length, payload), this only keeps a huge
  # or cyclic object graph from costing the caller's thread.
  #
  # - nil, true, false, Integer, finite Float, String, Symbol: as JSON
  #   (NaN/Infinity become strings; invalid UTF-8 becomes U+FFFD).
  # - Hash (keys as strings), Array, Set, Struct: converted member by member.
  # - Time/Date: ISO 8601 strings.
  # - Anything else: the placeholder "<unserializable: ClassName>"; its own
  #   methods (to_json, to_s, inspect) are never called.
  # - A container met again inside itself: "<circular reference>".
  # - Beyond MAX_DEPTH: {"_truncated": true, "_depth": N}; beyond
  #   max_items members a container ends with {"_truncated": true,
  #   "_length": L}; after max_nodes values everything left is a depth marker;
  #   strings over MAX_STRING_BYTES are cut (the library cuts them further).
  #   max_items and max_nodes are Bounds: BOUNDED while max_payload bounds
  #   the document anyway, UNBOUNDED when max_payload is unlimited.
  class Variables
    MAX_DEPTH = 64
    MAX_STRING_BYTES = 1 << 20
    CIRCULAR = "<circular reference>"
    Bounds = Struct.new(:max_items, :max_nodes)
    BOUNDED = Bounds.new(1_000, 20_000).freeze
    UNBOUNDED = Bounds.new(1_000_000, 1_000_000).freeze

    def self.to_json(value, bounds = BOUNDED)
      # Most checkpoints pass plain data: serialise it as is, without
      # building a converted copy (about twice as fast).
      if Plain.plain?(value, bounds.max_items)
        json = Plain.generate(value)
        return json if json
      end
      JSON.generate(new(bounds).convert(value, 0))
    end

    # Plain data: what the json extension serialises in C without calling
    # any of the value's own methods. Exact classes only: a subclass (or a
    # Hash with its own to_json, as some frameworks add) is not plain, nor
    # is a Symbol value (its to_json is Ruby code); Symbol keys are (the
    # extension takes their names). What only the extension can tell
    # cheaply (invalid UTF-8, NaN, binary strings) makes it raise: such a
    # value takes the converting path then.
    module Plain
      MAX_DEPTH = 32
      MAX_NODES = 2_000
      SCALARS = { Integer => true, Float => true, NilClass => true, TrueClass => true,
                  FalseClass => true }.compare_by_identity.freeze
      STATE_KEY = :__tracekit_native_json_state

      module_function

      # Within the bounds and of plain classes only. A cycle fails the
      # depth bound. One pass without allocations: most members are
      # scalars, looked up by class in one Hash.
      def plain?(value, max_items)
        klass = value.class
        if klass == Hash || klass == Array then nodes_left(value, 0, MAX_NODES, max_items) >= 0
        else klass == String ? value.bytesize <= MAX_STRING_BYTES : SCALARS.key?(klass)
        end
      end

      # The budget of nodes left after counting this container, negative
      # when the container is not plain or over a bound. The Hash and Array
      # loops differ only in the key check: a method shared per member would
      # cost a call per member, the cost this walk exists to avoid.
      def nodes_left(container, depth, budget, max_items)
        budget -= 1 + container.size
        return -1 unless depth < MAX_DEPTH && container.size <= max_items && budget >= 0

        if container.class == Hash
          container.each do |key, member|
            klass = key.class
            return -1 unless klass == Symbol || (klass == String && key.bytesize <= MAX_STRING_BYTES)
            next if SCALARS[klass = member.class]
            next if klass == String && member.bytesize <= MAX_STRING_BYTES
            return -1 unless klass == Hash || klass == Array

            return -1 if (budget = nodes_left(member, depth + 1, budget, max_items)).negative?
          end
        else
          container.each do |member|
            next if SCALARS[klass = member.class]
            next if klass == String && member.bytesize <= MAX_STRING_BYTES
            return -1 unless klass == Hash || klass == Array

            return -1 if (budget = nodes_left(member, depth + 1, budget, max_items)).negative?
          end
        end
        budget
      end

      # The JSON text of a plain value, nil when the extension refuses it.
      # One generator state per fiber (a new one costs a third of a small
      # hash's encoding); one that raised is dropped, its depth is stale.
      def generate(value)
        (Thread.current[STATE_KEY] ||= JSON::State.new).generate(value)
      rescue JSON::JSONError, EncodingError
        Thread.current[STATE_KEY] = nil
      end
    end

    def initialize(bounds = BOUNDED)
      @max_items = bounds.max_items
      @max_nodes = bounds.max_nodes
      @nodes = 0
      @open = {}.compare_by_identity
    end

    def convert(value, depth)
      @nodes += 1
      case value
      when nil, true, false, Integer then value
      when Float then value.finite? ? value : value.to_s
      when String then string(value)
      when Symbol then string(value.name)
      when Hash, Array, Set, Struct then container(value, depth)
      when Time then value.utc.strftime("%Y-%m-%dT%H:%M:%S.%6NZ")
      else other(value)
      end
    end

    private

    def container(value, depth)
      return CIRCULAR if @open.key?(value)
      return truncated(depth, value) if depth >= MAX_DEPTH || @nodes > @max_nodes

      @open[value] = true
      value.is_a?(Hash) || value.is_a?(Struct) ? hash(value.to_h, depth) : array(value.to_a, depth)
    ensure
      @open.delete(value)
    end

    def hash(value, depth)
      result = {}
      value.each do |key, member|
        if result.size >= @max_items
          result["_truncated"] = { "_truncated" => true, "_length" => value.size }
          break
        end
        result[key_string(key)] = convert(member, depth + 1)
      end
      result
    end

    def array(value, depth)
      result = value.first(@max_items).map { |member| convert(member, depth + 1) }
      result << { "_truncated" => true, "_length" => value.size } if value.size > @max_items
      result
    end

    def truncated(depth, value)
      marker = { "_truncated" => true, "_depth" => depth }
      marker["_length"] = value.size if value.is_a?(Array) || value.is_a?(Set)
      marker
    end

    def key_string(key)
      case key
      when String then string(key)
      when Symbol then string(key.name)
      when Integer, Float, true, false, nil then key.to_s
      else "<key: #{key.class.name}>"
      end
    end

    def string(value)
      value = value.byteslice(0, MAX_STRING_BYTES) if value.bytesize > MAX_STRING_BYTES
      return value if value.encoding == Encoding::UTF_8 && value.valid_encoding?

      value.dup.force_encoding(Encoding::UTF_8).scrub("\uFFFD")
    end

    def other(value)
      return value.iso8601 if defined?(Date) && value.is_a?(Date)

      "<unserializable: #{Module.instance_method(:name).bind_call(value.class) || 'anonymous class'}>"
    end
  end
end
