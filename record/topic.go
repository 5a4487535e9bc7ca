package record

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mqtt-testkit/testkit/internal/topics"
)

// MatchTopic reports whether topic matches the topic filter by the MQTT rules:
// "+" matches exactly one level, "#" (last) matches the parent level and any
// number of levels below it, and a filter starting with a wildcard does not
// match a topic starting with "$" [MQTT-4.7.2-1]. An invalid filter (a "#"
// that is not last, a wildcard sharing a level with other characters, or a
// string no topic can be: see ValidFilter) matches nothing, and neither is
// a topic that is no Topic Name: one that has a wildcard in it
// [MQTT-4.7.0-1], or no topic can be.
func MatchTopic(filter, topic string) bool {
	return !strings.ContainsAny(topic, "+#") && topics.MatchLevels(filter, topic)
}

// ValidFilter reports whether filter is a well-formed MQTT topic filter: 1
// to 65,535 bytes of UTF-8 without U+0000 [MQTT-4.7.3-1, MQTT-4.7.3-2,
// MQTT-4.7.3-3], with "#" only as the whole last level and "+" only as a
// whole level [MQTT-4.7.1-1, MQTT-4.7.1-2].
func ValidFilter(filter string) bool { return filterError(filter) == nil }

// filterError says why filter is not a valid MQTT topic filter (see
// ValidFilter), or returns nil.
func filterError(filter string) error {
	switch {
	case filter == "":
		return errors.New("empty: a topic filter has at least one character [MQTT-4.7.3-1]")
	case len(filter) > 65535:
		return fmt.Errorf("%d bytes: a topic filter has at most 65,535 [MQTT-4.7.3-3]", len(filter))
	case !utf8.ValidString(filter):
		return errors.New("not well-formed UTF-8 [MQTT-1.5.4-1]")
	case strings.ContainsRune(filter, 0):
		return errors.New("contains U+0000 [MQTT-4.7.3-2]")
	}
	levels := strings.Split(filter, "/")
	for i, l := range levels {
		if strings.Contains(l, "#") && (l != "#" || i != len(levels)-1) {
			return fmt.Errorf("level %q: \"#\" must be a whole level and the last one, as in \"a/#\" [MQTT-4.7.1-1]", l)
		}
		if strings.Contains(l, "+") && l != "+" {
			return fmt.Errorf("level %q: \"+\" must be a whole level, as in \"a/+/c\" [MQTT-4.7.1-2]", l)
		}
	}
	return nil
}

// ValidTopic reports whether name is a topic name a PUBLISH may carry: not
// empty, at most 65,535 bytes of well-formed UTF-8 without U+0000, and no
// wildcard [MQTT-4.7.1-1].
func ValidTopic(name string) bool {
	return topics.WellFormed(name) && !strings.ContainsAny(name, "+#")
}
