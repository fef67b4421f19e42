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
      return JSON.generate(value) if Plain.new(bounds.max_items).plain?(value, 0)

      JSON.generate(new(bounds).convert(value, 0))
    end

    # Whether JSON.generate can take a value as it is: only JSON types,
    # string keys, valid UTF-8, finite floats, within the bounds. A cycle
    # fails the depth bound, so it takes the converting path.
    class Plain
      MAX_DEPTH = 32

      def initialize(max_items)
        @budget = 2_000
        @max_items = max_items
      end

      # Exact classes only: a subclass (or a Hash with its own to_json, as
      # some frameworks add) takes the converting path. Scalars are checked
      # inline, containers by recursion: most members are scalars, and a
      # method call per member was most of the cost.
      def plain?(value, depth)
        klass = value.class
        if klass == Hash then plain_hash?(value, depth)
        elsif klass == Array then plain_array?(value, depth)
        else (@budget -= 1) >= 0 && plain_scalar?(value, klass)
        end
      end

      private

      def plain_hash?(hash, depth)
        return false unless depth < MAX_DEPTH && hash.size <= @max_items && (@budget -= 1 + hash.size) >= 0

        hash.each do |key, member|
          return false unless key.class == String && plain_string?(key)

          klass = member.class
          next if klass == String ? plain_string?(member) : plain_scalar?(member, klass)
          return false unless (klass == Hash || klass == Array) && plain?(member, depth + 1)
        end
        true
      end

      def plain_array?(array, depth)
        return false unless depth < MAX_DEPTH && array.size <= @max_items && (@budget -= 1 + array.size) >= 0

        array.each do |member|
          klass = member.class
          next if klass == String ? plain_string?(member) : plain_scalar?(member, klass)
          return false unless (klass == Hash || klass == Array) && plain?(member, depth + 1)
        end
        true
      end

      def plain_scalar?(value, klass)
        if klass == String then plain_string?(value)
        elsif klass == Float then value.finite?
        else klass == Integer || klass == NilClass || klass == TrueClass || klass == FalseClass
        end
      end

      def plain_string?(text)
        text.bytesize <= MAX_STRING_BYTES && text.encoding == Encoding::UTF_8 && text.valid_encoding?
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
