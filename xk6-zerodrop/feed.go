package zerodrop

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// A feedSpec is how a target profile recognises its feed frames (websocket.frames.feed): the values
// some fields must have, the field holding the sequence number, and the one holding the publish time.
// Paths are dotted, as the profile writes them.
type feedSpec struct {
	match       []matchEntry
	seq         []string
	publishedAt []string // nil: the frames carry no publish time
	// Reads the matchers' paths, then seq, then publishedAt.
	paths pathReader
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
	var paths [][]string
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
		paths = append(paths, entry.keys)
	}
	paths = append(paths, out.seq)
	if out.publishedAt != nil {
		paths = append(paths, out.publishedAt)
	}
	out.paths = newPathReader(paths...)
	return out, nil
}

// read decodes one text message and returns it as a plain feed frame, or ok false when it is anything
// else or anything this reader does not decide exactly as validator/users/frames.ts classifyFrame does:
// not a JSON object, a feed frame whose sequence number or publish time is not a JSON number (a numeric
// string, which JavaScript's Number() reads by rules of its own), a \u escape (JavaScript keeps lone
// surrogates that Go replaces), invalid UTF-8, arrays on a path. The caller reads those the JavaScript way.
func (s *feedSpec) read(text string) (plainFeed, bool) {
	values, ok := s.paths.read(text)
	if !ok {
		return plainFeed{}, false
	}
	for i, entry := range s.match {
		// An absent field, an object or an array never equals a scalar, as JavaScript's !== sees it.
		if entry.never || !values[i].equals(entry.want) {
			return plainFeed{}, false
		}
	}
	seq := values[len(s.match)]
	if seq.kind != kindNumber || seq.num != math.Trunc(seq.num) {
		return plainFeed{}, false
	}
	out := plainFeed{seq: seq.num}
	if s.publishedAt == nil {
		return out, true
	}
	switch at := values[len(s.match)+1]; at.kind {
	case kindNumber:
		out.ts, out.hasTs = at.num, true
	case kindString:
		return plainFeed{}, false
	}
	return out, true
}
