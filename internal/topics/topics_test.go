package topics

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestMatchLevels checks the wildcards of the topic side are taken as the
// characters they are, and the filter's as wildcards (package record's
// tests and fuzzer check MatchTopic, which is MatchLevels for topic names).
func TestMatchLevels(t *testing.T) {
	for _, c := range []struct {
		filter, topic string
		want          bool
	}{
		{"a/#", "a/+", true},    // "#" covers a level that is "+"
		{"a/+", "a/#", true},    // "+" covers a level that is "#"
		{"a/b", "a/+", false},   // "+" on the topic side is not b
		{"a/+", "a/+/c", false}, // one level, not two
		{"#", "$SYS/x", false},  // [MQTT-4.7.2-1]
		{"a/#", "a", true},      // the parent level
		{"a", "", false},        // no topic is empty
	} {
		if got := MatchLevels(c.filter, c.topic); got != c.want {
			t.Errorf("MatchLevels(%q, %q) = %v, want %v", c.filter, c.topic, got, c.want)
		}
	}
}
