package tap

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/record"
)

// FuzzTapRecordsEveryByte feeds arbitrary bytes through the tap's framing
// and decoding, as a client (before and after CONNECT, any protocol version)
// or as the broker, and checks it never panics and records every byte it
// passes on, in order. Each record is a packet of the direction, renders as
// one transcript line and as JSON that reads back; one that is not
// Malformed is the record DecodePacket makes of its bytes (whose own
// fuzzer, in package record, checks what it makes). The seeds run with go test; go
// test -fuzz explores.
func FuzzTapRecordsEveryByte(f *testing.F) {
	f.Add([]byte{0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 30, 0, 3, 'r', 'a', 'w'}, byte(0), false)
	f.Add([]byte{0x30, 0x05, 0, 1, 'a', 'h', 'i', 0x40, 0x02, 0, 1}, byte(4), true)
	f.Add([]byte{0x36, 0x05, 0, 1, 'a', 0, 1}, byte(5), false)
	f.Add([]byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}, byte(4), false)
	f.Add([]byte{0x82, 0x06, 0, 1, 0, 1, '#', 3, 0xa2, 0x00}, byte(5), false)
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), byte(0), false)
	f.Fuzz(func(t *testing.T, data []byte, version byte, toClient bool) {
		rec, w := record.NewRecorder(0)
		tp := &Conn{rec: w, faults: rules{}, conn: 1, version: version % 6, rseen: version != 0}
		dir := record.ToBroker
		if toClient {
			dir = record.ToClient
		}
		used, _ := tp.recordFrames(dir, data, false, true)
		var got []byte
		for _, r := range rec.Records() {
			got = append(got, r.Raw...)
			checkTapRecord(t, r, dir)
		}
		if !bytes.Equal(got, data[:used]) {
			t.Fatalf("recorded % x, but took % x", got, data[:used])
		}
		passed := tp.rout
		if toClient {
			passed = tp.wout
		}
		if !bytes.Equal(passed, data[:used]) {
			t.Fatalf("took % x, but passed on % x", data[:used], passed)
		}
		if used < len(data) {
			if total, _, err := record.FrameLength(data[used:]); err != nil || total != 0 {
				t.Fatalf("held back % x, which is not an unfinished frame (total %d, err %v)", data[used:], total, err)
			}
		}
	})
}

// checkTapRecord checks one record the tap made of bytes going in direction dir.
func checkTapRecord(t *testing.T, r record.Record, dir record.Direction) {
	t.Helper()
	if !r.Malformed {
		d, n, err := record.DecodePacket(r.Raw, r.Version, dir)
		d.Seq, d.Time, d.Conn, d.ClientID = r.Seq, r.Time, r.Conn, r.ClientID
		if n != len(r.Raw) || err != nil || !reflect.DeepEqual(d, r) {
			t.Fatalf("the tap recorded\n%+v\nDecodePacket (n %d, err %v) makes\n%+v", r, n, err, d)
		}
		return
	}
	// A malformed record may be bytes that never framed: check what holds for any.
	if r.Event != record.EventPacket || r.Dir != dir || len(r.Raw) == 0 || r.Type != record.PacketType(r.Raw[0]>>4) || r.Err == "" {
		t.Fatalf("malformed record of % x: event %v, dir %v, type %v, err %q", r.Raw, r.Event, r.Dir, r.Type, r.Err)
	}
	if line := r.Line(); strings.ContainsAny(line, "\n\r") {
		t.Errorf("the transcript line of % x is more than one line: %q", r.Raw, line)
	}
	if b, err := r.MarshalJSON(); err != nil || !json.Valid(b) || bytes.ContainsAny(b, "\n\r") {
		t.Errorf("the JSON of % x is not one line of valid JSON: %q, %v", r.Raw, b, err)
	}
}
