package fake_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// badInput is one thing a broker must refuse: what the client sends, and
// what the recorder must say about it.
type badInput struct {
	name      string
	connect   bool                // the client connects first
	raw       func(v byte) []byte // what it then sends, for protocol version v
	second    bool                // instead of raw: a second CONNECT
	maxPacket uint32              // the broker's WithMaxPacketSize; 0 for none
	err       string              // in the malformed record's Err
}

// publishFrame builds a PUBLISH at QoS 0 (first byte b0) by hand, so that
// anything can go in the topic; v5 adds an empty property list.
func publishFrame(v, b0 byte, topic, payload []byte) []byte {
	body := append([]byte{byte(len(topic) >> 8), byte(len(topic))}, topic...)
	if b0&0x06 != 0 {
		body = append(body, 0x00, 0x01) // a packet ID, for a QoS in the header above 0
	}
	if v == 5 {
		body = append(body, 0x00)
	}
	body = append(body, payload...)
	return append([]byte{b0, byte(len(body))}, body...) // bodies here stay under 128 bytes
}

func fixed(b ...byte) func(byte) []byte { return func(byte) []byte { return b } }

var badInputs = []badInput{
	{name: "remaining length overruns", connect: true, raw: fixed(0x30, 0x04, 0x00, 0x64, 'a', 'b'), err: "malformed"},
	{name: "remaining length above the maximum", connect: true, raw: fixed(0x30, 0xff, 0xff, 0xff, 0xff, 0x01), err: "remaining length"},
	{name: "topic not UTF-8", connect: true, raw: func(v byte) []byte { return publishFrame(v, 0x30, []byte{0xff, 0xfe}, []byte("x")) }, err: "utf-8"},
	{name: "wildcard in PUBLISH topic", connect: true, raw: func(v byte) []byte { return publishFrame(v, 0x30, []byte("a/+"), []byte("x")) }, err: "protocol violation"},
	{name: "QoS 3", connect: true, raw: func(v byte) []byte { return publishFrame(v, 0x36, []byte("a/b"), []byte("x")) }, err: "flags"},
	{name: "packet before CONNECT", raw: func(v byte) []byte { return publishFrame(v, 0x30, []byte("a/b"), []byte("x")) }, err: "not CONNECT"},
	{name: "second CONNECT", connect: true, second: true, err: "second CONNECT"},
	{name: "SUBSCRIBE without filters", connect: true, raw: func(v byte) []byte {
		if v == 5 {
			return []byte{0x82, 0x03, 0x00, 0x01, 0x00}
		}
		return []byte{0x82, 0x02, 0x00, 0x01}
	}, err: "protocol violation"},
	{name: "oversize packet", connect: true, maxPacket: 64, raw: func(v byte) []byte {
		return publishFrame(v, 0x30, []byte("a/b"), bytes.Repeat([]byte{'x'}, 100))
	}, err: "too large"},
}

// TestBadInput sends the broker each kind of bad input, over MQTT 3.1.1 and
// 5. For each: that client is disconnected by the broker (a v5 client may
// get a DISCONNECT with a failure reason code first), the recorder holds the
// bad frame as malformed with its raw bytes and the reason, and a client
// connected before it keeps working. goleak (TestMain) checks nothing leaks.
func TestBadInput(t *testing.T) {
	for _, in := range badInputs {
		for _, v := range []byte{4, 5} {
			t.Run(fmt.Sprintf("%s/v%d", in.name, v), func(t *testing.T) {
				var opts []mqtttest.Option
				if in.maxPacket > 0 {
					opts = append(opts, mqtttest.WithMaxPacketSize(in.maxPacket))
				}
				b := mqtttest.NewBroker(t, opts...)
				bystander := connected(t, b, "bystander", fake.Version(v))
				bystander.Subscribe(1, "alive/#")

				bad := fake.Dial(t, b.Addr(), fake.Version(v))
				if in.connect {
					if ack := bad.Connect(fake.Connect{ClientID: "bad", CleanStart: true}); ack.ReasonCode != 0 {
						t.Fatalf("CONNACK %s", ack.Line())
					}
				}
				var sent []byte
				if in.second {
					bad.SendConnect(fake.Connect{ClientID: "bad", CleanStart: true})
				} else {
					sent = in.raw(v)
					bad.SendRaw(sent)
				}

				for _, r := range bad.ExpectClosed() {
					if v == 4 || r.Type != mqtttest.TypeDisconnect || r.ReasonCode < 0x80 {
						t.Errorf("before closing, the broker sent %s; want nothing (v3) or a DISCONNECT with a failure reason (v5)", r.Line())
					}
				}
				m := wait(t, b, mqtttest.Malformed(), mqtttest.Dir(mqtttest.ToBroker))
				if in.second && m.Type != mqtttest.TypeConnect || !in.second && !bytes.Equal(m.Raw, sent) {
					t.Errorf("malformed record %s, raw % x; want the bytes sent, % x", m.Line(), m.Raw, sent)
				}
				if !strings.Contains(strings.ToLower(m.Err), strings.ToLower(in.err)) {
					t.Errorf("malformed record says %q, want it to mention %q", m.Err, in.err)
				}
				if cl := wait(t, b, mqtttest.ConnNumber(m.Conn), mqtttest.Closed()); cl.ClosedBy != "broker" {
					t.Errorf("close record %s, want closed by the broker", cl.Line())
				}

				id := bystander.Publish(fake.Publish{Topic: "alive/after", Payload: []byte(in.name), QoS: 1})
				bystander.Expect(mqtttest.Type(mqtttest.TypePuback), mqtttest.PacketID(id))
				if got := bystander.Expect(mqtttest.Publish("alive/after")); string(got.Payload) != in.name {
					t.Errorf("bystander got %s", got.Line())
				}
			})
		}
	}
}
