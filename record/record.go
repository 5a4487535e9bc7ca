package record

import "time"

// Direction says which way a recorded packet travelled.
type Direction uint8

const (
	// ToBroker marks bytes sent by the client to the broker.
	ToBroker Direction = iota + 1
	// ToClient marks bytes sent by the broker to the client.
	ToClient
)

// String returns "to-broker" or "to-client".
func (d Direction) String() string {
	switch d {
	case ToBroker:
		return "to-broker"
	case ToClient:
		return "to-client"
	}
	return "none"
}

// Event says what a Record describes: a packet, or a connection opening or closing.
type Event uint8

const (
	// EventPacket is one MQTT frame (or, when Malformed, bytes that did not frame or decode).
	EventPacket Event = iota + 1
	// EventOpen is a new connection accepted by the broker.
	EventOpen
	// EventClose is a connection ending; ClosedBy and Reason say who ended it and why.
	EventClose
	// EventRestart is mqtttest's Broker.Restart; Reason says whether sessions were kept.
	EventRestart
	// EventDrop is an application message the broker dropped by itself, not
	// because a fault rule asked it to. Type is TypePublish, and Topic, QoS,
	// Retain, Payload (and PacketID, when it had one) say which message; ClientID and Dir whose: ToClient for a message on its
	// way to ClientID, ToBroker for one ClientID published that reached no
	// one. Reason says why, e.g. "no subscriber matched", "in-flight limit
	// of 65535 reached". The broker also drops messages when the protocol
	// says so (a QoS 0 message for an offline client, a session that
	// ends); those are records too.
	EventDrop
)

// String returns "packet", "open", "close", "restart" or "drop".
func (e Event) String() string {
	switch e {
	case EventPacket:
		return "packet"
	case EventOpen:
		return "open"
	case EventClose:
		return "close"
	case EventRestart:
		return "restart"
	case EventDrop:
		return "drop"
	}
	return "none"
}

// ClosedBy says who started the close of a connection: the client, the
// broker, or the test (a fault rule, Partition, Broker.Disconnect with
// Abrupt, a Proxy's Close). It is a string in JSON Lines and transcripts.
type ClosedBy string

// Who can close a connection.
const (
	ClosedByClient ClosedBy = "client" // the client closed the socket, or sent DISCONNECT
	ClosedByBroker ClosedBy = "broker" // the broker (or a proxy's upstream) ended it: keepalive, a protocol error, Close, a takeover, ...
	ClosedByTest   ClosedBy = "test"   // the test ended it: a fault rule, Partition, Broker.Disconnect(Abrupt), Proxy.Close
)

// Record is one thing the wire tap saw: a packet in one direction, or a
// connection opening or closing. Records are plain data; the Recorder hands
// out copies, so a Record may be kept and changed freely.
type Record struct {
	Seq      uint64    // position in the recording, from 1, never reused
	Time     time.Time // when the tap saw it
	Conn     uint64    // connection number, from 1, in order of accept
	ClientID string    // the client ID from CONNECT (or assigned by the broker); empty before CONNECT
	Listener string    // "tcp", "tls", "ws", "memory", "memory-tls" or "proxy"
	Remote   string    // the client's address, e.g. "127.0.0.1:53412"
	Event    Event
	Dir      Direction // for packets and EventDrop; zero for the other events

	// Decoded packet fields; zero where the packet type has no such field.
	Type           PacketType
	Version        byte // protocol version of the connection: 3 (3.1), 4 (3.1.1) or 5
	PacketID       uint16
	Topic          string
	Payload        []byte
	QoS            byte
	Retain         bool
	Dup            bool
	ReasonCode     byte   // CONNACK return/reason code, PUBACK..PUBCOMP, DISCONNECT, AUTH reason code
	ReasonCodes    []byte // SUBACK and UNSUBACK, one per filter
	SessionPresent bool   // CONNACK
	Subscriptions  []Subscription
	Connect        *ConnectInfo // CONNECT only
	Properties     Properties   // MQTT v5 properties that matter in tests

	// Raw holds the bytes exactly as the tap passed them on. Packets to the
	// client are recorded as the broker writes them to the socket; if the
	// client has stopped reading they may never arrive.
	Raw        []byte
	Malformed  bool   // the bytes did not frame or decode as MQTT, or broke a rule of the specification (most of them the broker closes the connection for); Err says why
	Err        string // why the packet is malformed, e.g. "protocol violation: ..." for a wildcard in a PUBLISH topic
	Fault      string // what a fault rule did to the packet, e.g. "dropped", "delayed 50ms", or "after a cut: not passed on"; "" for none
	Withheld   bool   // the packet never reached its destination: a fault dropped it, cut before it or froze the connection, a partition held it, or the broker wrote it after a cut
	Duplicated bool   // a fault passed the packet on twice

	ClosedBy ClosedBy // EventClose: who started the close: ClosedByClient (including by DISCONNECT), ClosedByBroker or ClosedByTest
	Reason   string   // EventClose, EventRestart, EventDrop: why, e.g. "client sent DISCONNECT", "no subscriber matched"
}

// Message is an application message: what a broker holds as a topic's
// retained message (mqtttest's Broker.Retained).
type Message struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
}

// Subscription is one topic filter of a SUBSCRIBE or UNSUBSCRIBE packet.
type Subscription struct {
	Filter            string `json:"filter,omitempty"`
	QoS               byte   `json:"qos"`                           // requested maximum QoS (SUBSCRIBE only)
	NoLocal           bool   `json:"no_local,omitempty"`            // v5
	RetainAsPublished bool   `json:"retain_as_published,omitempty"` // v5
	RetainHandling    byte   `json:"retain_handling,omitempty"`     // v5
}

// ConnectInfo holds the fields of a CONNECT packet.
type ConnectInfo struct {
	ProtocolName  string `json:"protocol_name,omitempty"`
	CleanStart    bool   `json:"clean_start,omitempty"` // CleanSession in v3.1.1
	Keepalive     uint16 `json:"keepalive,omitempty"`
	Username      string `json:"username,omitempty"`
	PasswordSet   bool   `json:"password_set,omitempty"` // the password itself is not decoded into the record (Raw still holds it)
	SessionExpiry uint32 `json:"session_expiry,omitempty"`
	Will          *Will  `json:"will,omitempty"` // nil when the CONNECT has no will
}

// Will is the will message carried by a CONNECT.
type Will struct {
	Topic          string         `json:"topic,omitempty"`
	Payload        []byte         `json:"payload,omitempty"`
	QoS            byte           `json:"qos"`
	Retain         bool           `json:"retain,omitempty"`
	DelayInterval  uint32         `json:"delay_interval,omitempty"` // v5
	UserProperties []UserProperty `json:"user_properties,omitempty"`
}

// UserProperty is one MQTT v5 user property.
type UserProperty struct {
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}

// Properties are the MQTT v5 properties a test is likely to check.
type Properties struct {
	MessageExpiry    uint32         `json:"message_expiry,omitempty"`
	SessionExpiry    uint32         `json:"session_expiry,omitempty"`
	ContentType      string         `json:"content_type,omitempty"`
	ResponseTopic    string         `json:"response_topic,omitempty"`
	CorrelationData  []byte         `json:"correlation_data,omitempty"`
	ReasonString     string         `json:"reason_string,omitempty"`
	AssignedClientID string         `json:"assigned_client_id,omitempty"`
	TopicAlias       uint16         `json:"topic_alias,omitempty"`
	SubscriptionIDs  []int          `json:"subscription_ids,omitempty"`
	UserProperties   []UserProperty `json:"user_properties,omitempty"`
}

// copyRecord returns r with every slice copied, so the caller may change it.
func copyRecord(r *Record) Record {
	c := *r
	c.Payload = cloneBytes(r.Payload)
	c.Raw = cloneBytes(r.Raw)
	c.ReasonCodes = cloneBytes(r.ReasonCodes)
	c.Subscriptions = append([]Subscription(nil), r.Subscriptions...)
	c.Properties.CorrelationData = cloneBytes(r.Properties.CorrelationData)
	c.Properties.SubscriptionIDs = append([]int(nil), r.Properties.SubscriptionIDs...)
	c.Properties.UserProperties = append([]UserProperty(nil), r.Properties.UserProperties...)
	if r.Connect != nil {
		ci := *r.Connect
		if ci.Will != nil {
			w := *ci.Will
			w.Payload = cloneBytes(w.Payload)
			w.UserProperties = append([]UserProperty(nil), w.UserProperties...)
			ci.Will = &w
		}
		c.Connect = &ci
	}
	return c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
