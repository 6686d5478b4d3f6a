package zerodrop

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// What a JSON value at a path is, as JavaScript's pick (validator/profile/profile.ts) finds it after
// JSON.parse: nothing there, a scalar, or an object or array (which no scalar equals).
type jsonKind uint8

const (
	kindAbsent jsonKind = iota
	kindNull
	kindBool
	kindNumber
	kindString
	kindObject
	kindArray
	// An array before the path's last key: pick would read its indexes. Not decided here, unless a
	// repeated key replaces it.
	kindBlocked
)

type jsonValue struct {
	kind jsonKind
	b    bool
	num  float64
	str  string
}

// maxDepth bounds the nesting read here; deeper text is left to JavaScript.
const maxDepth = 64

// A pathScanner reads one JSON text for a few dotted paths only: it checks the whole text against
// JSON's grammar but keeps only the values at the paths, where encoding/json would build every object
// and string of it. A text read this way allocates nothing but the escaped strings it keeps.
type pathScanner struct {
	text  string
	at    int
	paths [][]string
	out   []jsonValue
	// active[d] is the paths whose first d keys lead to the value being read at depth d.
	active [][]int
}

// A pathReader reads the same dotted paths from many JSON texts, reusing its buffers (one per VU, as
// the feed reader and the identity check are).
type pathReader struct {
	scanner pathScanner
	all     []int
}

func newPathReader(paths ...[]string) pathReader {
	all := make([]int, len(paths))
	for i := range paths {
		all[i] = i
	}
	return pathReader{scanner: pathScanner{paths: paths, out: make([]jsonValue, len(paths))}, all: all}
}

// read reads text as one JSON object and returns, at each path's index, what JavaScript's
// pick(JSON.parse(text), path) finds (validator/profile/profile.ts); the slice is reused by the next
// read. ok is false where this reader does not decide as JavaScript would: text that is not one JSON
// object, a number past float64's range (Infinity in JavaScript), nesting past maxDepth, an array before
// a path's last key (pick would read its indexes), a \u escape (JavaScript keeps lone surrogates that Go
// replaces) and invalid UTF-8. A key repeated in an object keeps its last value, as JSON.parse does,
// with everything under it.
func (r *pathReader) read(text string) ([]jsonValue, bool) {
	if !utf8.ValidString(text) {
		return nil, false
	}
	s := &r.scanner
	s.text, s.at = text, 0
	for i := range s.out {
		s.out[i] = jsonValue{}
	}
	s.skipSpace()
	if s.at >= len(s.text) || s.text[s.at] != '{' || !s.value(0, r.all) {
		return nil, false
	}
	s.skipSpace()
	if s.at != len(s.text) {
		return nil, false
	}
	for _, v := range s.out {
		if v.kind == kindBlocked {
			return nil, false
		}
	}
	return s.out, true
}

// equals is JavaScript's value === want for a scalar the profile names (string, float64, bool, nil for
// null); objects and arrays equal none.
func (v jsonValue) equals(want any) bool {
	switch w := want.(type) {
	case string:
		return v.kind == kindString && v.str == w
	case float64:
		return v.kind == kindNumber && v.num == w
	case bool:
		return v.kind == kindBool && v.b == w
	case nil:
		return v.kind == kindNull
	}
	return false
}

func (s *pathScanner) skipSpace() {
	for s.at < len(s.text) {
		switch s.text[s.at] {
		case ' ', '\t', '\n', '\r':
			s.at++
		default:
			return
		}
	}
}

// value reads one value at depth; active are the paths it lies on (their first depth keys led here).
func (s *pathScanner) value(depth int, active []int) bool {
	if depth > maxDepth {
		return false
	}
	s.skipSpace()
	if s.at >= len(s.text) {
		return false
	}
	var v jsonValue
	switch c := s.text[s.at]; {
	case c == '{':
		v.kind = kindObject
		if !s.object(depth, active) {
			return false
		}
	case c == '[':
		v.kind = kindArray
		for _, p := range active {
			if len(s.paths[p]) > depth {
				s.out[p] = jsonValue{kind: kindBlocked}
			}
		}
		if !s.array(depth) {
			return false
		}
	case c == '"':
		str, ok := s.str(len(active) > 0)
		if !ok {
			return false
		}
		v.kind, v.str = kindString, str
	case c == '-' || (c >= '0' && c <= '9'):
		num, ok := s.number()
		if !ok {
			return false
		}
		v.kind, v.num = kindNumber, num
	case strings.HasPrefix(s.text[s.at:], "true"):
		s.at += 4
		v.kind, v.b = kindBool, true
	case strings.HasPrefix(s.text[s.at:], "false"):
		s.at += 5
		v.kind = kindBool
	case strings.HasPrefix(s.text[s.at:], "null"):
		s.at += 4
		v.kind = kindNull
	default:
		return false
	}
	// The value ends the paths it lies at the end of; a scalar on the way leaves the rest absent.
	for _, p := range active {
		if len(s.paths[p]) == depth {
			s.out[p] = v
		}
	}
	return true
}

func (s *pathScanner) object(depth int, active []int) bool {
	s.at++ // {
	s.skipSpace()
	if s.at < len(s.text) && s.text[s.at] == '}' {
		s.at++
		return true
	}
	for {
		s.skipSpace()
		if s.at >= len(s.text) || s.text[s.at] != '"' {
			return false
		}
		key, ok := s.key(active, depth)
		if !ok {
			return false
		}
		s.skipSpace()
		if s.at >= len(s.text) || s.text[s.at] != ':' {
			return false
		}
		s.at++
		next := s.under(depth, active, key)
		// A repeated key replaces what its earlier value left at these paths.
		for _, p := range next {
			s.out[p] = jsonValue{}
		}
		if !s.value(depth+1, next) {
			return false
		}
		if more, ok := s.separator('}'); !more {
			return ok
		}
	}
}

// under is the active paths whose key at depth is key, in a slice kept per depth.
func (s *pathScanner) under(depth int, active []int, key string) []int {
	for len(s.active) <= depth+1 {
		s.active = append(s.active, nil)
	}
	next := s.active[depth+1][:0]
	for _, p := range active {
		if path := s.paths[p]; len(path) > depth && path[depth] == key {
			next = append(next, p)
		}
	}
	s.active[depth+1] = next
	return next
}

// key reads an object's key; decoded only where a path could name it.
func (s *pathScanner) key(active []int, depth int) (string, bool) {
	wanted := false
	for _, p := range active {
		if len(s.paths[p]) > depth {
			wanted = true
			break
		}
	}
	return s.str(wanted)
}

func (s *pathScanner) array(depth int) bool {
	s.at++ // [
	s.skipSpace()
	if s.at < len(s.text) && s.text[s.at] == ']' {
		s.at++
		return true
	}
	for {
		if !s.value(depth+1, nil) {
			return false
		}
		if more, ok := s.separator(']'); !more {
			return ok
		}
	}
}

// separator reads what follows a member of an object or an array: a comma (more follow) or the
// closing character; ok false for anything else.
func (s *pathScanner) separator(closing byte) (more, ok bool) {
	s.skipSpace()
	if s.at >= len(s.text) {
		return false, false
	}
	switch s.text[s.at] {
	case ',':
		s.at++
		return true, true
	case closing:
		s.at++
		return false, true
	}
	return false, false
}

// str reads a JSON string (s.at on its opening quote); its decoded text when keep.
func (s *pathScanner) str(keep bool) (string, bool) {
	s.at++
	start := s.at
	escaped := false
	for s.at < len(s.text) {
		c := s.text[s.at]
		switch {
		case c == '"':
			raw := s.text[start:s.at]
			s.at++
			if !keep {
				return "", true
			}
			if !escaped {
				return raw, true
			}
			return unescape(raw), true
		case c == '\\':
			if s.at+1 >= len(s.text) || !strings.ContainsRune(`"\/bfnrt`, rune(s.text[s.at+1])) {
				return "", false // \u is left to JavaScript (read); anything else is not JSON
			}
			escaped = true
			s.at += 2
		case c < 0x20:
			return "", false
		default:
			s.at++
		}
	}
	return "", false
}

var escapes = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\/`, `/`, `\b`, "\b", `\f`, "\f", `\n`, "\n", `\r`, "\r", `\t`, "\t")

// unescape decodes a JSON string's escapes, which str has checked are two-character ones.
func unescape(raw string) string {
	return escapes.Replace(raw)
}

// number reads a JSON number by its grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *pathScanner) number() (float64, bool) {
	start := s.at
	if s.text[s.at] == '-' {
		s.at++
	}
	switch {
	case s.at < len(s.text) && s.text[s.at] == '0':
		s.at++
	case s.digits() == 0:
		return 0, false
	}
	if s.at < len(s.text) && s.text[s.at] == '.' {
		s.at++
		if s.digits() == 0 {
			return 0, false
		}
	}
	if s.at < len(s.text) && (s.text[s.at] == 'e' || s.text[s.at] == 'E') {
		s.at++
		if s.at < len(s.text) && (s.text[s.at] == '+' || s.text[s.at] == '-') {
			s.at++
		}
		if s.digits() == 0 {
			return 0, false
		}
	}
	n, err := strconv.ParseFloat(s.text[start:s.at], 64)
	return n, err == nil
}

func (s *pathScanner) digits() int {
	start := s.at
	for s.at < len(s.text) && s.text[s.at] >= '0' && s.text[s.at] <= '9' {
		s.at++
	}
	return s.at - start
}
