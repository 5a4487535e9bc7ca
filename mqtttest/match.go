package mqtttest

import (
	"fmt"
	"strings"
)

// Matcher selects records, for Recorder.Find, WaitFor and WaitForN. Several
// matchers given together must all match. Build one with the functions
// below, or with Where for anything else.
type Matcher struct {
	desc string
	fn   func(*Record) bool
	// What the matcher can select, when it says: a set of packet types (bit
	// t for type t) and of directions (bit d for Direction d); 0 means any.
	// Fault rules use them to reject matchers that can never match together.
	types   uint16
	dirs    uint8
	nothing bool // the constraints exclude each other: no packet can match
	events  bool // selects connection events or restarts, never packets
}

// typeSet is the set of packet types ts.
func typeSet(ts ...PacketType) uint16 {
	var s uint16
	for _, t := range ts {
		s |= 1 << t
	}
	return s
}

// withPacketID are the packet types that carry a packet identifier.
var withPacketID = typeSet(TypePublish, TypePuback, TypePubrec, TypePubrel, TypePubcomp,
	TypeSubscribe, TypeSuback, TypeUnsubscribe, TypeUnsuback)

// String describes the matcher, as it appears in error messages.
func (m Matcher) String() string { return m.desc }

// Match reports whether r is selected.
func (m Matcher) Match(r Record) bool { return m.match(&r) }

func (m Matcher) match(r *Record) bool { return m.fn == nil || m.fn(r) }

// Where selects the records for which fn returns true; desc says what it
// selects, for error messages.
func Where(desc string, fn func(Record) bool) Matcher {
	return Matcher{desc: desc, fn: func(r *Record) bool { return fn(*r) }}
}

// Type selects packets of type t.
func Type(t PacketType) Matcher {
	return Matcher{desc: t.String(), fn: func(r *Record) bool { return r.Event == EventPacket && r.Type == t }, types: typeSet(t)}
}

// Publish selects PUBLISH packets, either way, whose topic matches the MQTT
// topic filter (wildcards allowed).
func Publish(filter string) Matcher {
	return Matcher{desc: "PUBLISH " + filter, fn: func(r *Record) bool {
		return r.Event == EventPacket && r.Type == TypePublish && MatchTopic(filter, r.Topic)
	}, types: typeSet(TypePublish)}
}

// Topic selects records whose topic matches the MQTT topic filter: PUBLISH
// packets, and SUBSCRIBE or UNSUBSCRIBE packets with a filter equal to it.
func Topic(filter string) Matcher {
	return Matcher{desc: "topic " + filter, fn: func(r *Record) bool {
		if r.Type == TypePublish {
			return MatchTopic(filter, r.Topic)
		}
		for _, s := range r.Subscriptions {
			if s.Filter == filter {
				return true
			}
		}
		return false
	}, types: typeSet(TypePublish, TypeSubscribe, TypeUnsubscribe)}
}

// ClientID selects records of the connection whose client ID is id.
func ClientID(id string) Matcher {
	return Matcher{desc: fmt.Sprintf("client %q", id), fn: func(r *Record) bool { return r.ClientID == id }}
}

// Dir selects packets travelling in direction d.
func Dir(d Direction) Matcher {
	return Matcher{desc: d.String(), fn: func(r *Record) bool { return r.Dir == d }, dirs: 1 << d}
}

// PacketID selects packets with packet identifier id.
func PacketID(id uint16) Matcher {
	return Matcher{desc: fmt.Sprintf("id=%d", id), fn: func(r *Record) bool { return r.Event == EventPacket && r.PacketID == id }, types: withPacketID}
}

// ConnNumber selects records of connection number n (Record.Conn).
func ConnNumber(n uint64) Matcher {
	return Matcher{desc: fmt.Sprintf("conn#%d", n), fn: func(r *Record) bool { return r.Conn == n }}
}

// After selects records recorded after the one with sequence number seq.
func After(seq uint64) Matcher {
	return Matcher{desc: fmt.Sprintf("after #%d", seq), fn: func(r *Record) bool { return r.Seq > seq }}
}

// Malformed selects bytes that did not frame or decode as MQTT, and packets
// that break a rule the broker closes a connection for (Record.Malformed).
func Malformed() Matcher {
	return Matcher{desc: "malformed", fn: func(r *Record) bool { return r.Malformed }}
}

// Opened selects connection-open records.
func Opened() Matcher {
	return Matcher{desc: "open", fn: func(r *Record) bool { return r.Event == EventOpen }, events: true}
}

// Closed selects connection-close records.
func Closed() Matcher {
	return Matcher{desc: "close", fn: func(r *Record) bool { return r.Event == EventClose }, events: true}
}

// Restarted selects the records of Broker.Restart.
func Restarted() Matcher {
	return Matcher{desc: "restart", fn: func(r *Record) bool { return r.Event == EventRestart }, events: true}
}

// BrokerDropped selects the records of messages the broker dropped by itself
// (EventDrop). With Topic and ClientID it finds why a message never arrived:
//
//	rec.Find(mqtttest.BrokerDropped(), mqtttest.ClientID("sub"), mqtttest.Topic("home/#"))
func BrokerDropped() Matcher {
	return Matcher{desc: "dropped by the broker", fn: func(r *Record) bool { return r.Event == EventDrop }, events: true}
}

// allOf combines matchers; every one must match.
func allOf(ms []Matcher) Matcher {
	switch len(ms) {
	case 0:
		return Matcher{desc: "anything"}
	case 1:
		return ms[0]
	}
	descs := make([]string, len(ms))
	all := Matcher{types: ^uint16(0), dirs: ^uint8(0)}
	for i, m := range ms {
		descs[i] = m.desc
		if m.types != 0 {
			all.types &= m.types
		}
		if m.dirs != 0 {
			all.dirs &= m.dirs
		}
		all.nothing = all.nothing || m.nothing
		all.events = all.events || m.events
	}
	all.nothing = all.nothing || all.types == 0 || all.dirs == 0 // constraints that exclude each other
	if all.types == ^uint16(0) {
		all.types = 0
	}
	if all.dirs == ^uint8(0) {
		all.dirs = 0
	}
	all.desc = strings.Join(descs, ", ")
	all.fn = func(r *Record) bool {
		for _, m := range ms {
			if !m.match(r) {
				return false
			}
		}
		return true
	}
	return all
}
