package assert

import (
	"bytes"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// PayloadMatcher selects messages by payload. Make one with Payload,
// PayloadBytes or PayloadWhere; AnyPayload, the zero value, takes any.
type PayloadMatcher struct {
	desc string
	fn   func([]byte) bool
}

// AnyPayload matches every payload, including an empty one.
var AnyPayload = PayloadMatcher{}

// Payload matches a payload equal to s.
func Payload(s string) PayloadMatcher {
	return PayloadMatcher{desc: quote([]byte(s)), fn: func(b []byte) bool { return string(b) == s }}
}

// PayloadBytes matches a payload equal to b.
func PayloadBytes(b []byte) PayloadMatcher {
	want := bytes.Clone(b)
	return PayloadMatcher{desc: quote(want), fn: func(got []byte) bool { return bytes.Equal(got, want) }}
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
