package tracekit

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Turning arbitrary Go values into JSON, safely and with bounded work. The
// library scrubs and bounds what it receives; this only guarantees there is
// valid JSON to give it, whatever the application passes:
//
//   - JSON kinds pass through: bool, numbers, strings, maps, slices, arrays,
//     structs (exported fields, honouring `json:"name"` and `json:"-"`),
//     pointers and interfaces (what they point to).
//   - error values become their Error() text; json.Marshaler and
//     encoding.TextMarshaler values (time.Time, ...) what they marshal to.
//     A method that panics gives "[UNSERIALIZABLE:<type>]".
//   - channels, funcs, unsafe pointers: "[UNSERIALIZABLE:<type>]".
//   - a pointer, map or slice met again inside itself: "[CIRCULAR]".
//   - NaN and infinities: "NaN", "Infinity", "-Infinity" (strings);
//     complex numbers their text; []byte base64 text; map keys that are not
//     strings, numbers or bools a placeholder.
//   - invalid UTF-8 becomes U+FFFD.
//   - containers deeper than maxDepth become {"_truncated":true,"_depth":N}
//     (arrays also carry "_length"); a container keeps maxItems entries
//     (then {"_truncated":true,"_length":N} is appended to arrays,
//     "_truncated_keys":N added to objects); strings longer than maxString
//     bytes are cut and end with "[TRUNCATED:<length> bytes]"; after
//     maxNodes values, the rest become {"_truncated":true}.
//
// Concurrent writes to a map while it is captured are a data race, as with
// encoding/json; the Go runtime may stop the program for one.
const (
	maxDepth  = 64
	maxItems  = 10_000
	maxString = 65_536
	maxNodes  = 100_000
)

const circular = `"[CIRCULAR]"`

var (
	errorType         = reflect.TypeOf((*error)(nil)).Elem()
	jsonMarshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshalerType = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// encodeVariables returns variables as a JSON object. It never panics: a
// panic while encoding gives {"_error": "..."} instead.
func encodeVariables(variables map[string]interface{}) (out []byte) {
	defer func() {
		if recovered := recover(); recovered != nil {
			out = []byte(`{"_error":` + quote(fmt.Sprintf("variables could not be encoded: %v", recovered)) + `}`)
		}
	}()
	e := encoder{nodes: maxNodes, buf: make([]byte, 0, 256)}
	if variables == nil {
		return []byte("{}")
	}
	e.value(reflect.ValueOf(variables), 0)
	return e.buf
}

type encoder struct {
	buf   []byte
	nodes int
	// The maps, slices and pointers being encoded, outermost first: one
	// met again is a cycle.
	path []container
}

// container identifies a map, slice or pointer: a struct and its first
// field share an address, and a slice of a slice its data pointer.
type container struct {
	pointer uintptr
	t       reflect.Type
	length  int
}

func (e *encoder) value(v reflect.Value, depth int) {
	e.nodes--
	if e.nodes < 0 {
		e.buf = append(e.buf, `{"_truncated":true}`...)
		return
	}
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return
	}
	if e.viaMethod(v) {
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		e.float(v.Float(), v.Type().Bits())
	case reflect.Complex64, reflect.Complex128:
		e.string(strconv.FormatComplex(v.Complex(), 'g', -1, v.Type().Bits()))
	case reflect.String:
		e.string(v.String())
	case reflect.Interface:
		e.nodes++ // the interface and its content are one value
		e.value(v.Elem(), depth)
	case reflect.Pointer:
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
		} else if e.enter(v) {
			e.nodes++
			e.value(v.Elem(), depth)
			e.leave()
		}
	case reflect.Map:
		e.mapValue(v, depth)
	case reflect.Slice:
		e.sliceValue(v, depth)
	case reflect.Array:
		e.array(v, depth)
	case reflect.Struct:
		e.structValue(v, depth)
	default: // Chan, Func, UnsafePointer
		e.placeholder(v.Type())
	}
}

// viaMethod encodes values whose type says how to show them: error,
// json.Marshaler, encoding.TextMarshaler. Reports whether it did.
func (e *encoder) viaMethod(v reflect.Value) bool {
	kind := v.Kind()
	if kind == reflect.Interface || !v.CanInterface() || (kind == reflect.Pointer && v.IsNil()) {
		return false
	}
	t := v.Type()
	switch {
	case t.Implements(errorType):
		text, ok := callSafely(func() string { return v.Interface().(error).Error() })
		e.stringOr(text, ok, t)
	case t.Implements(jsonMarshalerType):
		raw, err := callMarshal(func() ([]byte, error) { return v.Interface().(json.Marshaler).MarshalJSON() })
		if err != nil || !json.Valid(raw) || len(raw) > maxString {
			e.placeholder(t)
		} else {
			e.buf = appendCompact(e.buf, raw)
		}
	case t.Implements(textMarshalerType):
		raw, err := callMarshal(func() ([]byte, error) { return v.Interface().(encoding.TextMarshaler).MarshalText() })
		e.stringOr(string(raw), err == nil, t)
	default:
		return false
	}
	return true
}

func (e *encoder) stringOr(text string, ok bool, t reflect.Type) {
	if ok {
		e.string(text)
	} else {
		e.placeholder(t)
	}
}

// callSafely calls a method of the application's; a panic in it is not
// the capture's problem.
func callSafely(method func() string) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return method(), true
}

func callMarshal(method func() ([]byte, error)) (raw []byte, err error) {
	defer func() {
		if recovered := recover(); recovered != nil {
			err = fmt.Errorf("panic: %v", recovered)
		}
	}()
	return method()
}

func appendCompact(buf, raw []byte) []byte {
	var compact bytes.Buffer
	if json.Compact(&compact, raw) != nil {
		return append(buf, "null"...)
	}
	return append(buf, compact.Bytes()...)
}

func (e *encoder) placeholder(t reflect.Type) {
	e.string("[UNSERIALIZABLE:" + t.String() + "]")
}

func (e *encoder) float(f float64, bits int) {
	switch {
	case math.IsNaN(f):
		e.buf = append(e.buf, `"NaN"`...)
	case math.IsInf(f, 1):
		e.buf = append(e.buf, `"Infinity"`...)
	case math.IsInf(f, -1):
		e.buf = append(e.buf, `"-Infinity"`...)
	default:
		e.buf = strconv.AppendFloat(e.buf, f, 'g', -1, bits)
	}
}

// enter puts a container on the path; false (and "[CIRCULAR]" written)
// when it is there already.
func (e *encoder) enter(v reflect.Value) bool {
	current := container{pointer: v.Pointer(), t: v.Type()}
	if v.Kind() == reflect.Slice {
		current.length = v.Len()
	}
	for _, seen := range e.path {
		if seen == current {
			e.buf = append(e.buf, circular...)
			return false
		}
	}
	e.path = append(e.path, current)
	return true
}

func (e *encoder) leave() { e.path = e.path[:len(e.path)-1] }

// tooDeep writes the depth marker when a container is past maxDepth.
func (e *encoder) tooDeep(depth, length int, isArray bool) bool {
	if depth < maxDepth {
		return false
	}
	e.buf = append(e.buf, `{"_truncated":true,"_depth":`...)
	e.buf = strconv.AppendInt(e.buf, int64(depth+1), 10)
	if isArray {
		e.buf = append(e.buf, `,"_length":`...)
		e.buf = strconv.AppendInt(e.buf, int64(length), 10)
	}
	e.buf = append(e.buf, '}')
	return true
}

func (e *encoder) mapValue(v reflect.Value, depth int) {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return
	}
	if e.tooDeep(depth, v.Len(), false) || !e.enter(v) {
		return
	}
	defer e.leave()
	e.buf = append(e.buf, '{')
	count := 0
	iterator := v.MapRange()
	for iterator.Next() && count < maxItems {
		if count > 0 {
			e.buf = append(e.buf, ',')
		}
		e.string(mapKey(iterator.Key()))
		e.buf = append(e.buf, ':')
		e.value(iterator.Value(), depth+1)
		count++
	}
	if length := v.Len(); length > count {
		e.buf = append(e.buf, `,"_truncated_keys":`...)
		e.buf = strconv.AppendInt(e.buf, int64(length), 10)
	}
	e.buf = append(e.buf, '}')
}

// mapKey: JSON keys are strings; numbers and bools are written as text.
func mapKey(key reflect.Value) string {
	if key.Kind() == reflect.Interface {
		key = key.Elem()
	}
	switch key.Kind() {
	case reflect.String:
		return key.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(key.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(key.Uint(), 10)
	case reflect.Bool:
		return strconv.FormatBool(key.Bool())
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(key.Float(), 'g', -1, key.Type().Bits())
	case reflect.Invalid:
		return "null"
	}
	return "[UNSERIALIZABLE:" + key.Type().String() + "]"
}

func (e *encoder) sliceValue(v reflect.Value, depth int) {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return
	}
	if v.Type().Elem().Kind() == reflect.Uint8 {
		e.bytes(v.Bytes())
		return
	}
	// A slice can only contain itself through an interface or pointer
	// element.
	if e.tooDeep(depth, v.Len(), true) || !e.enter(v) {
		return
	}
	defer e.leave()
	e.elements(v, depth)
}

func (e *encoder) array(v reflect.Value, depth int) {
	if !e.tooDeep(depth, v.Len(), true) {
		e.elements(v, depth)
	}
}

func (e *encoder) elements(v reflect.Value, depth int) {
	e.buf = append(e.buf, '[')
	length := v.Len()
	count := length
	if count > maxItems {
		count = maxItems
	}
	for i := 0; i < count; i++ {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.value(v.Index(i), depth+1)
	}
	if length > count {
		e.buf = append(e.buf, `,{"_truncated":true,"_length":`...)
		e.buf = strconv.AppendInt(e.buf, int64(length), 10)
		e.buf = append(e.buf, '}')
	}
	e.buf = append(e.buf, ']')
}

func (e *encoder) bytes(data []byte) {
	if len(data) > maxString {
		e.string(base64.StdEncoding.EncodeToString(data[:maxString]) + "[TRUNCATED:" + strconv.Itoa(len(data)) + " bytes]")
		return
	}
	e.string(base64.StdEncoding.EncodeToString(data))
}

func (e *encoder) structValue(v reflect.Value, depth int) {
	if e.tooDeep(depth, 0, false) {
		return
	}
	t := v.Type()
	e.buf = append(e.buf, '{')
	first := true
	for i := 0; i < t.NumField(); i++ {
		field := t.Field(i)
		name, ok := fieldName(field)
		if !ok {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.string(name)
		e.buf = append(e.buf, ':')
		e.value(v.Field(i), depth+1)
	}
	e.buf = append(e.buf, '}')
}

// fieldName: exported fields only, named by their json tag if they have one.
func fieldName(field reflect.StructField) (string, bool) {
	if !field.IsExported() {
		return "", false
	}
	tag := field.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name, true
	}
	return field.Name, true
}

func (e *encoder) string(s string) {
	if len(s) > maxString {
		cut := maxString
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "[TRUNCATED:" + strconv.Itoa(len(s)) + " bytes]"
	}
	e.buf = appendQuoted(e.buf, s)
}

func quote(s string) string { return string(appendQuoted(nil, s)) }

// appendQuoted writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendQuoted(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '"', '\\':
				buf = append(buf, '\\', b)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
