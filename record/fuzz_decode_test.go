package record

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodePacket feeds arbitrary bytes to DecodePacket, frame after frame,
// for every protocol version (0 before CONNECT, 3, 4, 5) in both directions,
// and checks that it never panics, that it takes exactly the bytes
// FrameLength delimits, and that each record is self-consistent (see
// checkRecord): its Raw is the frame, it reads the same alone or followed by
// more bytes, it renders as one transcript line and as JSON that reads back,
// and its decoded fields do not change when the caller changes Raw. A record
// that is not Malformed must also keep the rules of checkWellFormed: it
// re-frames to its length, has a QoS of at most 2, a protocol version of the
// connection (or, for CONNECT, 3, 4 or 5), no wildcard in a PUBLISH topic,
// a packet ID exactly when QoS > 0, and only well-formed UTF-8 strings.
func FuzzDecodePacket(f *testing.F) {
	f.Add([]byte{0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 30, 0, 3, 'r', 'a', 'w'})
	f.Add([]byte{0x30, 0x05, 0, 1, 'a', 'h', 'i', 0x40, 0x02, 0, 1, 0xc0})
	f.Add([]byte{0x36, 0x05, 0, 1, 'a', 0, 1})
	f.Add([]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte{0x30, 0x80, 0x80, 0x80, 0x80, 0x00})
	f.Add([]byte{0x82, 0x06, 0, 1, 0, 1, '#', 3, 0xa2, 0x00, 0x90, 0x03, 0, 1, 0x80})
	f.Add([]byte{0x20, 0x03, 0x00, 0x00, 0x00, 0xe0, 0x00, 0xf0, 0x02, 0x00, 0x00})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, version := range []byte{0, 3, 4, 5} {
			for _, dir := range []Direction{ToBroker, ToClient} {
				checkDecodeStream(t, data, version, dir)
			}
		}
	})
}

// checkDecodeStream decodes b frame after frame and checks each record.
func checkDecodeStream(t *testing.T, b []byte, version byte, dir Direction) {
	t.Helper()
	for len(b) > 0 {
		r, n, err := DecodePacket(b, version, dir)
		total, _, ferr := FrameLength(b)
		switch {
		case err != nil || n == 0:
			if err != ferr || n != 0 || total != 0 || !reflect.DeepEqual(r, Record{}) {
				t.Fatalf("v%d %v: DecodePacket(% x) = n %d, err %v, record %+v; FrameLength says total %d, err %v",
					version, dir, b, n, err, r, total, ferr)
			}
			return
		case n != total || !bytes.Equal(r.Raw, b[:n]):
			t.Fatalf("v%d %v: DecodePacket(% x) took %d bytes, Raw % x; FrameLength says %d", version, dir, b, n, r.Raw, total)
		}
		checkRecord(t, r, version, dir)
		alone, n2, err := DecodePacket(b[:n], version, dir)
		if n2 != n || err != nil || !reflect.DeepEqual(alone, r) {
			t.Fatalf("v%d %v: % x decodes differently alone (n %d, err %v):\n%s\nthan followed by % x:\n%s",
				version, dir, b[:n], n2, err, alone.Line(), b[n:], r.Line())
		}
		if f := DecodeFrame(append([]byte(nil), b[:n]...), version, dir); !reflect.DeepEqual(f, r) {
			t.Fatalf("v%d %v: DecodeFrame(% x) makes\n%+v\nDecodePacket\n%+v", version, dir, b[:n], f, r)
		}
		checkOwnsFields(t, alone)
		b = b[n:]
	}
}

// checkRecord checks that a record of one whole frame, decoded for a
// connection of the given version in direction dir, is self-consistent.
func checkRecord(t *testing.T, r Record, version byte, dir Direction) {
	t.Helper()
	if r.Event != EventPacket || r.Dir != dir || len(r.Raw) == 0 || r.Type != PacketType(r.Raw[0]>>4) {
		t.Fatalf("record of % x: event %v, dir %v, type %v; want packet, %v, %v",
			r.Raw, r.Event, r.Dir, r.Type, dir, PacketType(r.Raw[0]>>4))
	}
	if r.Malformed != (r.Err != "") {
		t.Fatalf("record of % x: Malformed %v but Err %q", r.Raw, r.Malformed, r.Err)
	}
	line := r.Line()
	if strings.ContainsAny(line, "\n\r") {
		t.Errorf("the transcript line of % x is more than one line: %q", r.Raw, line)
	}
	checkJSON(t, r)
	if !r.Malformed {
		checkWellFormed(t, r, version, dir)
	}

}

// checkOwnsFields checks that the decoded fields of r do not share memory
// with r.Raw: the caller may change Raw (DecodePacket says it is a copy, and
// a Record may be kept and changed freely) without changing them. It
// overwrites r.Raw.
func checkOwnsFields(t *testing.T, r Record) {
	t.Helper()
	fields := func() []byte {
		c := r
		c.Raw = nil
		b, _ := c.MarshalJSON()
		return b
	}
	before := fields()
	for i := range r.Raw {
		r.Raw[i] ^= 0xff
	}
	if after := fields(); !bytes.Equal(before, after) {
		t.Errorf("changing Raw changed the decoded record from\n%s\nto\n%s", before, after)
	}
}

// checkWellFormed checks what the specification says of a packet the
// decoder found nothing wrong with.
func checkWellFormed(t *testing.T, r Record, version byte, dir Direction) {
	t.Helper()
	total, header, err := FrameLength(r.Raw)
	if err != nil || total != len(r.Raw) || header > 5 {
		t.Fatalf("well-formed % x re-frames as total %d, header %d, err %v", r.Raw, total, header, err)
	}
	switch {
	case r.Type == TypeConnect && r.Version != 3 && r.Version != 4 && r.Version != 5:
		t.Fatalf("well-formed CONNECT % x of protocol version %d", r.Raw, r.Version)
	case r.Type != TypeConnect && r.Version != version:
		t.Fatalf("well-formed %v % x has version %d, the connection %d", r.Type, r.Raw, r.Version, version)
	case r.QoS > 2:
		t.Fatalf("well-formed %v % x with QoS %d", r.Type, r.Raw, r.QoS)
	case r.Type == TypeReserved:
		t.Fatalf("well-formed packet of reserved type 0: % x", r.Raw)
	case r.Type == TypeAuth && (r.Version == 3 || r.Version == 4):
		// MQTT 3.1.1, 2.2.1: type 15 is "Reserved", "Forbidden".
		t.Fatalf("well-formed AUTH % x on a v%d connection", r.Raw, r.Version)
	}
	if r.Type == TypePublish && (strings.ContainsAny(r.Topic, "+#") || (r.QoS > 0) != (r.PacketID != 0)) {
		// [MQTT-3.3.2-2] no wildcards in a PUBLISH topic; [MQTT-2.2.1-2, 2.2.1-3] a packet ID exactly when QoS > 0.
		t.Fatalf("well-formed PUBLISH % x (%v): topic %q, QoS %d, packet ID %d", r.Raw, dir, r.Topic, r.QoS, r.PacketID)
	}
	// Every string in MQTT is well-formed UTF-8 without U+0000 [MQTT-1.5.4-1, MQTT-1.5.4-2].
	for _, s := range recordStrings(&r) {
		if !mqttString(s) {
			t.Fatalf("well-formed %v % x holds the string %q, not well-formed UTF-8 or with U+0000", r.Type, r.Raw, s)
		}
	}
}

// mqttString says whether s may be an MQTT UTF-8 Encoded String.
func mqttString(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// recordStrings returns the strings decoded from a packet into r.
func recordStrings(r *Record) []string {
	p := &r.Properties
	s := []string{r.ClientID, r.Topic, p.ContentType, p.ResponseTopic, p.ReasonString, p.AssignedClientID}
	for _, u := range p.UserProperties {
		s = append(s, u.Key, u.Value)
	}
	for _, f := range r.Subscriptions {
		s = append(s, f.Filter)
	}
	if c := r.Connect; c != nil {
		s = append(s, c.ProtocolName, c.Username)
		if w := c.Will; w != nil {
			s = append(s, w.Topic)
			for _, u := range w.UserProperties {
				s = append(s, u.Key, u.Value)
			}
		}
	}
	return s
}
