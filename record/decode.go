package record

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/mochi-mqtt/server/v2/packets"
)

// DecodePacket decodes the MQTT frame at the start of b, for code that reads
// MQTT from its own socket (the fake client does) and wants the Recorder's
// Record and matchers for what it read. version is the protocol version of
// the connection: 4 (3.1.1) or 5; 0 before the CONNECT is known. It returns
// the record (Event, Dir, Type and the decoded fields; Raw is a copy of the
// frame) and how many bytes of b the frame took. n is 0, with no error, when b
// does not hold a whole frame yet. A frame that does not decode comes back
// with Malformed set and Err saying why; the error is only for bytes that
// cannot be delimited as a frame at all.
func DecodePacket(b []byte, version byte, dir Direction) (r Record, n int, err error) {
	if len(b) == 0 {
		return Record{}, 0, nil
	}
	total, header, err := FrameLength(b)
	if err != nil || total == 0 {
		return Record{}, 0, err
	}
	r = Record{Event: EventPacket, Dir: dir, Raw: append([]byte(nil), b[:total]...)}
	// The decoded strings and payload share memory with the bytes they are
	// decoded from; a copy of their own keeps them unchanged when the caller
	// changes r.Raw. (DecodeFrame decodes from Raw itself, for a caller that
	// never changes it: mqtttest's tap, whose records are handed out as copies.)
	decodeFrame(&r, append([]byte(nil), b[:total]...), header, version)
	return r, total, nil
}

// DecodeFrame decodes frame, one whole MQTT frame as FrameLength delimits
// it, into a record of direction dir (Event, Dir, Type, the decoded fields,
// and Raw, which is frame itself: the record's strings and payload share its
// memory, so the caller must not change frame after). version is as for
// DecodePacket. It is DecodePacket without the copies, for code that reads
// frames into buffers of its own (mqtttest's tap does). A frame that does
// not decode comes back with Malformed set and Err saying why.
func DecodeFrame(frame []byte, version byte, dir Direction) Record {
	r := Record{Event: EventPacket, Dir: dir, Raw: frame, Version: version}
	total, header, err := FrameLength(frame)
	if err != nil || total == 0 || total != len(frame) {
		r.Malformed, r.Err = true, "not one whole MQTT frame"
		if len(frame) > 0 {
			r.Type = PacketType(frame[0] >> 4)
		}
		return r
	}
	decodeFrame(&r, frame, header, version)
	return r
}

// decodeFrame fills r's packet fields from one whole frame. version is the
// protocol version of the connection (0 before CONNECT). It never panics: a
// frame that does not decode leaves r.Malformed set and r.Err saying why.
// r.Raw must already hold the frame; decoded slices alias it.
func decodeFrame(r *Record, frame []byte, headerLen int, version byte) {
	r.Type = PacketType(frame[0] >> 4)
	r.Version = version
	defer func() {
		if p := recover(); p != nil { // mochi's decoders are not ours to trust with garbage
			r.Malformed = true
			r.Err = fmt.Sprintf("decoder panicked: %v", p)
		}
	}()

	var pk packets.Packet
	pk.ProtocolVersion = version
	if err := pk.FixedHeader.Decode(frame[0]); err != nil {
		// Keep what the header byte says, so a QoS 3 publish still shows its type and flags.
		r.QoS = (frame[0] >> 1) & 3
		r.Dup = frame[0]&8 != 0
		r.Retain = frame[0]&1 != 0
		r.Malformed, r.Err = true, err.Error()
		return
	}
	if headerLen > 5 {
		r.Malformed, r.Err = true, "remaining length in more than 4 bytes [MQTT-1.5.5]"
	}
	pk.FixedHeader.Remaining = len(frame) - headerLen
	body := frame[headerLen:]

	var err error
	switch r.Type {
	case TypeConnect:
		err = pk.ConnectDecode(body)
		r.Version = pk.ProtocolVersion
	case TypeConnack:
		err = pk.ConnackDecode(body)
	case TypePublish:
		err = pk.PublishDecode(body)
	case TypePuback:
		err = pk.PubackDecode(body)
	case TypePubrec:
		err = pk.PubrecDecode(body)
	case TypePubrel:
		err = pk.PubrelDecode(body)
	case TypePubcomp:
		err = pk.PubcompDecode(body)
	case TypeSubscribe:
		err = pk.SubscribeDecode(body)
	case TypeSuback:
		err = pk.SubackDecode(body)
	case TypeUnsubscribe:
		err = pk.UnsubscribeDecode(body)
	case TypeUnsuback:
		err = pk.UnsubackDecode(body)
	case TypePingreq, TypePingresp:
		if len(body) != 0 {
			err = fmt.Errorf("%v with %d bytes of body, want none", r.Type, len(body))
		}
	case TypeDisconnect:
		err = pk.DisconnectDecode(body)
	case TypeAuth:
		err = pk.AuthDecode(body)
	default:
		err = fmt.Errorf("reserved packet type %d", frame[0]>>4)
	}
	fillRecord(r, &pk)
	if err == nil {
		err = protocolError(&pk, r.Type, r.Dir, r.Version)
	}
	if err != nil && !r.Malformed {
		r.Malformed, r.Err = true, err.Error()
	}
}

// protocolError returns the rule of the specification a packet that decoded
// breaks: a wildcard in a PUBLISH topic, a missing or surplus packet ID, a
// SUBSCRIBE or UNSUBSCRIBE with no filters, a CONNECT with a bad protocol
// name or reserved bit, all of which the broker closes a connection for
// (the checks are mochi's own, so the record and the embedded broker
// agree); and some mochi lets pass: a user name that is not UTF-8, an AUTH
// before MQTT 5, a PUBLISH to the client with a wildcard or without its
// packet ID. They are the specification's rules, so they hold for a
// proxied broker too. version is the connection's (0: not known yet).
func protocolError(pk *packets.Packet, typ PacketType, dir Direction, version byte) error {
	code := packets.CodeSuccess
	switch typ {
	case TypeConnect:
		code = pk.ConnectValidate()
		if u := pk.Connect.Username; code == packets.CodeSuccess && (!utf8.Valid(u) || bytes.IndexByte(u, 0) >= 0) {
			return errors.New("protocol violation: a user name that is not UTF-8, or has U+0000 [MQTT-3.1.3-11, MQTT-1.5.4-1, MQTT-1.5.4-2]")
		}
	case TypePublish:
		if dir != ToClient { // a broker adds subscription identifiers; a client may not
			code = pk.PublishValidate(math.MaxUint16)
			break
		}
		switch {
		case strings.ContainsAny(pk.TopicName, "+#"):
			return errors.New("protocol violation: a wildcard in a PUBLISH topic [MQTT-3.3.2-2]")
		case pk.FixedHeader.Qos > 0 && pk.PacketID == 0:
			return errors.New("protocol violation: a QoS 1 or 2 PUBLISH with packet ID 0 [MQTT-2.2.1-3]")
		}
	case TypeSubscribe:
		code = pk.SubscribeValidate()
	case TypeUnsubscribe:
		code = pk.UnsubscribeValidate()
	case TypeAuth:
		if version != 0 && version < 5 {
			return fmt.Errorf("protocol violation: AUTH (packet type 15) is reserved before MQTT 5, and this is a v%d connection [MQTT-2.2.1]", version)
		}
	}
	if code != packets.CodeSuccess {
		return fmt.Errorf("protocol violation: %s", code.Reason)
	}
	return nil
}

// fillRecord copies the decoded fields of pk into r.
func fillRecord(r *Record, pk *packets.Packet) {
	r.PacketID = pk.PacketID
	r.Topic = pk.TopicName
	r.Payload = pk.Payload
	r.QoS = pk.FixedHeader.Qos
	r.Retain = pk.FixedHeader.Retain
	r.Dup = pk.FixedHeader.Dup
	r.SessionPresent = pk.SessionPresent
	switch r.Type {
	case TypeConnack, TypePuback, TypePubrec, TypePubrel, TypePubcomp, TypeDisconnect, TypeAuth:
		r.ReasonCode = pk.ReasonCode
	case TypeSuback, TypeUnsuback:
		r.ReasonCodes = pk.ReasonCodes
	case TypeSubscribe, TypeUnsubscribe:
		r.Subscriptions = make([]Subscription, len(pk.Filters))
		for i, f := range pk.Filters {
			r.Subscriptions[i] = Subscription{
				Filter: f.Filter, QoS: f.Qos, NoLocal: f.NoLocal,
				RetainAsPublished: f.RetainAsPublished, RetainHandling: f.RetainHandling,
			}
		}
	case TypeConnect:
		c := pk.Connect
		r.ClientID = c.ClientIdentifier
		r.Connect = &ConnectInfo{
			ProtocolName:  string(c.ProtocolName),
			CleanStart:    c.Clean,
			Keepalive:     c.Keepalive,
			Username:      string(c.Username),
			PasswordSet:   c.PasswordFlag,
			SessionExpiry: pk.Properties.SessionExpiryInterval,
		}
		if c.WillFlag {
			r.Connect.Will = &Will{
				Topic: c.WillTopic, Payload: c.WillPayload, QoS: c.WillQos, Retain: c.WillRetain,
				DelayInterval:  c.WillProperties.WillDelayInterval,
				UserProperties: userProperties(c.WillProperties.User),
			}
		}
	}
	p := &pk.Properties
	r.Properties = Properties{
		MessageExpiry:    p.MessageExpiryInterval,
		SessionExpiry:    p.SessionExpiryInterval,
		ContentType:      p.ContentType,
		ResponseTopic:    p.ResponseTopic,
		CorrelationData:  p.CorrelationData,
		ReasonString:     p.ReasonString,
		AssignedClientID: p.AssignedClientID,
		TopicAlias:       p.TopicAlias,
		SubscriptionIDs:  p.SubscriptionIdentifier,
		UserProperties:   userProperties(p.User),
	}
}

func userProperties(in []packets.UserProperty) []UserProperty {
	if len(in) == 0 {
		return nil
	}
	out := make([]UserProperty, len(in))
	for i, u := range in {
		out[i] = UserProperty{Key: u.Key, Value: u.Val}
	}
	return out
}
