package assert

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	testify "github.com/stretchr/testify/assert"
)

// PayloadMatcher selects messages by payload. Make one with Payload,
// PayloadBytes, PayloadJSON or PayloadWhere; AnyPayload, the zero value,
// takes any.
type PayloadMatcher struct {
	desc string
	fn   func([]byte) bool
	// diff describes how a payload differs from the wanted one, in testify's
	// words (values and diff); nil when there is no one wanted payload.
	diff func(got []byte) string
	size int // the length of the wanted payload, for diff; 0 without one
}

// AnyPayload matches every payload, including an empty one.
var AnyPayload = PayloadMatcher{}

// Payload matches a payload equal to s. A failure that saw another payload
// shows testify's diff of the two.
func Payload(s string) PayloadMatcher {
	return PayloadBytes([]byte(s))
}

// PayloadBytes matches a payload equal to b. A failure that saw another
// payload shows testify's diff of the two.
func PayloadBytes(b []byte) PayloadMatcher {
	want := bytes.Clone(b)
	return PayloadMatcher{
		desc: quote(want),
		size: len(want),
		fn:   func(got []byte) bool { return bytes.Equal(got, want) },
		diff: func(got []byte) string {
			if utf8.Valid(want) && utf8.Valid(got) {
				return testifySays(func(t testify.TestingT) bool { return testify.Equal(t, string(want), string(got)) })
			}
			return testifySays(func(t testify.TestingT) bool { return testify.Equal(t, want, got) })
		},
	}
}

// PayloadJSON matches a payload that is the same JSON value as s, as
// testify's JSONEq compares them: object keys in any order, any white space,
// numbers by value, so `{"a":1,"b":2}` matches `{ "b": 2, "a": 1.0 }`. A
// failure that saw another payload shows testify's diff of the two values.
// When s is not valid JSON, the matcher matches nothing, and says why.
func PayloadJSON(s string) PayloadMatcher {
	var want any
	if err := json.Unmarshal([]byte(s), &want); err != nil {
		desc := fmt.Sprintf("JSON %s, which is not valid JSON (%v), so none", quote([]byte(s)), err)
		return PayloadMatcher{desc: desc, fn: func([]byte) bool { return false }}
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, []byte(s)) // valid: Unmarshal took it
	desc := compact.String()
	if len(desc) > 64 {
		desc = strings.ToValidUTF8(desc[:64], "") + "…"
	}
	return PayloadMatcher{
		desc: "JSON " + desc,
		size: len(s),
		fn: func(got []byte) bool {
			var v any
			return json.Unmarshal(got, &v) == nil && testify.ObjectsAreEqual(want, v)
		},
		diff: func(got []byte) string {
			return testifySays(func(t testify.TestingT) bool { return testify.JSONEq(t, s, string(got)) })
		},
	}
}

// PayloadWhere matches payloads for which fn returns true; desc says which,
// for failure messages (e.g. "a JSON object with temp > 20").
func PayloadWhere(desc string, fn func(payload []byte) bool) PayloadMatcher {
	return PayloadMatcher{desc: desc, fn: fn}
}

// Match reports whether payload is selected.
func (p PayloadMatcher) Match(payload []byte) bool { return p.fn == nil || p.fn(payload) }

// String describes the matcher, as failure messages show it.
func (p PayloadMatcher) String() string {
	if p.fn == nil {
		return "any payload"
	}
	return p.desc
}

// maxDiff is the largest payload a failure shows a diff of: past it, a diff
// would bury the rest of the message (and Go's testing output has a line
// limit).
const maxDiff = 16 << 10

// differs says how got differs from the payload p wants, in testify's
// words: "Not equal:", both values and the diff. It returns "" when p wants
// no one payload, when got matches, or when either is too large to show.
func (p PayloadMatcher) differs(got []byte) string {
	if p.diff == nil || p.Match(got) || len(got) > maxDiff || p.size > maxDiff {
		return ""
	}
	return p.diff(got)
}

// quote shows a payload as Go-quoted text, or hex when it is not UTF-8, cut
// short when long.
func quote(b []byte) string {
	const max = 64
	cut := ""
	if len(b) > max {
		b, cut = b[:max], "…"
	}
	if !utf8.Valid(b) {
		return "0x" + hex.EncodeToString(b) + cut
	}
	return strconv.Quote(string(b)) + cut
}

// testifySays runs a testify assertion and returns the text of its
// failure's "Error:" field ("" when it holds), without testify's labels and
// padding: for Equal, "Not equal:", the expected and actual values and the
// diff.
func testifySays(check func(testify.TestingT) bool) string {
	var c said
	if check(&c) || c.msg == "" {
		return ""
	}
	return c.errorField()
}

// said is a testify.TestingT that keeps the failure message.
type said struct{ msg string }

func (s *said) Errorf(format string, args ...any) { s.msg = fmt.Sprintf(format, args...) }

// errorField returns the "Error:" field of a message laid out by testify's
// Fail: "\tLabel:<pad>\tcontent\n" for each field, the content's later lines
// indented to the column after the longest label. said has no Name and no
// message is passed, so "Error" is the last field. A layout it does not
// know is returned whole.
func (s *said) errorField() string {
	const label = "\tError:"
	i := strings.Index(s.msg, label)
	if i < 0 {
		return strings.TrimSpace(s.msg)
	}
	rest := s.msg[i+len(label):]
	pad := len(rest) - len(strings.TrimLeft(rest, " "))
	rest = strings.TrimPrefix(rest[pad:], "\t")
	indent := "\n\t" + strings.Repeat(" ", len("Error")+pad+1) + "\t" // the column of the longest label's content
	return strings.TrimRight(strings.ReplaceAll(rest, indent, "\n"), "\n")
}
