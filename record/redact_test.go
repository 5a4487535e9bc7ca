package record

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// TestNoPasswordInJSON: a CONNECT's password never reaches the JSON form of
// its record, in clear or in base64; the raw bytes hold '*' in its place,
// still decode, and still say a password was set. The record in memory
// keeps the bytes as they were.
func TestNoPasswordInJSON(t *testing.T) {
	frame := []byte{0x10, 0x1e, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xc2, 0, 30, 0, 3, 'd', 'e', 'v',
		0, 4, 'u', 's', 'e', 'r', 0, 7, 'h', 'u', 'n', 't', 'e', 'r', '2'}
	r, n, err := DecodePacket(frame, 0, ToBroker)
	if err != nil || n != len(frame) || r.Malformed || !r.Connect.PasswordSet {
		t.Fatalf("the CONNECT does not decode: %v %s", err, r.Line())
	}
	line, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(line, []byte("hunter2")) || bytes.Contains(line, []byte(base64.StdEncoding.EncodeToString([]byte("hunter2")))) {
		t.Fatalf("the password is in the JSON: %s", line)
	}
	var back Record
	if err := back.UnmarshalJSON(line); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(back.Raw), "\x00\x07*******") || !back.Connect.PasswordSet || back.Connect.Username != "user" || back.Malformed {
		t.Fatalf("read back: raw % x, %s", back.Raw, back.Line())
	}
	if !bytes.Equal(r.Raw, frame) {
		t.Error("MarshalJSON changed the record's own raw bytes")
	}
}
