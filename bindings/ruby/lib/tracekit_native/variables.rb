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
  #   MAX_ITEMS members a container ends with {"_truncated": true,
  #   "_length": L}; after MAX_NODES values everything left is a depth marker;
  #   strings over MAX_STRING_BYTES are cut (the library cuts them further).
  class Variables
    MAX_DEPTH = 64
    MAX_ITEMS = 1_000
    MAX_NODES = 20_000
    MAX_STRING_BYTES = 1 << 20
    CIRCULAR = "<circular reference>"

    def self.to_json(value)
      JSON.generate(new.convert(value, 0))
    end

    def initialize
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
      return truncated(depth, value) if depth >= MAX_DEPTH || @nodes > MAX_NODES

      @open[value] = true
      value.is_a?(Hash) || value.is_a?(Struct) ? hash(value.to_h, depth) : array(value.to_a, depth)
    ensure
      @open.delete(value)
    end

    def hash(value, depth)
      result = {}
      value.each do |key, member|
        if result.size >= MAX_ITEMS
          result["_truncated"] = { "_truncated" => true, "_length" => value.size }
          break
        end
        result[key_string(key)] = convert(member, depth + 1)
      end
      result
    end

    def array(value, depth)
      result = value.first(MAX_ITEMS).map { |member| convert(member, depth + 1) }
      result << { "_truncated" => true, "_length" => value.size } if value.size > MAX_ITEMS
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
