package fake

import (
	"bytes"
	"fmt"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/mqtt-testkit/testkit/record"
)

// Connect is a CONNECT packet. Fields marked v5 are sent only by a client
// made with Version(5). Nothing is checked: an empty client ID, a will with
// QoS 3 or a password without a username go out as they are.
type Connect struct {
	ClientID   string
	CleanStart bool // CleanSession in MQTT 3.1.1
	Keepalive  uint16
	Username   string // sent when not empty
	Password   []byte // sent when not nil, so []byte{} sends an empty password
	Will       *Will  // nil: no will

	SessionExpiry  uint32                // v5: Session Expiry Interval in seconds; 0 is not sent
	UserProperties []record.UserProperty // v5
}

// Will is the will message of a Connect.
type Will struct {
	Topic   string
	Payload []byte
	QoS     byte // 0 to 3; 3 is a protocol violation the client sends anyway
	Retain  bool

	DelayInterval  uint32                // v5: Will Delay Interval in seconds
	UserProperties []record.UserProperty // v5
}

// Publish is a PUBLISH packet. QoS may be 3, which no broker should accept,
// and Dup may be set at any QoS.
type Publish struct {
	Topic   string
	Payload []byte
	QoS     byte // 0 to 3
	Retain  bool
	Dup     bool
	// PacketID is the packet identifier for QoS above 0; 0 takes the
	// client's next one. A QoS 0 PUBLISH carries no packet identifier.
	PacketID uint16

	UserProperties []record.UserProperty // v5
}

// userProps converts user properties to mochi's form.
func userProps(ps []record.UserProperty) []packets.UserProperty {
	var out []packets.UserProperty
	for _, p := range ps {
		out = append(out, packets.UserProperty{Key: p.Key, Val: p.Value})
	}
	return out
}

// connectPacket builds the CONNECT for p in protocol version v.
func connectPacket(p Connect, v byte) (packets.Packet, error) {
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}}
	pk.Connect = packets.ConnectParams{
		ProtocolName:     []byte("MQTT"),
		ClientIdentifier: p.ClientID,
		Clean:            p.CleanStart,
		Keepalive:        p.Keepalive,
		UsernameFlag:     p.Username != "",
		Username:         []byte(p.Username),
		PasswordFlag:     p.Password != nil,
		Password:         p.Password,
	}
	if v == 3 {
		pk.Connect.ProtocolName = []byte("MQIsdp")
	}
	if p.SessionExpiry > 0 {
		pk.Properties.SessionExpiryInterval = p.SessionExpiry
		pk.Properties.SessionExpiryIntervalFlag = true
	}
	pk.Properties.User = userProps(p.UserProperties)
	if w := p.Will; w != nil {
		if w.QoS > 3 {
			return pk, fmt.Errorf("will QoS %d does not fit in the 2 bits CONNECT has for it", w.QoS)
		}
		pk.Connect.WillFlag = true
		pk.Connect.WillTopic = w.Topic
		pk.Connect.WillPayload = w.Payload
		pk.Connect.WillQos = w.QoS
		pk.Connect.WillRetain = w.Retain
		pk.Connect.WillProperties.WillDelayInterval = w.DelayInterval
		pk.Connect.WillProperties.User = userProps(w.UserProperties)
	}
	return pk, nil
}

// publishPacket builds the PUBLISH for p with packet identifier id.
func publishPacket(p Publish, id uint16) (packets.Packet, error) {
	if p.QoS > 3 {
		return packets.Packet{}, fmt.Errorf("QoS %d does not fit in the 2 bits PUBLISH has for it", p.QoS)
	}
	pk := packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: p.QoS, Retain: p.Retain, Dup: p.Dup},
		TopicName:   p.Topic,
		Payload:     p.Payload,
		PacketID:    id,
	}
	pk.Properties.User = userProps(p.UserProperties)
	return pk, nil
}

// subscribePacket builds a SUBSCRIBE, or with unsubscribe an UNSUBSCRIBE, of filters.
func subscribePacket(unsubscribe bool, id uint16, qos byte, filters []string) packets.Packet {
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Subscribe, Qos: 1}, PacketID: id}
	if unsubscribe {
		pk.FixedHeader.Type = packets.Unsubscribe
	}
	for _, f := range filters {
		pk.Filters = append(pk.Filters, packets.Subscription{Filter: f, Qos: qos})
	}
	return pk
}

// ackPacket builds a PUBACK, PUBREC, PUBREL or PUBCOMP with success.
func ackPacket(t record.PacketType, id uint16) packets.Packet {
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: byte(t)}, PacketID: id}
	if t == record.TypePubrel {
		pk.FixedHeader.Qos = 1 // fixed header flags 0010 [MQTT-3.6.1-1]
	}
	return pk
}

// encode encodes pk in protocol version v. It returns an error, never
// panics, for a packet mochi's encoder refuses.
func encode(pk packets.Packet, v byte) (b []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("encoder panicked: %v", p)
		}
	}()
	pk.ProtocolVersion = v
	pk.Mods.AllowResponseInfo = true
	var buf bytes.Buffer
	switch pk.FixedHeader.Type {
	case packets.Connect:
		err = pk.ConnectEncode(&buf)
	case packets.Publish:
		err = pk.PublishEncode(&buf)
	case packets.Puback:
		err = pk.PubackEncode(&buf)
	case packets.Pubrec:
		err = pk.PubrecEncode(&buf)
	case packets.Pubrel:
		err = pk.PubrelEncode(&buf)
	case packets.Pubcomp:
		err = pk.PubcompEncode(&buf)
	case packets.Subscribe:
		err = pk.SubscribeEncode(&buf)
	case packets.Unsubscribe:
		err = pk.UnsubscribeEncode(&buf)
	case packets.Pingreq:
		err = pk.PingreqEncode(&buf)
	case packets.Disconnect:
		err = pk.DisconnectEncode(&buf)
	default:
		err = fmt.Errorf("no encoder for packet type %d", pk.FixedHeader.Type)
	}
	return buf.Bytes(), err
}
