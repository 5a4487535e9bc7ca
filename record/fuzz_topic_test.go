package record

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMatchTopic checks MatchTopic and ValidFilter against specMatch and
// specValidFilter, a reference written from the MQTT 5.0 specification,
// section 4.7. Besides the fuzzed filter and topic it tries the topic
// itself as a filter, the filter as a topic, and a filter made from the
// topic by putting "+" in some levels and "#" after one (mask says which),
// so that matches are common.
func FuzzMatchTopic(f *testing.F) {
	for _, c := range [][2]string{
		{"sport/tennis/player1/#", "sport/tennis/player1"},
		{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"},
		{"sport/#", "sport"},
		{"#", "/"},
		{"sport/tennis#", "sport/tennis#"},
		{"sport/tennis/#/ranking", "sport/tennis/x/ranking"},
		{"sport/+", "sport"},
		{"sport/+", "sport/"},
		{"+/+", "/finance"},
		{"/+", "/finance"},
		{"+", "/finance"},
		{"sport+", "sport+"},
		{"#", "$SYS/monitor/Clients"},
		{"+/monitor/Clients", "$SYS/monitor/Clients"},
		{"$SYS/#", "$SYS/monitor/Clients"},
		{"$SYS/monitor/+", "$SYS/monitor/Clients"},
		{"a//b", "a//b"},
		{"ACCOUNTS", "Accounts"},
		{"a/+", "a/+"},
		{"", ""},
	} {
		f.Add(c[0], c[1], uint64(0))
	}
	f.Add("x", "a/b/c/d", uint64(0b01_10))
	f.Add("x", "$a/b/c", uint64(0b1))
	f.Add("x", "a//", uint64(0b10_10_10))
	f.Fuzz(func(t *testing.T, filter, topic string, mask uint64) {
		checkValidFilter(t, filter)
		checkValidFilter(t, topic)
		checkMatch(t, filter, topic)
		checkMatch(t, topic, topic)
		checkMatch(t, topic, filter)
		checkMatch(t, filterFrom(topic, mask), topic)
	})
}

// TestTopicLengthLimit checks the 65,535-byte limit [MQTT-4.7.3-3] the way
// FuzzMatchTopic checks the rest; it is not a seed, as the fuzzer would
// spend its time mutating 64 KiB strings.
func TestTopicLengthLimit(t *testing.T) {
	for _, n := range []int{65535, 65536} {
		s := strings.Repeat("a", n)
		checkValidFilter(t, s)
		checkMatch(t, s, s)
		checkMatch(t, "#", s)
		checkMatch(t, s[:n-1]+"#", s)
	}
}

func checkValidFilter(t *testing.T, filter string) {
	t.Helper()
	if got, want := ValidFilter(filter), specValidFilter(filter); got != want {
		t.Fatalf("ValidFilter(%s) = %v; the specification says %v", short(filter), got, want)
	}
}

func checkMatch(t *testing.T, filter, topic string) {
	t.Helper()
	got, want := MatchTopic(filter, topic), specMatch(filter, topic)
	switch {
	case got == want:
	default:
		t.Fatalf("MatchTopic(%s, %s) = %v; the specification says %v", short(filter), short(topic), got, want)
	}
}

// short quotes s, cut after 64 bytes.
func short(s string) string {
	if len(s) > 64 {
		return fmt.Sprintf("%q…(%d bytes)", s[:64], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// filterFrom makes a filter from topic: bit 2i of mask puts "+" in level i,
// bit 2i+1 ends the filter with "#" after level i (at the first such bit).
func filterFrom(topic string, mask uint64) string {
	levels := strings.Split(topic, "/")
	for i := range levels {
		if i < 32 && mask&(1<<(2*i)) != 0 {
			levels[i] = "+"
		}
		if i < 32 && mask&(1<<(2*i+1)) != 0 {
			return strings.Join(append(levels[:i:i], "#"), "/")
		}
	}
	return strings.Join(levels, "/")
}

// The reference, sentence by sentence from MQTT 5.0, section 4.7, with no
// code in common with topic.go.

// specString says whether s can be a Topic Name or a Topic Filter at all:
// "All Topic Names and Topic Filters MUST be at least one character long
// [MQTT-4.7.3-1]"; "Topic Names and Topic Filters MUST NOT include the null
// character (Unicode U+0000) [MQTT-4.7.3-2]"; "Topic Names and Topic
// Filters are UTF-8 Encoded Strings; they MUST NOT encode to more than
// 65,535 bytes [MQTT-4.7.3-3]", and a UTF-8 Encoded String "MUST be
// well-formed UTF-8" [MQTT-1.5.4-1].
func specString(s string) bool {
	return len(s) >= 1 && len(s) <= 65535 && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// specValidFilter: "The forward slash ('/' U+002F) is used to separate each
// level within a topic tree" (4.7.1.1). "The multi-level wildcard character
// MUST be specified either on its own or following a topic level separator.
// In either case it MUST be the last character specified in the Topic
// Filter [MQTT-4.7.1-1]." The single-level wildcard "MUST occupy an entire
// level of the filter [MQTT-4.7.1-2]." "Adjacent Topic level separators
// indicate a zero-length topic level": empty levels are valid.
func specValidFilter(filter string) bool {
	if !specString(filter) {
		return false
	}
	levels := strings.Split(filter, "/")
	for i, level := range levels {
		if strings.Contains(level, "#") && (level != "#" || i != len(levels)-1) {
			return false
		}
		if strings.Contains(level, "+") && level != "+" {
			return false
		}
	}
	return true
}

// specTopicName: "The wildcard characters can be used in Topic Filters, but
// MUST NOT be used within a Topic Name [MQTT-4.7.0-1]."
func specTopicName(topic string) bool {
	return specString(topic) && !strings.ContainsAny(topic, "+#")
}

// specMatch: an invalid filter or topic name matches nothing. "The Server
// MUST NOT match Topic Filters starting with a wildcard character (# or +)
// with Topic Names beginning with a $ character [MQTT-4.7.2-1]." Then level
// by level: "+" matches exactly one level; "#" matches the parent level and
// any number of child levels ("sport/tennis/player1/#" matches
// "sport/tennis/player1"); "Each non-wildcarded level in the Topic Filter
// has to match the corresponding level in the Topic Name character for
// character" (4.7.3), with no normalization [MQTT-4.7.3-4].
func specMatch(filter, topic string) bool {
	if !specValidFilter(filter) || !specTopicName(topic) {
		return false
	}
	if topic[0] == '$' && (filter[0] == '#' || filter[0] == '+') {
		return false
	}
	fl, tl := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, level := range fl {
		if level == "#" { // the last level; the topic has the levels before it (the parent), maybe more
			return true
		}
		if i >= len(tl) {
			return false
		}
		if level != "+" && level != tl[i] {
			return false
		}
	}
	return len(fl) == len(tl)
}
