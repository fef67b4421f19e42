package tracekit

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// decode encodes variables and parses the result, failing on invalid JSON.
func decode(t *testing.T, variables map[string]interface{}) map[string]interface{} {
	t.Helper()
	text := encodeVariables(variables)
	var result map[string]interface{}
	if err := json.Unmarshal(text, &result); err != nil {
		t.Fatalf("not JSON (%v): %s", err, text)
	}
	return result
}

type node struct {
	Name string `json:"name"`
	Next *node  `json:"next"`
}

type account struct {
	Owner    string `json:"owner"`
	Balance  float64
	Password string `json:"-"`
	internal int
}

type panickingError struct{}

func (*panickingError) Error() string { panic("boom") }

type rawJSON struct{}

func (rawJSON) MarshalJSON() ([]byte, error) { return []byte(`{ "kind" : "raw" }`), nil }

type brokenJSON struct{}

func (brokenJSON) MarshalJSON() ([]byte, error) { return []byte(`{not json`), nil }

func TestJSONValuesPassThrough(t *testing.T) {
	variables := map[string]interface{}{
		"s": "text", "i": -7, "u": uint64(math.MaxUint64), "f": 2.5, "b": true, "nil": nil,
		"list": []int{1, 2}, "array": [2]string{"a", "b"}, "map": map[string]int{"x": 1},
		"struct":  account{Owner: "jane", Balance: 10, Password: "x", internal: 3},
		"pointer": &account{Owner: "bob"}, "int_keys": map[int]bool{3: true},
	}
	want := `{"array":["a","b"],"b":true,"f":2.5,"i":-7,"int_keys":{"3":true},"list":[1,2],"map":{"x":1},"nil":null,` +
		`"pointer":{"Balance":0,"owner":"bob"},"s":"text","struct":{"Balance":10,"owner":"jane"},"u":18446744073709551615}`
	var wanted interface{}
	json.Unmarshal([]byte(want), &wanted)
	if got := decode(t, variables); !reflect.DeepEqual(got, wanted) {
		t.Fatalf("got  %v\nwant %v", got, wanted)
	}
	if text := encodeVariables(variables); !strings.Contains(string(text), `"u":18446744073709551615`) {
		t.Fatalf("integers are not written exactly: %s", text)
	}
}

func TestValuesJSONCannotHoldBecomePlaceholders(t *testing.T) {
	got := decode(t, map[string]interface{}{
		"channel": make(chan int), "callback": func() {}, "raw": unsafe.Pointer(&t),
		"nan": math.NaN(), "inf": math.Inf(1), "ninf": float32(math.Inf(-1)), "complex": complex(1, 2),
	})
	want := map[string]interface{}{
		"channel": "[UNSERIALIZABLE:chan int]", "callback": "[UNSERIALIZABLE:func()]",
		"raw": "[UNSERIALIZABLE:unsafe.Pointer]", "nan": "NaN", "inf": "Infinity", "ninf": "-Infinity", "complex": "(1+2i)",
	}
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s: got %v, want %v", key, got[key], value)
		}
	}
}

func TestCyclesBecomeCircular(t *testing.T) {
	cart := map[string]interface{}{"items": []string{"book"}}
	cart["self"] = cart
	list := []interface{}{1, nil}
	list[1] = list
	ring := &node{Name: "a"}
	ring.Next = &node{Name: "b", Next: ring}
	shared := map[string]int{"n": 1}
	got := decode(t, map[string]interface{}{"cart": cart, "list": list, "ring": ring, "twice": []interface{}{shared, shared}})

	if got["cart"].(map[string]interface{})["self"] != "[CIRCULAR]" {
		t.Errorf("map cycle: %v", got["cart"])
	}
	if got["list"].([]interface{})[1] != "[CIRCULAR]" {
		t.Errorf("slice cycle: %v", got["list"])
	}
	if next := got["ring"].(map[string]interface{})["next"].(map[string]interface{}); next["name"] != "b" || next["next"] != "[CIRCULAR]" {
		t.Errorf("pointer cycle: %v", got["ring"])
	}
	if twice := got["twice"].([]interface{}); twice[1] == "[CIRCULAR]" {
		t.Errorf("a value seen twice but not inside itself is not a cycle: %v", twice)
	}
}

func TestMethodsOfTheValueAreUsedAndTheirPanicsContained(t *testing.T) {
	var nilError *panickingError
	when := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	got := decode(t, map[string]interface{}{
		"err": errors.New("card declined"), "panics": &panickingError{}, "nil_error": nilError,
		"when": when, "raw": rawJSON{}, "broken": brokenJSON{},
	})
	want := map[string]interface{}{
		"err": "card declined", "panics": "[UNSERIALIZABLE:*tracekit.panickingError]", "nil_error": nil,
		"when": "2026-12-01T21:00:00Z", "broken": "[UNSERIALIZABLE:tracekit.brokenJSON]",
	}
	for key, value := range want {
		if got[key] != value {
			t.Errorf("%s: got %#v, want %#v", key, got[key], value)
		}
	}
	if raw := got["raw"].(map[string]interface{}); raw["kind"] != "raw" {
		t.Errorf("MarshalJSON output not used: %v", got["raw"])
	}
}

func TestStringsAreValidUTF8AndBounded(t *testing.T) {
	long := strings.Repeat("é", maxString) // 2 bytes each
	got := decode(t, map[string]interface{}{"bad": "a\xffb\x00\"", "long": long, "bytes": []byte("hi")})
	if got["bad"] != "a\ufffdb\x00\"" {
		t.Errorf("invalid UTF-8: %q", got["bad"])
	}
	text := got["long"].(string)
	if !strings.HasSuffix(text, "[TRUNCATED:131072 bytes]") || len(text) > maxString+32 {
		t.Errorf("long string: %d bytes, ends %q", len(text), text[len(text)-40:])
	}
	if got["bytes"] != "aGk=" {
		t.Errorf("[]byte: %v", got["bytes"])
	}
}

func TestWorkIsBounded(t *testing.T) {
	deep := map[string]interface{}{}
	for i := 0; i < maxDepth+10; i++ {
		deep = map[string]interface{}{"down": deep}
	}
	wide := make([]int, maxItems+5)
	many := map[string]interface{}{}
	for i := 0; i < 20; i++ {
		many[string(rune('a'+i))] = make([]int, maxItems)
	}
	got := decode(t, map[string]interface{}{"deep": deep, "wide": wide})
	level := got["deep"].(map[string]interface{})
	for depth := 1; depth < maxDepth; depth++ {
		level = level["down"].(map[string]interface{})
	}
	if level["_truncated"] != true || level["_depth"] != float64(maxDepth+1) {
		t.Errorf("depth marker: %v", level)
	}
	list := got["wide"].([]interface{})
	if len(list) != maxItems+1 || list[maxItems].(map[string]interface{})["_length"] != float64(maxItems+5) {
		t.Errorf("wide list: %d items, last %v", len(list), list[len(list)-1])
	}
	if text := encodeVariables(many); !json.Valid(text) || !strings.Contains(string(text), `{"_truncated":true}`) {
		t.Errorf("node budget not applied (%d bytes)", len(text))
	}
}

func TestNilVariablesAreAnEmptyObject(t *testing.T) {
	if text := string(encodeVariables(nil)); text != "{}" {
		t.Fatalf("got %s", text)
	}
}
