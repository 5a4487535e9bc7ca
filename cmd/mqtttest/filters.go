package main

import (
	"fmt"
	"strings"

	"github.com/mqtt-testkit/testkit/record"
)

// filters select records, as show's flags and the control API's
// GET /records parameters do.
type filters struct {
	client string // a client ID
	topic  string // an MQTT topic filter
	types  string // packet types, comma-separated
	conn   uint64 // a connection number; 0 for all
}

// matcher combines the filters; prefix names them in errors ("--" for
// flags, "" for query parameters).
func (f *filters) matcher(prefix string) (record.Matcher, error) {
	var ms []record.Matcher
	if f.client != "" {
		ms = append(ms, record.ClientID(f.client))
	}
	if f.topic != "" {
		m := record.Topic(f.topic)
		if err := m.Err(); err != nil {
			return record.Matcher{}, fmt.Errorf("%stopic: %v", prefix, err)
		}
		ms = append(ms, m)
	}
	if f.types != "" {
		var types []record.PacketType
		for _, name := range strings.Split(f.types, ",") {
			t, ok := record.ParsePacketType(strings.TrimSpace(name))
			if !ok {
				return record.Matcher{}, fmt.Errorf("%stype: no packet type %q (want names such as CONNECT, PUBLISH, PUBACK, SUBSCRIBE, PINGREQ, DISCONNECT)", prefix, name)
			}
			types = append(types, t)
		}
		ms = append(ms, record.Where("type "+f.types, func(r record.Record) bool {
			for _, t := range types {
				if r.Event == record.EventPacket && r.Type == t {
					return true
				}
			}
			return false
		}))
	}
	if f.conn != 0 {
		ms = append(ms, record.ConnNumber(f.conn))
	}
	return record.All(ms...), nil
}
