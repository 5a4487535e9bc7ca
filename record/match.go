package record

import (
	"errors"
	"fmt"
	"strings"
)

// Matcher selects records, for Recorder.Find, WaitFor and WaitForN. Several
// matchers given together must all match. Build one with the functions
// below, or with Where for anything else. A matcher built from bad input (a
// topic filter that is not valid) matches nothing; Err says why.
type Matcher struct {
	desc string
	fn   func(*Record) bool
	err  error // why the matcher is invalid; it then matches nothing
	// What the matcher can select, when it says: a set of packet types (bit
	// t for type t) and of directions (bit d for Direction d); 0 means any.
	// Fault rules use them to reject matchers that can never match together.
	types    uint16
	dirs     uint8
	client   string // the client ID ClientID selects, when byClient
	byClient bool
	conn     uint64 // the connection ConnNumber selects, when byConn
	byConn   bool
	never    string // why the constraints exclude each other, "" when a packet can match
	events   bool   // selects connection events or restarts, never packets
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

// sentTo are the packet types that travel in each direction. PUBLISH, its
// acknowledgements and AUTH go both ways; DISCONNECT goes to the client in
// MQTT 5 only.
var sentTo = [...]uint16{
	ToBroker: typeSet(TypeConnect, TypePublish, TypePuback, TypePubrec, TypePubrel, TypePubcomp,
		TypeSubscribe, TypeUnsubscribe, TypePingreq, TypeDisconnect, TypeAuth),
	ToClient: typeSet(TypeConnack, TypePublish, TypePuback, TypePubrec, TypePubrel, TypePubcomp,
		TypeSuback, TypeUnsuback, TypePingresp, TypeDisconnect, TypeAuth),
}

// wrongWay says why no packet m selects can travel in the direction m
// selects, e.g. "CONNACK never travels to-broker: only the broker sends
// it", or returns "" when some can.
func (m Matcher) wrongWay() string {
	if m.types == 0 {
		return ""
	}
	way := "either way"
	for d := ToBroker; d <= ToClient; d++ {
		if m.dirs != 0 && m.dirs&(1<<d) == 0 {
			continue
		}
		if m.types&sentTo[d] != 0 {
			return ""
		}
		if m.dirs != 0 {
			way = d.String()
		}
	}
	var names []string
	for t := TypeReserved; t <= TypeAuth; t++ {
		if m.types&(1<<t) != 0 {
			names = append(names, t.String())
		}
	}
	why := strings.Join(names, " or ") + " never travels " + way
	switch {
	case len(names) > 1:
	case m.types&sentTo[ToBroker] != 0:
		why += ": only clients send it"
	case m.types&sentTo[ToClient] != 0:
		why += ": only the broker sends it"
	default:
		why += ": no packet has this type"
	}
	return why
}

// String describes the matcher, as it appears in error messages.
func (m Matcher) String() string { return m.desc }

// Match reports whether m selects *r. It does not change r.
func (m Matcher) Match(r *Record) bool { return m.fn == nil || m.fn(r) }

// CannotMatchPacket says why no MQTT packet can match m, or returns nil:
// matchers that exclude each other (two client IDs; Type(TypePuback) with
// Publish), a packet type in a direction it never travels (a CONNACK to the
// broker), or a matcher of connection events. Fault rules act on packets
// and refuse such matchers; a query may still use them.
func (m Matcher) CannotMatchPacket() error {
	switch {
	case m.never != "":
		return errors.New("they exclude each other: " + m.never)
	case m.events:
		return errors.New("they select connection events, but faults act on packets")
	}
	if why := m.wrongWay(); why != "" {
		return errors.New("they can never match: " + why)
	}
	return nil
}

// Err returns why the matcher is invalid, or nil: Publish or Topic with a
// string that is not a valid MQTT topic filter (see ValidFilter), or Where
// with a nil function. An invalid
// matcher matches nothing. mqtttest's Inject, Recorder.WaitFor and
// Recorder.WaitForN return this error; Recorder.Find, which has no error
// result, returns no records, so check Err when a filter comes from input.
func (m Matcher) Err() error { return m.err }

// filterMatcher returns the matcher named name(filter) that selects what
// match does, or, for an invalid filter, nothing and an error that says why.
func filterMatcher(name, desc, filter string, types uint16, match func(*Record) bool) Matcher {
	m := Matcher{desc: desc, fn: match, types: types}
	if err := filterError(filter); err != nil {
		m.fn = func(*Record) bool { return false }
		m.err = fmt.Errorf("%s(%q): not a valid MQTT topic filter: %w", name, filter, err)
	}
	return m
}

// Where selects the records for which fn returns true; desc says what it
// selects, for error messages. A nil fn makes a matcher that matches
// nothing and whose Err says so.
func Where(desc string, fn func(Record) bool) Matcher {
	if fn == nil {
		return Matcher{desc: desc, fn: func(*Record) bool { return false }, err: fmt.Errorf("Where(%q): the function is nil", desc)}
	}
	return Matcher{desc: desc, fn: func(r *Record) bool { return fn(*r) }}
}

// Type selects packets of type t.
func Type(t PacketType) Matcher {
	return Matcher{desc: t.String(), fn: func(r *Record) bool { return r.Event == EventPacket && r.Type == t }, types: typeSet(t)}
}

// Publish selects PUBLISH packets, either way, whose topic matches the MQTT
// topic filter (wildcards allowed). An invalid filter, such as "a/#/b",
// makes a matcher that matches nothing and whose Err says why.
func Publish(filter string) Matcher {
	return filterMatcher("Publish", "PUBLISH "+filter, filter, typeSet(TypePublish), func(r *Record) bool {
		return r.Event == EventPacket && r.Type == TypePublish && MatchTopic(filter, r.Topic)
	})
}

// Topic selects records whose topic matches the MQTT topic filter: PUBLISH
// packets, and SUBSCRIBE or UNSUBSCRIBE packets with a filter equal to it.
// An invalid filter makes a matcher that matches nothing, not even a
// SUBSCRIBE that carries that filter, and whose Err says why (find such a
// SUBSCRIBE with Type and Where).
func Topic(filter string) Matcher {
	return filterMatcher("Topic", "topic "+filter, filter, typeSet(TypePublish, TypeSubscribe, TypeUnsubscribe), func(r *Record) bool {
		if r.Type == TypePublish {
			return MatchTopic(filter, r.Topic)
		}
		for _, s := range r.Subscriptions {
			if s.Filter == filter {
				return true
			}
		}
		return false
	})
}

// ClientID selects records of the connection whose client ID is id.
func ClientID(id string) Matcher {
	return Matcher{desc: fmt.Sprintf("client %q", id), fn: func(r *Record) bool { return r.ClientID == id }, client: id, byClient: true}
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
	return Matcher{desc: fmt.Sprintf("conn#%d", n), fn: func(r *Record) bool { return r.Conn == n }, conn: n, byConn: true}
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

// Restarted selects the records of mqtttest's Broker.Restart.
func Restarted() Matcher {
	return Matcher{desc: "restart", fn: func(r *Record) bool { return r.Event == EventRestart }, events: true}
}

// BrokerDropped selects the records of messages the broker dropped by itself
// (EventDrop). With Topic and ClientID it finds why a message never arrived:
//
//	rec.Find(record.BrokerDropped(), record.ClientID("sub"), record.Topic("home/#"))
func BrokerDropped() Matcher {
	return Matcher{desc: "dropped by the broker", fn: func(r *Record) bool { return r.Event == EventDrop }, events: true}
}

// All selects the records every one of ms selects (all of them, for
// none): what Find, WaitFor and fault rules do with several matchers. Its
// Err joins theirs. It is for code that takes matchers of its own, as the
// fake package does.
func All(ms ...Matcher) Matcher {
	switch len(ms) {
	case 0:
		return Matcher{desc: "anything"}
	case 1:
		return ms[0]
	}
	descs := make([]string, len(ms))
	var errs []error
	all := Matcher{types: ^uint16(0), dirs: ^uint8(0)}
	for i, m := range ms {
		descs[i] = m.desc
		errs = append(errs, m.err)
		if m.types != 0 {
			all.types &= m.types
		}
		if m.dirs != 0 {
			all.dirs &= m.dirs
		}
		if m.byClient && all.byClient && m.client != all.client && all.never == "" {
			all.never = fmt.Sprintf("a record has one client ID, not both %q and %q", all.client, m.client)
		}
		if m.byClient {
			all.client, all.byClient = m.client, true
		}
		if m.byConn && all.byConn && m.conn != all.conn && all.never == "" {
			all.never = fmt.Sprintf("a record is on one connection, not both conn#%d and conn#%d", all.conn, m.conn)
		}
		if m.byConn {
			all.conn, all.byConn = m.conn, true
		}
		if all.never == "" {
			all.never = m.never
		}
		all.events = all.events || m.events
	}
	all.err = errors.Join(errs...)
	if all.never == "" && (all.types == 0 || all.dirs == 0) {
		all.never = "no packet can match"
	}
	if all.types == ^uint16(0) {
		all.types = 0
	}
	if all.dirs == ^uint8(0) {
		all.dirs = 0
	}
	all.desc = strings.Join(descs, ", ")
	types, dirs := all.types, all.dirs
	all.fn = func(r *Record) bool {
		if types != 0 && types&(1<<r.Type) == 0 || dirs != 0 && dirs&(1<<r.Dir) == 0 {
			return false // the packet types or direction rule r out: the matchers need not look
		}
		for i := range ms { // by index: a Matcher is too big to copy per packet
			if !ms[i].Match(r) {
				return false
			}
		}
		return true
	}
	return all
}
