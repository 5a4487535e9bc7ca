package mqtttest

import (
	"fmt"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// MQTT 3.1.1 has fewer packets and codes than MQTT 5, and mochi sometimes
// writes MQTT 5's to a client of an older protocol level. fitV3 puts that
// right as mochi encodes each packet for such a client (OnPacketEncode):
//
//   - A CONNACK with a reason code of MQTT 5's (0x80 and up) gets the MQTT
//     3.1.1 return code nearest it (v3ConnackCode); mochi maps only a few.
//     For a malformed CONNECT there is none: MQTT 3.1.1 closes the
//     connection without CONNACK [MQTT-3.1.4-1], and so does the tap.
//   - A DISCONNECT, which MQTT 3.1.1 has no server form of, is not sent:
//     the connection is closed, as MQTT 3.1.1 wants where MQTT 5 sends one.
//
// What is not sent is recorded as written after a cut (internal/tap/cut.go), and the
// close record says why. SUBACK needs nothing: mochi writes 0x80 for every
// failure to a client below MQTT 5. The acknowledgements of a PUBLISH, and
// UNSUBACK, carry no reason code below MQTT 5, and mochi writes none.
func fitV3(cl *mqtt.Client, pk *packets.Packet) {
	if cl.Properties.ProtocolVersion == 5 { // any other level gets MQTT 3's encoding
		return
	}
	t := tapOf(cl)
	switch pk.FixedHeader.Type {
	case packets.Connack:
		if pk.ReasonCode < packets.ErrUnspecifiedError.Code {
			return
		}
		if code, ok := v3ConnackCode(pk.ReasonCode, pk.Properties.ReasonString); ok {
			pk.ReasonCode = code
			return
		}
		if t != nil {
			t.Cut(ClosedByBroker, fmt.Sprintf("malformed CONNECT (%s): MQTT 3.1.1 closes the connection without CONNACK [MQTT-3.1.4-1]", pk.Properties.ReasonString))
		}
	case packets.Disconnect:
		if t != nil {
			why := pk.Properties.ReasonString
			if why == "" {
				why = fmt.Sprintf("server DISCONNECT rc=0x%02x", pk.ReasonCode)
			}
			t.Cut(ClosedByBroker, why+" (MQTT 3 has no server DISCONNECT)")
		}
	}
}

// v3ConnackCode returns the MQTT 3.1.1 CONNACK return code nearest to the
// MQTT 5 reason code that mochi, whose reason text is why, refused a
// connection with, or false for a malformed CONNECT, which gets no CONNACK
// in MQTT 3.1.1 [MQTT-3.1.4-1]:
//
//	0x84 unsupported protocol version, and mochi's 0x82 for a protocol
//	     level it does not support               → 0x01 unacceptable protocol level [MQTT-3.1.2-2]
//	0x80 mochi's code for an empty client ID without clean session,
//	0x85 client identifier not valid             → 0x02 identifier rejected [MQTT-3.1.3-8]
//	0x86 bad user name or password               → 0x04 (not reached: mochi maps it to 0x05)
//	0x87 not authorized, 0x8A banned,
//	0x8C bad authentication method               → 0x05 not authorized
//	0x81 malformed packet, 0x82 protocol error   → no CONNACK
//	any other (0x83 implementation specific, 0x88 server unavailable,
//	0x89 server busy, 0x97 quota exceeded, ...)  → 0x03 server unavailable
func v3ConnackCode(code byte, why string) (byte, bool) {
	switch {
	case code == packets.ErrUnsupportedProtocolVersion.Code,
		code == packets.ErrProtocolViolation.Code && why == packets.ErrProtocolViolationProtocolVersion.Reason:
		return packets.Err3UnsupportedProtocolVersion.Code, true
	case code == packets.ErrMalformedPacket.Code, code == packets.ErrProtocolViolation.Code:
		return 0, false
	case code == packets.ErrUnspecifiedError.Code, code == packets.ErrClientIdentifierNotValid.Code:
		return packets.Err3ClientIdentifierNotValid.Code, true
	case code == packets.ErrBadUsernameOrPassword.Code:
		return packets.ErrMalformedUsernameOrPassword.Code, true
	case code == packets.ErrNotAuthorized.Code, code == packets.ErrBanned.Code, code == packets.ErrBadAuthenticationMethod.Code:
		return packets.Err3NotAuthorized.Code, true
	}
	return packets.Err3ServerUnavailable.Code, true
}
