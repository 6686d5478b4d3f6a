package zerodrop

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// A feedSpec is how a target profile recognises its feed frames (websocket.frames.feed): the values
// some fields must have, the field holding the sequence number, and the one holding the publish time.
// Paths are dotted, as the profile writes them.
type feedSpec struct {
	match       []matchEntry
	seq         []string
	publishedAt []string // nil: the frames carry no publish time
}

type matchEntry struct {
	keys []string
	// want is a JSON scalar: string, float64, bool or nil (null). never: the profile's value is an object
	// or an array, which no decoded value equals (validator/profile/profile.ts compares with !==).
	want  any
	never bool
}

// A plainFeed is a feed frame read entirely here: its sequence number, and its publish time (hasTs false
// when the frame carries none).
type plainFeed struct {
	seq   float64
	ts    float64
	hasTs bool
}

// errSpec is a feed spec this reader cannot take: the JavaScript reader (validator/users/frames.ts) is
// the reference, so the users fall back to it rather than guess.
var errSpec = errors.New("feed spec")

// newFeedSpec reads websocket.frames.feed as the profile holds it ({match, seq, publishedAt}).
func newFeedSpec(exported any) (feedSpec, error) {
	spec, ok := exported.(map[string]any)
	if !ok {
		return feedSpec{}, fmt.Errorf("%w: not an object", errSpec)
	}
	seq, ok := spec["seq"].(string)
	if !ok {
		return feedSpec{}, fmt.Errorf("%w: seq is not a path", errSpec)
	}
	out := feedSpec{seq: strings.Split(seq, ".")}
	// frames.ts reads a publish time only where publishedAt is a non-empty path (a truthy value).
	if at, present := spec["publishedAt"]; present && at != nil && at != "" {
		path, isPath := at.(string)
		if !isPath {
			return feedSpec{}, fmt.Errorf("%w: publishedAt is not a path", errSpec)
		}
		out.publishedAt = strings.Split(path, ".")
	}
	match, ok := spec["match"].(map[string]any)
	if !ok {
		return feedSpec{}, fmt.Errorf("%w: match is not an object", errSpec)
	}
	for path, want := range match {
		entry := matchEntry{keys: strings.Split(path, ".")}
		switch v := want.(type) {
		case string, bool, nil:
			entry.want = v
		case int64:
			entry.want = float64(v)
		case float64:
			entry.want = v
		default:
			entry.never = true
		}
		out.match = append(out.match, entry)
	}
	return out, nil
}

// An absent field: JavaScript's undefined, which equals no JSON value.
type absent struct{}

// pick walks a dotted path through decoded JSON objects. ok is false where JavaScript's pick
// (validator/profile/profile.ts) could see something a decoded map does not show: an array on the way
// (indexes, length).
func pick(value any, keys []string) (found any, ok bool) {
	current := value
	for _, key := range keys {
		switch v := current.(type) {
		case map[string]any:
			next, present := v[key]
			if !present {
				return absent{}, true
			}
			current = next
		case []any:
			return nil, false
		default:
			return absent{}, true
		}
	}
	return current, true
}

// read decodes one text message and returns it as a plain feed frame, or ok false when it is anything
// else or anything this reader does not decide exactly as validator/users/frames.ts classifyFrame does:
// not a JSON object, a feed frame whose sequence number or publish time is not a JSON number (a numeric
// string, which JavaScript's Number() reads by rules of its own), a \u escape (JavaScript keeps lone
// surrogates that Go replaces), invalid UTF-8, arrays on a path. The caller reads those the JavaScript way.
func (s *feedSpec) read(text string) (plainFeed, bool) {
	if strings.Contains(text, `\u`) || !utf8.ValidString(text) {
		return plainFeed{}, false
	}
	var frame map[string]any
	if err := json.Unmarshal([]byte(text), &frame); err != nil || frame == nil {
		return plainFeed{}, false
	}
	for _, entry := range s.match {
		// An absent field, an object or an array never equals a scalar: interface comparison sees the
		// types differ, as JavaScript's !== does.
		got, ok := pick(frame, entry.keys)
		if !ok || entry.never || got != entry.want {
			return plainFeed{}, false
		}
	}
	got, ok := pick(frame, s.seq)
	seq, isNumber := got.(float64)
	if !ok || !isNumber || math.IsInf(seq, 0) || seq != math.Trunc(seq) {
		return plainFeed{}, false
	}
	out := plainFeed{seq: seq}
	if s.publishedAt == nil {
		return out, true
	}
	at, ok := pick(frame, s.publishedAt)
	if !ok {
		return plainFeed{}, false
	}
	switch v := at.(type) {
	case float64:
		out.ts, out.hasTs = v, true
	case string:
		return plainFeed{}, false
	}
	return out, true
}
