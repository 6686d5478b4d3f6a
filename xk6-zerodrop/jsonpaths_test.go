package zerodrop

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// oracleRead is what the path reader must find, by way of encoding/json: the whole text decoded, then
// each path walked as JavaScript's pick walks it (an array before the last key: not decided).
func oracleRead(text string, paths [][]string) ([]jsonValue, bool) {
	var decoded any
	if err := json.Unmarshal([]byte(text), &decoded); err != nil {
		return nil, false
	}
	if _, isObject := decoded.(map[string]any); !isObject {
		return nil, false
	}
	out := make([]jsonValue, len(paths))
	for i, path := range paths {
		current := decoded
		found := true
		for _, key := range path {
			switch v := current.(type) {
			case map[string]any:
				current, found = v[key]
			case []any:
				return nil, false
			default:
				found = false
			}
			if !found {
				break
			}
		}
		if !found {
			continue
		}
		switch v := current.(type) {
		case nil:
			out[i] = jsonValue{kind: kindNull}
		case bool:
			out[i] = jsonValue{kind: kindBool, b: v}
		case float64:
			out[i] = jsonValue{kind: kindNumber, num: v}
		case string:
			out[i] = jsonValue{kind: kindString, str: v}
		case map[string]any:
			out[i] = jsonValue{kind: kindObject}
		case []any:
			out[i] = jsonValue{kind: kindArray}
		}
	}
	return out, true
}

func TestPathReaderCases(t *testing.T) {
	paths := [][]string{{"type"}, {"seq"}, {"meta", "ts"}, {"meta"}}
	for _, c := range []struct {
		text string
		ok   bool
		want string
	}{
		{`{"type":"feed","seq":7,"meta":{"ts":1.5}}`, true, `feed 7 1.5 object`},
		{` {"seq":-0.5e2 , "type" : "a\"b\\c\/d\n"}` + "\n", true, `a"b\c/d` + "\n" + ` -50 - -`},
		{`{"type":1,"type":"last"}`, true, `last - - -`},
		{`{"meta":{"ts":1},"meta":5}`, true, `- - - 5`},
		{`{"meta":{"ts":1},"meta":{"x":2}}`, true, `- - - object`},
		{`{"meta":[1,{"ts":2}]}`, false, ``},
		{`{"meta":[1,{"ts":2}],"meta":{"ts":3}}`, true, `- - 3 object`},
		{`{"seq":[1,2],"meta":"x"}`, true, `- array - x`},
		{`{"type":true,"seq":null,"meta":false}`, true, `true null - false`},
		{`{"other":[{"a":[[],{}]}],"seq":1e400}`, false, ``},
		{`{"seq":01}`, false, ``},
		{`{"seq":1.}`, false, ``},
		{`{"seq":.5}`, false, ``},
		{`{"seq":+1}`, false, ``},
		{`{"seq":1,}`, false, ``},
		{`{"seq":1} x`, false, ``},
		{`[{"seq":1}]`, false, ``},
		{`"seq"`, false, ``},
		{``, false, ``},
		{`{"type":"a` + "\t" + `b"}`, false, ``},
		{`{"type":"\x"}`, false, ``},
		{`{"seq":tru}`, false, ``},
		{`{}`, true, `- - - -`},
	} {
		r := newPathReader(paths...)
		got, ok := r.read(c.text)
		if ok != c.ok {
			t.Errorf("%q: ok %v, want %v", c.text, ok, c.ok)
			continue
		}
		if ok && show(got) != c.want {
			t.Errorf("%q: %q, want %q", c.text, show(got), c.want)
		}
		if want, oracleOK := oracleRead(c.text, paths); oracleOK != ok || (ok && show(want) != show(got)) {
			t.Errorf("%q: encoding/json finds %v %q", c.text, oracleOK, show(want))
		}
	}
}

func show(values []jsonValue) string {
	parts := make([]string, len(values))
	for i, v := range values {
		switch v.kind {
		case kindAbsent:
			parts[i] = "-"
		case kindNull:
			parts[i] = "null"
		case kindBool:
			parts[i] = fmt.Sprint(v.b)
		case kindNumber:
			parts[i] = fmt.Sprint(v.num)
		case kindString:
			parts[i] = v.str
		case kindObject:
			parts[i] = "object"
		case kindArray:
			parts[i] = "array"
		}
	}
	return strings.Join(parts, " ")
}

// Seeded random JSON texts and their mutations (a character dropped, doubled or replaced): wherever
// encoding/json decodes a text, the reader finds what it finds; wherever it refuses one, the reader does.
func TestPathReaderAgreesWithEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	keys := []string{"type", "seq", "ts", "meta", "a", "", "t\"y"}
	var value func(depth int) string
	value = func(depth int) string {
		switch n := rng.Intn(10); {
		case n < 3 && depth < 4:
			var fields []string
			for i := rng.Intn(4); i > 0; i-- {
				fields = append(fields, fmt.Sprintf(`%q:%s`, keys[rng.Intn(len(keys))], value(depth+1)))
			}
			return "{" + strings.Join(fields, ",") + "}"
		case n < 4 && depth < 4:
			var items []string
			for i := rng.Intn(3); i > 0; i-- {
				items = append(items, value(depth+1))
			}
			return "[" + strings.Join(items, " , ") + "]"
		case n < 6:
			return []string{"0", "-1", "7", "2.5", "1e3", "-0", "1E-2", "123456789012345678901234567890", "1e999"}[rng.Intn(9)]
		case n < 8:
			// Raw control characters are not JSON: a string with one is refused.
			strs := []string{`"feed"`, `""`, `"a\"b"`, `"\\n\t"`, `"é"`, `"x\/y"`, "\"a\x1fb\"", "\"\t\"", "\"\x7f\""}
			return strs[rng.Intn(len(strs))]
		default:
			return []string{"true", "false", "null"}[rng.Intn(3)]
		}
	}
	paths := [][]string{{"type"}, {"seq"}, {"meta", "ts"}, {"meta"}, {"meta", "a", "seq"}, {""}, {"t\"y"}}
	mutate := func(text string) string {
		if text == "" {
			return text
		}
		i := rng.Intn(len(text))
		switch rng.Intn(3) {
		case 0:
			return text[:i] + text[i+1:]
		case 1:
			return text[:i] + text[i:i+1] + text[i:]
		default:
			const swaps = `{}[],:"\ 0-e.`
			return text[:i] + string(swaps[rng.Intn(len(swaps))]) + text[i+1:]
		}
	}
	r := newPathReader(paths...)
	decided := 0
	for i := 0; i < 20000; i++ {
		text := "{" + fmt.Sprintf(`"seq":%s,"meta":%s`, value(1), value(1)) + "}"
		if i%3 == 0 {
			text = value(0)
		}
		if i%2 == 1 {
			text = mutate(text)
		}
		if !utf8.ValidString(text) {
			continue // the callers refuse it before reading
		}
		got, ok := r.read(text)
		want, oracleOK := oracleRead(text, paths)
		if ok != oracleOK || (ok && show(got) != show(want)) {
			t.Fatalf("%q: reader %v %q, encoding/json %v %q", text, ok, show(got), oracleOK, show(want))
		}
		if ok {
			decided++
		}
	}
	if decided < 5000 {
		t.Errorf("only %d of 20,000 texts decoded: the cases do not exercise the reader", decided)
	}
}
