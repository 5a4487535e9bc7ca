// Package topics holds the MQTT topic rules that package record and package
// mqtttest share and neither exports.
package topics

import (
	"strings"
	"unicode/utf8"
)

// MatchLevels is record.MatchTopic for a topic that may have wildcards in
// it, each taken as the characters it is: mqtttest's ACL uses it to compare
// a filter a client subscribes to with a rule's filter.
func MatchLevels(filter, topic string) bool {
	if !WellFormed(filter) || !WellFormed(topic) {
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

// WellFormed reports whether s can be a topic name or filter at all: not
// empty, at most 65,535 bytes, well-formed UTF-8 [MQTT-1.5.4-1], no U+0000.
func WellFormed(s string) bool {
	return s != "" && len(s) <= 65535 && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
