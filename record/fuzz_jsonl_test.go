package record

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzJSONL builds records from fuzzed fields (payloads that are not UTF-8,
// strings with quotes, control characters and line separators, any reason
// codes, user properties and raw bytes, events and types in and out of
// range) and checks that Record.MarshalJSON and Recorder.WriteJSONL write
// each as one line of valid JSON that reads back, field by field, as the
// record: the payload through payload_encoding "utf8" or "base64", a string
// that is not UTF-8 with each bad byte as U+FFFD (JSON text is Unicode), and
// the packet fields only for packets, as the format documents.
func FuzzJSONL(f *testing.F) {
	f.Add(byte(3), byte(1), byte(1), uint32(0x0102), uint64(7), int64(1764500000123456789),
		[]byte("21.5"), "home/kitchen/temp", "sensor-1", "", "k", "v", []byte(nil), []byte{0x30, 0x02})
	f.Add(byte(3), byte(1), byte(2), uint32(0), uint64(1), int64(0),
		[]byte{0xff, 0xfe, 0x00, '\n'}, "a\nb\"c\\d", "id\x00\t\"'<>&\u2028\u2029", "", "", "", []byte{}, []byte{0xff})
	f.Add(byte(9), byte(1), byte(2), uint32(0xffffffff), uint64(1<<63), int64(-1),
		[]byte(nil), "", "\xff\xfe", "bad \xc3 utf-8", "\x80", "\xed\xa0\x80", []byte{0, 0x80, 0x87, 0x8f}, []byte(nil))
	f.Add(byte(4), byte(3), byte(0), uint32(0x55aa55aa), uint64(0), int64(1),
		[]byte("x"), "t", "c", "client sent DISCONNECT", "", "", []byte(nil), []byte(nil))
	f.Add(byte(16), byte(9), byte(7), uint32(0xaaaaaaaa), uint64(12345), int64(-6795364578871345152),
		[]byte("not a packet"), "$SYS/x", "", "\r\n", "key\n", "value\r", []byte{1, 2, 3}, []byte("raw\n"))
	f.Fuzz(func(t *testing.T, typ, event, dir byte, flags uint32, n uint64, nanos int64,
		payload []byte, topic, clientID, text, key, value string, codes, raw []byte) {
		r := fuzzRecord(typ, event, dir, flags, n, nanos, payload, topic, clientID, text, key, value, codes, raw)
		checkJSON(t, r)

		rc := newRecorder(0)
		rc.add(r)
		r2 := r
		r2.Event, r2.Type = EventPacket, TypePublish // a second line, the kind with a payload
		rc.add(r2)
		var out bytes.Buffer
		if err := rc.WriteJSONL(&out); err != nil {
			t.Fatalf("WriteJSONL: %v", err)
		}
		recs := rc.Records()
		lines := strings.SplitAfter(out.String(), "\n")
		if len(lines) != len(recs)+1 || lines[len(recs)] != "" {
			t.Fatalf("WriteJSONL wrote %d lines for %d records (each should end in one newline):\n%q", len(lines)-1, len(recs), out.String())
		}
		for i, rec := range recs {
			checkJSONLine(t, rec, []byte(strings.TrimSuffix(lines[i], "\n")))
		}
	})
}

// fuzzRecord builds a record from fuzzed values, using each for several
// fields so that every field can hold anything.
func fuzzRecord(typ, event, dir byte, flags uint32, n uint64, nanos int64,
	payload []byte, topic, clientID, text, key, value string, codes, raw []byte) Record {
	bit := func(i uint) bool { return flags&(1<<i) != 0 }
	r := Record{
		Seq: n, Time: time.Unix(0, nanos), Conn: n >> 3, ClientID: clientID, Listener: key, Remote: value,
		Event: Event(event % 6), Dir: Direction(dir % 4), Type: PacketType(typ % 17), Version: byte(flags >> 8),
		PacketID: uint16(n), Topic: topic, Payload: payload, QoS: byte(flags>>16) % 4,
		Retain: bit(0), Dup: bit(1), ReasonCode: byte(flags >> 24), ReasonCodes: codes, SessionPresent: bit(2),
		Raw: raw, Malformed: bit(3), Err: text, Fault: key, Withheld: bit(4), Duplicated: bit(5),
		ClosedBy: ClosedBy(value), Reason: text,
	}
	if bit(6) {
		r.Subscriptions = []Subscription{
			{Filter: topic, QoS: byte(flags>>16) % 4, NoLocal: bit(7), RetainAsPublished: bit(8), RetainHandling: byte(flags>>24) % 4},
			{Filter: key},
		}
	}
	if bit(9) {
		r.Connect = &ConnectInfo{ProtocolName: text, CleanStart: bit(10), Keepalive: uint16(n >> 16),
			Username: clientID, PasswordSet: bit(11), SessionExpiry: uint32(n >> 32)}
		if bit(12) {
			r.Connect.Will = &Will{Topic: topic, Payload: raw, QoS: byte(flags>>16) % 4, Retain: bit(13),
				DelayInterval: uint32(n), UserProperties: []UserProperty{{Key: key, Value: value}}}
		}
	}
	if bit(14) {
		r.Properties = Properties{MessageExpiry: uint32(n), SessionExpiry: uint32(n >> 32), ContentType: key,
			ResponseTopic: topic, CorrelationData: raw, ReasonString: text, AssignedClientID: clientID,
			TopicAlias: uint16(n >> 48), UserProperties: []UserProperty{{Key: key, Value: value}, {Key: value}}}
		for _, c := range codes {
			r.Properties.SubscriptionIDs = append(r.Properties.SubscriptionIDs, int(c)<<int(flags%16))
		}
	}
	return r
}

// checkJSON checks that r.MarshalJSON writes one line of valid JSON that
// reads back as r.
func checkJSON(t *testing.T, r Record) {
	t.Helper()
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON of %s: %v", r.Line(), err)
	}
	checkJSONLine(t, r, b)
}

// checkJSONLine checks that line is one line of valid JSON that reads back as r.
func checkJSONLine(t *testing.T, r Record, line []byte) {
	t.Helper()
	if !json.Valid(line) {
		t.Fatalf("not valid JSON: %q", line)
	}
	if bytes.ContainsAny(line, "\n\r") {
		t.Fatalf("a raw line break inside one record: %q", line)
	}
	got, err := recordFromJSON(line)
	if err != nil {
		t.Fatalf("%v in %s", err, line)
	}
	want := jsonView(r)
	if !got.Time.Equal(want.Time) {
		t.Fatalf("time reads back as %v, want %v, from %s", got.Time, want.Time, line)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON reads back as\n%#v\nwant\n%#v\nfrom %s", got, want, line)
	}
}

// jsonLine is the JSON Lines format as the command documents it, written
// here apart from the package's own jsonRecord so that a renamed or missing
// top-level field shows (nested objects use the package's types and their
// tags). Pointers tell a field that is absent from one that is zero.
type jsonLine struct {
	Seq             *uint64        `json:"seq"`
	Time            *string        `json:"time"`
	Conn            *uint64        `json:"conn"`
	ClientID        string         `json:"client_id"`
	Listener        string         `json:"listener"`
	Remote          string         `json:"remote"`
	Event           *string        `json:"event"`
	Dir             string         `json:"dir"`
	Type            string         `json:"type"`
	Version         byte           `json:"version"`
	PacketID        uint16         `json:"packet_id"`
	Topic           string         `json:"topic"`
	Payload         *string        `json:"payload"`
	PayloadEncoding string         `json:"payload_encoding"`
	QoS             *byte          `json:"qos"`
	Retain          bool           `json:"retain"`
	Dup             bool           `json:"dup"`
	ReasonCode      *byte          `json:"reason_code"`
	ReasonCodes     []int          `json:"reason_codes"`
	SessionPresent  bool           `json:"session_present"`
	Subscriptions   []Subscription `json:"subscriptions"`
	Connect         *ConnectInfo   `json:"connect"`
	Properties      *Properties    `json:"properties"`
	Raw             []byte         `json:"raw"`
	Malformed       bool           `json:"malformed"`
	Error           string         `json:"error"`
	Fault           string         `json:"fault"`
	Withheld        bool           `json:"withheld"`
	Duplicated      bool           `json:"duplicated"`
	ClosedBy        string         `json:"closed_by"`
	Reason          string         `json:"reason"`
}

// recordFromJSON reads one JSON line back into a Record, strictly: an
// unknown field, a missing required one or a bad value is an error.
func recordFromJSON(line []byte) (Record, error) {
	var j jsonLine
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		return Record{}, err
	}
	if d.More() {
		return Record{}, fmt.Errorf("more than one JSON value on the line")
	}
	if j.Seq == nil || j.Time == nil || j.Conn == nil || j.Event == nil || j.QoS == nil {
		return Record{}, fmt.Errorf("seq, time, conn, event or qos missing")
	}
	tm, err := time.Parse(time.RFC3339Nano, *j.Time)
	if err != nil {
		return Record{}, err
	}
	r := Record{
		Seq: *j.Seq, Time: tm, Conn: *j.Conn, ClientID: j.ClientID, Listener: j.Listener, Remote: j.Remote,
		Version: j.Version, PacketID: j.PacketID, Topic: j.Topic, QoS: *j.QoS, Retain: j.Retain, Dup: j.Dup,
		SessionPresent: j.SessionPresent, Subscriptions: j.Subscriptions, Connect: j.Connect,
		Raw: j.Raw, Malformed: j.Malformed, Err: j.Error, Fault: j.Fault, Withheld: j.Withheld,
		Duplicated: j.Duplicated, ClosedBy: ClosedBy(j.ClosedBy), Reason: j.Reason,
	}
	if r.Event, err = parseName[Event](*j.Event, "none", "packet", "open", "close", "restart", "drop"); err != nil {
		return Record{}, err
	}
	if r.Event == EventDrop { // a message: the PUBLISH fields, and no others
		if j.Type != "PUBLISH" || j.ReasonCode != nil || j.ReasonCodes != nil || j.Properties != nil || j.Version != 0 || j.Dup || j.SessionPresent {
			return Record{}, fmt.Errorf("a drop record with fields of no PUBLISH: %+v", j)
		}
		r.Type = TypePublish
		if r.Dir, err = parseName[Direction](j.Dir, "none", "to-broker", "to-client"); err != nil {
			return Record{}, err
		}
		r.Payload, err = parsePayload(j)
		return r, err
	}
	if r.Event != EventPacket {
		if j.Dir != "" || j.Type != "" || j.Payload != nil || j.ReasonCode != nil || j.ReasonCodes != nil || j.Properties != nil {
			return Record{}, fmt.Errorf("packet fields in a %s record", *j.Event)
		}
		return r, nil
	}
	if r.Dir, err = parseName[Direction](j.Dir, "none", "to-broker", "to-client"); err != nil {
		return Record{}, err
	}
	if r.Type, err = parseType(j.Type); err != nil {
		return Record{}, err
	}
	if hasReasonCode(r.Type) != (j.ReasonCode != nil) {
		return Record{}, fmt.Errorf("reason_code present %v for %v", j.ReasonCode != nil, r.Type)
	}
	if j.ReasonCode != nil {
		r.ReasonCode = *j.ReasonCode
	}
	for _, c := range j.ReasonCodes {
		if c < 0 || c > 255 {
			return Record{}, fmt.Errorf("reason code %d is not a byte", c)
		}
		r.ReasonCodes = append(r.ReasonCodes, byte(c))
	}
	if (r.Type == TypePublish) != (j.Payload != nil) {
		return Record{}, fmt.Errorf("payload present %v for %v", j.Payload != nil, r.Type)
	}
	if r.Payload, err = parsePayload(j); err != nil {
		return Record{}, err
	}
	if j.Properties != nil {
		r.Properties = *j.Properties
	}
	return r, nil
}

// parsePayload reads the payload of a line, in the encoding it names.
func parsePayload(j jsonLine) ([]byte, error) {
	if j.Payload == nil {
		if j.PayloadEncoding != "" {
			return nil, fmt.Errorf("payload_encoding %q without a payload", j.PayloadEncoding)
		}
		return nil, nil
	}
	switch j.PayloadEncoding {
	case "utf8":
		return nilIfEmpty([]byte(*j.Payload)), nil
	case "base64":
		p, err := base64.StdEncoding.DecodeString(*j.Payload)
		if err != nil {
			return nil, err
		}
		if utf8.Valid(p) {
			return nil, fmt.Errorf("UTF-8 payload %q written as base64", p)
		}
		return p, nil
	}
	return nil, fmt.Errorf("payload_encoding %q", j.PayloadEncoding)
}

func parseName[T ~uint8](s string, names ...string) (T, error) {
	for i, n := range names {
		if s == n {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("unknown name %q", s)
}

func parseType(s string) (PacketType, error) {
	var n int
	if _, err := fmt.Sscanf(s, "TYPE(%d)", &n); err == nil && n >= 16 && n < 256 {
		return PacketType(n), nil
	}
	return parseName[PacketType](s, packetTypeNames[:]...)
}

// hasReasonCode says whether a packet type's record carries one reason code.
func hasReasonCode(t PacketType) bool {
	switch t {
	case TypeConnack, TypePuback, TypePubrec, TypePubrel, TypePubcomp, TypeDisconnect, TypeAuth:
		return true
	}
	return false
}

// jsonView is what the JSON Lines form of r can say: r with the packet
// fields only for packets, the payload only for PUBLISH, one reason code
// only for the types that have one, events and directions out of range as
// zero ("none"), no empty slices, and each byte of a string that is not
// UTF-8 as U+FFFD, as encoding/json writes it.
func jsonView(r Record) Record {
	v := Record{
		Seq: r.Seq, Time: r.Time, Conn: r.Conn, ClientID: asJSON(r.ClientID), Listener: asJSON(r.Listener),
		Remote: asJSON(r.Remote), Event: r.Event, Raw: nilIfEmpty(r.Raw), Malformed: r.Malformed, Err: asJSON(r.Err),
		Fault: asJSON(r.Fault), Withheld: r.Withheld, Duplicated: r.Duplicated, ClosedBy: ClosedBy(asJSON(string(r.ClosedBy))),
		Reason: asJSON(r.Reason),
	}
	if v.Event > EventDrop {
		v.Event = 0
	}
	if r.Event == EventPacket && r.Type == TypeConnect {
		v.Raw = nilIfEmpty(redactPassword(r.Raw)) // a password never reaches a recording
	}
	if v.Event == EventDrop {
		v.Dir, v.Type, v.PacketID, v.Topic, v.QoS, v.Retain, v.Payload = r.Dir, TypePublish, r.PacketID, asJSON(r.Topic), r.QoS, r.Retain, nilIfEmpty(r.Payload)
		if v.Dir > ToClient {
			v.Dir = 0
		}
		return v
	}
	if v.Event == EventClose {
		v.Version = r.Version // the protocol level the connection had
	}
	if v.Event != EventPacket {
		return v
	}
	v.Dir, v.Type, v.Version, v.PacketID, v.Topic = r.Dir, r.Type, r.Version, r.PacketID, asJSON(r.Topic)
	if v.Dir > ToClient {
		v.Dir = 0
	}
	v.QoS, v.Retain, v.Dup, v.SessionPresent = r.QoS, r.Retain, r.Dup, r.SessionPresent
	if hasReasonCode(r.Type) {
		v.ReasonCode = r.ReasonCode
	}
	v.ReasonCodes = nilIfEmpty(r.ReasonCodes)
	if r.Type == TypePublish {
		v.Payload = nilIfEmpty(r.Payload)
	}
	for _, s := range r.Subscriptions {
		s.Filter = asJSON(s.Filter)
		v.Subscriptions = append(v.Subscriptions, s)
	}
	if c := r.Connect; c != nil {
		vc := *c
		vc.ProtocolName, vc.Username = asJSON(c.ProtocolName), asJSON(c.Username)
		if w := c.Will; w != nil {
			vw := *w
			vw.Topic, vw.Payload, vw.UserProperties = asJSON(w.Topic), nilIfEmpty(w.Payload), userPropertiesAsJSON(w.UserProperties)
			vc.Will = &vw
		}
		v.Connect = &vc
	}
	p := r.Properties
	v.Properties = Properties{
		MessageExpiry: p.MessageExpiry, SessionExpiry: p.SessionExpiry, ContentType: asJSON(p.ContentType),
		ResponseTopic: asJSON(p.ResponseTopic), CorrelationData: nilIfEmpty(p.CorrelationData),
		ReasonString: asJSON(p.ReasonString), AssignedClientID: asJSON(p.AssignedClientID), TopicAlias: p.TopicAlias,
		UserProperties: userPropertiesAsJSON(p.UserProperties),
	}
	if len(p.SubscriptionIDs) > 0 {
		v.Properties.SubscriptionIDs = p.SubscriptionIDs
	}
	return v
}

// asJSON is s as a JSON string carries it: each byte that is not part of
// valid UTF-8 becomes U+FFFD.
func asJSON(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func userPropertiesAsJSON(in []UserProperty) []UserProperty {
	var out []UserProperty
	for _, u := range in {
		out = append(out, UserProperty{Key: asJSON(u.Key), Value: asJSON(u.Value)})
	}
	return out
}
