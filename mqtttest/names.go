package mqtttest

import "github.com/mqtt-testkit/testkit/record"

// The record vocabulary lives in package record, which reads recordings
// without pulling in the broker. mqtttest gives its names too, so that a
// test that starts a broker needs one import. Each name here is the same
// type, constant or function as in record.

// Types of the recording.
type (
	// Record is record.Record: one packet or connection event.
	Record = record.Record
	// Recorder is record.Recorder: every record a broker or proxy made.
	Recorder = record.Recorder
	// Matcher is record.Matcher: selects records.
	Matcher = record.Matcher
	// Direction is record.Direction: which way a packet travelled.
	Direction = record.Direction
	// Event is record.Event: what a record records.
	Event = record.Event
	// ClosedBy is record.ClosedBy: who ended a connection.
	ClosedBy = record.ClosedBy
	// PacketType is record.PacketType: an MQTT control packet type.
	PacketType = record.PacketType
	// Subscription is record.Subscription: one filter of a SUBSCRIBE.
	Subscription = record.Subscription
	// ConnectInfo is record.ConnectInfo: what a CONNECT asked for.
	ConnectInfo = record.ConnectInfo
	// Will is record.Will: a CONNECT's will message.
	Will = record.Will
	// UserProperty is record.UserProperty: an MQTT 5 user property.
	UserProperty = record.UserProperty
	// Properties is record.Properties: the MQTT 5 properties a record keeps.
	Properties = record.Properties
	// WaitError is record.WaitError: a wait that ended before enough records matched.
	WaitError = record.WaitError
)

// Directions, events and who closed a connection: see package record.
const (
	ToBroker = record.ToBroker // client to broker
	ToClient = record.ToClient // broker to client

	EventPacket  = record.EventPacket  // a packet
	EventOpen    = record.EventOpen    // a connection accepted
	EventClose   = record.EventClose   // a connection ended
	EventRestart = record.EventRestart // Broker.Restart
	EventDrop    = record.EventDrop    // a message the broker dropped by itself

	ClosedByClient = record.ClosedByClient // the client ended the connection
	ClosedByBroker = record.ClosedByBroker // the broker (or a proxy's upstream) did
	ClosedByTest   = record.ClosedByTest   // the test did: a fault, Partition, Disconnect(Abrupt), Close
)

// MQTT control packet types: see record.PacketType.
const (
	TypeReserved    = record.TypeReserved
	TypeConnect     = record.TypeConnect
	TypeConnack     = record.TypeConnack
	TypePublish     = record.TypePublish
	TypePuback      = record.TypePuback
	TypePubrec      = record.TypePubrec
	TypePubrel      = record.TypePubrel
	TypePubcomp     = record.TypePubcomp
	TypeSubscribe   = record.TypeSubscribe
	TypeSuback      = record.TypeSuback
	TypeUnsubscribe = record.TypeUnsubscribe
	TypeUnsuback    = record.TypeUnsuback
	TypePingreq     = record.TypePingreq
	TypePingresp    = record.TypePingresp
	TypeDisconnect  = record.TypeDisconnect
	TypeAuth        = record.TypeAuth
)

// The matchers, topic rules and decoder of package record, under the same
// names: each function here calls record's and says no more than its first
// line; record's documentation has the rest.

// Where selects the records for which fn returns true: record.Where.
func Where(desc string, fn func(Record) bool) Matcher { return record.Where(desc, fn) }

// Type selects packets of type t: record.Type.
func Type(t PacketType) Matcher { return record.Type(t) }

// Publish selects PUBLISH packets whose topic matches filter: record.Publish.
func Publish(filter string) Matcher { return record.Publish(filter) }

// Topic selects PUBLISH packets whose topic matches filter, and SUBSCRIBE or UNSUBSCRIBE packets with that filter: record.Topic.
func Topic(filter string) Matcher { return record.Topic(filter) }

// ClientID selects records of the connection whose client ID is id: record.ClientID.
func ClientID(id string) Matcher { return record.ClientID(id) }

// Dir selects packets travelling in direction d: record.Dir.
func Dir(d Direction) Matcher { return record.Dir(d) }

// PacketID selects packets with packet identifier id: record.PacketID.
func PacketID(id uint16) Matcher { return record.PacketID(id) }

// ConnNumber selects records of connection number n: record.ConnNumber.
func ConnNumber(n uint64) Matcher { return record.ConnNumber(n) }

// After selects records recorded after the one with sequence number seq: record.After.
func After(seq uint64) Matcher { return record.After(seq) }

// Malformed selects bytes that did not frame or decode as MQTT, and packets that break a rule: record.Malformed.
func Malformed() Matcher { return record.Malformed() }

// Opened selects connection-open records: record.Opened.
func Opened() Matcher { return record.Opened() }

// Closed selects connection-close records: record.Closed.
func Closed() Matcher { return record.Closed() }

// Restarted selects the records of Broker.Restart: record.Restarted.
func Restarted() Matcher { return record.Restarted() }

// BrokerDropped selects the records of messages the broker dropped by itself: record.BrokerDropped.
func BrokerDropped() Matcher { return record.BrokerDropped() }

// All selects the records every one of ms selects: record.All.
func All(ms ...Matcher) Matcher { return record.All(ms...) }

// MatchTopic reports whether topic matches the topic filter by the MQTT rules: record.MatchTopic.
func MatchTopic(filter, topic string) bool { return record.MatchTopic(filter, topic) }

// ValidFilter reports whether filter is a well-formed MQTT topic filter: record.ValidFilter.
func ValidFilter(filter string) bool { return record.ValidFilter(filter) }

// DecodePacket decodes the MQTT frame at the start of b into a Record: record.DecodePacket.
func DecodePacket(b []byte, version byte, dir Direction) (r Record, n int, err error) {
	return record.DecodePacket(b, version, dir)
}
