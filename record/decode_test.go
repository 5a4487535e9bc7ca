package record

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mochi-mqtt/server/v2/packets"
)

func TestDecodePacket(t *testing.T) {
	pk := packets.Packet{
		FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: 1, Dup: true},
		TopicName:   "home/kitchen/temp", PacketID: 7, Payload: []byte("21.5"),
		ProtocolVersion: 5,
	}
	var buf bytes.Buffer
	if err := pk.PublishEncode(&buf); err != nil {
		t.Fatal(err)
	}
	frame := buf.Bytes()
	stream := append(append([]byte(nil), frame...), 0xc0) // and the first byte of a PINGREQ

	r, n, err := DecodePacket(stream, 5, ToClient)
	if err != nil || n != len(frame) {
		t.Fatalf("DecodePacket = n %d, err %v; want n %d, no error", n, err, len(frame))
	}
	if r.Type != TypePublish || r.Topic != "home/kitchen/temp" || string(r.Payload) != "21.5" ||
		r.PacketID != 7 || r.QoS != 1 || !r.Dup || r.Dir != ToClient || r.Malformed {
		t.Fatalf("decoded %s, want the PUBLISH that was encoded", r.Line())
	}
	if !bytes.Equal(r.Raw, frame) {
		t.Fatalf("Raw = % x, want % x", r.Raw, frame)
	}
	stream[3] = 'X' // Raw is a copy
	if !bytes.Equal(r.Raw, frame) {
		t.Fatal("Raw aliases the input")
	}

	if _, n, err := DecodePacket(stream[n:], 5, ToClient); n != 0 || err != nil {
		t.Fatalf("half a frame: n %d, err %v; want 0, nil", n, err)
	}
	if _, _, err := DecodePacket([]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}, 4, ToBroker); err == nil {
		t.Fatal("a remaining length above the maximum decoded without an error")
	}
	r, n, err = DecodePacket([]byte{0x36, 0x00}, 4, ToBroker) // PUBLISH with QoS 3
	if err != nil || n != 2 || !r.Malformed || r.Err == "" {
		t.Fatalf("QoS 3 PUBLISH: %+v, n %d, err %v; want a malformed record", r, n, err)
	}
}

// TestDecodeProtocolViolations checks that packets which decode but break a
// rule the broker enforces are marked malformed, with the rule.
func TestDecodeProtocolViolations(t *testing.T) {
	for name, c := range map[string]struct {
		frame []byte
		dir   Direction
		want  string // in Err; "" for a packet that is fine
	}{
		"wildcard topic":        {[]byte{0x30, 0x05, 0x00, 0x03, 'a', '/', '+'}, ToBroker, "protocol violation"},
		"no packet ID at QoS 1": {[]byte{0x32, 0x05, 0x00, 0x01, 'a', 0x00, 0x00}, ToBroker, "protocol violation"},
		"no filters":            {[]byte{0x82, 0x02, 0x00, 0x01}, ToBroker, "protocol violation"},
		"fine PUBLISH":          {[]byte{0x30, 0x05, 0x00, 0x03, 'a', '/', 'b'}, ToBroker, ""},
		"fine SUBSCRIBE":        {[]byte{0x82, 0x06, 0x00, 0x01, 0x00, 0x01, '#', 0x00}, ToBroker, ""},
	} {
		r, _, err := DecodePacket(c.frame, 4, c.dir)
		switch {
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case c.want == "" && r.Malformed:
			t.Errorf("%s: marked malformed: %s", name, r.Err)
		case c.want != "" && (!r.Malformed || !strings.Contains(r.Err, c.want)):
			t.Errorf("%s: malformed %v, err %q; want an error with %q", name, r.Malformed, r.Err, c.want)
		}
	}
}

// TestDecodeFrameNotWhole: DecodeFrame is for one whole frame; given less or
// more, it says so in a malformed record rather than decode part of it or
// panic.
func TestDecodeFrameNotWhole(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{0x30},                               // no remaining length
		{0x30, 0x05, 0, 1, 'a'},              // two bytes short
		{0x40, 0x02, 0, 1, 0x40},             // a byte over
		{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}, // a remaining length above the maximum
	} {
		r := DecodeFrame(b, 4, ToBroker)
		if !r.Malformed || r.Err != "not one whole MQTT frame" || r.Event != EventPacket || r.Dir != ToBroker || !bytes.Equal(r.Raw, b) {
			t.Errorf("DecodeFrame(% x) = %+v, want a malformed record of the bytes", b, r)
		}
	}
}
