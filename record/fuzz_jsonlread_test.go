package record

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// FuzzJSONLReadsBack decodes arbitrary bytes as a packet (malformed or not),
// writes the record as a JSON line and reads it back: the record read
// encodes to the same JSON value, and one that was not malformed is the
// record decoded, field for field. The seeds run with go test; go test -fuzz
// explores.
func FuzzJSONLReadsBack(f *testing.F) {
	f.Add([]byte{0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 30, 0, 3, 'r', 'a', 'w'}, byte(0), false)
	f.Add([]byte{0x30, 0x05, 0, 1, 'a', 'h', 'i'}, byte(4), true)
	f.Add([]byte{0x32, 0x07, 0, 1, 'a', 0, 9, 0xff, 0xfe}, byte(4), false)
	f.Add([]byte{0x36, 0x05, 0, 1, 'a', 0, 1}, byte(5), false)
	f.Add([]byte{0x82, 0x06, 0, 1, 0, 1, '#', 3}, byte(5), false)
	f.Add([]byte{0x90, 0x04, 0, 1, 0x00, 0x80}, byte(5), true)
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"), byte(0), false)
	f.Fuzz(func(t *testing.T, data []byte, version byte, toClient bool) {
		if len(data) == 0 {
			return
		}
		dir := ToBroker
		if toClient {
			dir = ToClient
		}
		r, _, err := DecodePacket(data, version%6, dir)
		if r.Event != EventPacket { // bytes that do not frame, or a frame cut short: recorded as the tap does
			why := "connection ended in an unfinished frame"
			if err != nil {
				why = err.Error()
			}
			r = Record{Event: EventPacket, Dir: dir, Type: PacketType(data[0] >> 4), Version: version % 6, Raw: data, Malformed: true, Err: why}
		}
		r.Seq, r.Time, r.Conn, r.ClientID, r.Listener = 7, time.Unix(1764500000, 123456789).UTC(), 3, "c1", "memory"
		line, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		var got []Record
		if err := ReadJSONL(strings.NewReader(string(line)+"\n"), func(rec Record) error { got = append(got, rec); return nil }); err != nil {
			t.Fatalf("ReadJSONL of %s: %v", line, err)
		}
		if len(got) != 1 {
			t.Fatalf("ReadJSONL read %d records from one line", len(got))
		}
		again, err := got[0].MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON of the record read back: %v", err)
		}
		// The same JSON value; not byte for byte: encoding/json writes a string
		// that is not UTF-8 (a malformed packet's protocol name, say) with
		// U+FFFD for each bad byte, escaped, and the string read back holds
		// U+FFFD itself, which it writes as is.
		var was, is any
		if json.Unmarshal(line, &was) != nil || json.Unmarshal(again, &is) != nil || !reflect.DeepEqual(was, is) {
			t.Fatalf("the record read back encodes as\n%s\nnot\n%s", again, line)
		}
		want := r
		if r.Type == TypeConnect {
			want.Raw = redactPassword(r.Raw) // a password never reaches a recording
			if want.Connect != nil && want.Connect.PasswordSet {
				w, _, _ := DecodePacket(want.Raw, version%6, dir) // what the redacted bytes decode to
				w.Seq, w.Time, w.Conn, w.ClientID, w.Listener = r.Seq, r.Time, r.Conn, r.ClientID, r.Listener
				want = w
			}
		}
		if !r.Malformed && !reflect.DeepEqual(got[0], want) {
			t.Fatalf("read back\n%+v\nwant\n%+v", got[0], want)
		}
	})
}
