# frozen_string_literal: true

require_relative "test_helper"

# Variables: any Ruby value becomes valid, bounded JSON without raising.
class TestVariables < Minitest::Test
  # Raises from every method the converter must never call.
  class Poisoned
    def self.name = raise("Class#name overrides must not be called")
    def to_s = raise("to_s must not be called")
    def inspect = raise("inspect must not be called")
    def to_json(*) = raise("to_json must not be called")
  end

  def convert(value)
    JSON.parse(TracekitNative::Variables.to_json(value))
  end

  def test_json_values_pass_through
    input = { "n" => 1, "f" => 2.5, "s" => "text", "t" => true, "nil" => nil, "list" => [1, "two"] }
    assert_equal input, convert(input)
  end

  def test_subclasses_never_run_their_own_serialisation
    loud = Class.new(Hash) { def to_json(*) = raise("to_json must not be called") }
    value = loud.new.merge!("a" => 1)
    assert_equal({ "outer" => { "a" => 1 } }, convert({ "outer" => value }))
  end

  def test_symbols_become_strings_in_keys_and_values
    assert_equal({ "state" => "paid", "1" => "x" }, convert({ state: :paid, 1 => "x" }))
  end

  def test_unserializable_objects_become_typed_placeholders_without_calling_them
    out = convert({ obj: Poisoned.new, io: $stderr, proc: -> {}, anonymous: Class.new.new })
    assert_equal "<unserializable: TestVariables::Poisoned>", out["obj"]
    assert_equal "<unserializable: anonymous class>", out["anonymous"]
    assert_equal "<unserializable: IO>", out["io"]
    assert_equal "<unserializable: Proc>", out["proc"]
  end

  def test_cycles_become_a_marker
    hash = { name: "loop" }
    hash[:self] = hash
    array = [1]
    array << array
    out = convert({ hash: hash, array: array })
    assert_equal "<circular reference>", out["hash"]["self"]
    assert_equal [1, "<circular reference>"], out["array"]
  end

  def test_the_same_object_twice_is_not_a_cycle
    shared = { id: 7 }
    assert_equal({ "a" => { "id" => 7 }, "b" => { "id" => 7 } }, convert({ a: shared, b: shared }))
  end

  def test_non_finite_floats_and_invalid_utf8_stay_valid_json
    out = convert({ nan: Float::NAN, inf: Float::INFINITY, bytes: "\xFF\xFEok".b })
    assert_equal "NaN", out["nan"]
    assert_equal "Infinity", out["inf"]
    assert_equal "\uFFFD\uFFFDok", out["bytes"]
  end

  def test_strings_in_other_encodings_are_transcoded
    assert_equal({ "city" => "Zürich" }, convert({ city: "Z\xFCrich".dup.force_encoding(Encoding::ISO_8859_1) }))
  end

  def test_a_value_the_encoder_refuses_does_not_spoil_the_next_one
    assert_equal({ "x" => "NaN" }, convert({ "x" => [Float::NAN] }).transform_values(&:first))
    assert_equal '{"a":{"b":[1]}}', TracekitNative::Variables.to_json({ "a" => { "b" => [1] } })
  end

  def test_huge_containers_are_bounded_before_serialising
    out = convert({ list: (1..5_000).to_a, map: (1..5_000).to_h { |i| [i, i] } })
    assert_equal 1_001, out["list"].size
    assert_equal({ "_truncated" => true, "_length" => 5_000 }, out["list"].last)
    assert_equal({ "_truncated" => true, "_length" => 5_000 }, out["map"]["_truncated"])
  end

  def test_deep_nesting_is_cut_with_a_depth_marker
    root = []
    (1..500).reduce(root) { |node, _| [].tap { |child| node << child } }
    json = TracekitNative::Variables.to_json(root)
    assert_includes json, '"_truncated":true,"_depth":64'
  end

  def test_structs_sets_and_times
    point = Struct.new(:x, :y).new(1, 2)
    out = convert({ point: point, tags: Set[:a], at: Time.utc(2026, 1, 2, 3, 4, 5) })
    assert_equal({ "x" => 1, "y" => 2 }, out["point"])
    assert_equal ["a"], out["tags"]
    assert_equal "2026-01-02T03:04:05.000000Z", out["at"]
  end
end
