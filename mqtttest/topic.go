package mqtttest

import "strings"

// MatchTopic reports whether topic matches the topic filter by the MQTT rules:
// "+" matches exactly one level, "#" (last) matches the parent level and any
// number of levels below it, and a filter starting with a wildcard does not
// match a topic starting with "$" [MQTT-4.7.2-1]. An invalid filter (a "#"
// that is not last, a wildcard sharing a level with other characters) matches
// nothing.
func MatchTopic(filter, topic string) bool {
	if filter == "" || topic == "" {
		return false
	}
	if topic[0] == '$' && (filter[0] == '+' || filter[0] == '#') {
		return false
	}
	for {
		fl, frest, fmore := strings.Cut(filter, "/")
		tl, trest, tmore := strings.Cut(topic, "/")
		switch {
		case fl == "#":
			return !fmore
		case fl == "+":
		case strings.ContainsAny(fl, "+#"):
			return false
		case fl != tl:
			return false
		}
		if !fmore || !tmore {
			if fmore && !tmore {
				// "a/#" also matches "a".
				return frest == "#"
			}
			return fmore == tmore
		}
		filter, topic = frest, trest
	}
}

// ValidFilter reports whether filter is a well-formed MQTT topic filter.
func ValidFilter(filter string) bool {
	if filter == "" {
		return false
	}
	levels := strings.Split(filter, "/")
	for i, l := range levels {
		if l == "#" && i != len(levels)-1 {
			return false
		}
		if len(l) > 1 && strings.ContainsAny(l, "+#") {
			return false
		}
	}
	return true
}

// validTopicName reports whether name can be published to: not empty, no wildcards.
func validTopicName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "+#")
}
