package mqtttest

import (
	"bytes"
	"testing"

	paho3 "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/record"
)

// connectFrame builds a CONNECT by hand (keepalive 30, nothing after the
// client ID but extra), so that any protocol name, level and flags can go
// in it.
func connectFrame(name string, level, flags byte, clientID string, extra ...byte) []byte {
	body := append([]byte{0, byte(len(name))}, name...)
	body = append(body, level, flags, 0, 30, 0, byte(len(clientID)))
	body = append(append(body, clientID...), extra...)
	return append([]byte{0x10, byte(len(body))}, body...) // bodies here stay under 128 bytes
}

// TestV3ConnackCodes sends CONNECT packets a 3.1.1 (or 3.1) broker must
// refuse, as raw bytes, and checks what comes back on the wire and in the
// recording: the MQTT 3.1.1 return code, never one of MQTT 5's (mochi sent
// 0x80 and 0x82), or no CONNACK at all for a malformed CONNECT.
func TestV3ConnackCodes(t *testing.T) {
	for _, c := range []struct {
		name    string
		connect []byte
		code    int // -1: no CONNACK
	}{
		// [MQTT-3.1.3-8]: an empty client ID needs clean session 1; else 0x02.
		{"3.1.1 empty client ID, clean session 0", connectFrame("MQTT", 4, 0x00, ""), 0x02},
		{"3.1 empty client ID, clean session 0", connectFrame("MQIsdp", 3, 0x00, ""), 0x02},
		// [MQTT-3.1.2-2]: a protocol level the broker does not support gets 0x01.
		{"protocol level 6", connectFrame("MQTT", 6, 0x02, "a"), 0x01},
		{"MQTT with the level of 3.1", connectFrame("MQTT", 3, 0x02, "a"), 0x01},
		// [MQTT-3.1.4-1], [MQTT-3.1.2-3]: a malformed CONNECT gets no CONNACK.
		{"reserved flag set", connectFrame("MQTT", 4, 0x03, "a"), -1},
		{"will QoS 3", connectFrame("MQTT", 4, 0x1e, "a", 0, 1, 'w', 0, 1, 'x'), -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := NewBroker(t)
			conn := dialRaw(t, b)
			if _, err := conn.Write(c.connect); err != nil {
				t.Fatal(err)
			}
			got := readUntilClosed(t, conn)
			ack := wait(t, b.Recorder(), Type(TypeConnack))
			if c.code < 0 {
				if len(got) != 0 {
					t.Errorf("the client got % x, want nothing: MQTT 3.1.1 closes the connection without CONNACK", got)
				}
				if !ack.Withheld {
					t.Errorf("CONNACK record %s, want it withheld", ack.Line())
				}
				if cl := wait(t, b.Recorder(), Closed()); cl.ClosedBy != "broker" || !bytes.Contains([]byte(cl.Reason), []byte("[MQTT-3.1.4-1]")) {
					t.Errorf("close record %s, want closed by the broker for a malformed CONNECT", cl.Line())
				}
				return
			}
			if want := []byte{0x20, 0x02, 0x00, byte(c.code)}; !bytes.Equal(got, want) {
				t.Errorf("the client got % x, want CONNACK % x", got, want)
			}
			if ack.ReasonCode != byte(c.code) || ack.Withheld {
				t.Errorf("CONNACK record %s, want return code 0x%02x, passed on", ack.Line(), c.code)
			}
		})
	}
}

// TestPahoEmptyClientIDWithoutCleanSession connects paho.mqtt.golang with an
// empty client ID and clean session 0: the broker refuses it with 0x02
// [MQTT-3.1.3-8], and paho reports the refusal (with mochi's 0x80 it
// reported the connection accepted).
func TestPahoEmptyClientIDWithoutCleanSession(t *testing.T) {
	b := NewBroker(t)
	c := newClient3(b.URL(), "", func(o *paho3.ClientOptions) { o.SetCleanSession(false) })
	tok := c.Connect()
	if !tok.WaitTimeout(waitTime) {
		t.Fatal("connect did not finish")
	}
	if tok.Error() == nil {
		c.Disconnect(0)
		t.Error("paho.mqtt.golang connected with an empty client ID and clean session 0, want it refused")
	}
	if ack := wait(t, b.Recorder(), Type(TypeConnack)); ack.ReasonCode != 0x02 {
		t.Errorf("CONNACK %s, want return code 0x02 (identifier rejected)", ack.Line())
	}
}

// TestNoServerDisconnectToV3 checks the places where mochi disconnected a
// 3.1.1 client with a DISCONNECT, which MQTT 3 has no server form of: a
// QoS 1 PUBLISH that WithACL refuses (3.1.1 cannot refuse one, so the
// broker closes the connection [MQTT-3.3.5-2]), and a client over the
// broker's Receive Maximum. The client gets no DISCONNECT; the recording
// shows the one mochi wrote as withheld, and the close record says why.
func TestNoServerDisconnectToV3(t *testing.T) {
	publishQoS2 := func(id byte) []byte { return []byte{0x34, 0x08, 0, 3, 'a', '/', 'b', 0, id, 'x'} }
	for _, c := range []struct {
		name    string
		opts    []Option
		publish []byte
		reason  string
	}{
		{"refused by WithACL", []Option{WithACL(DenyPublish("ro/#"))}, []byte{0x32, 0x09, 0, 4, 'r', 'o', '/', 'x', 0, 1, 'x'}, "not authorized"},
		{"over the Receive Maximum", []Option{WithReceiveMaximum(1)}, append(publishQoS2(1), publishQoS2(2)...), "receive maximum exceeded"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := NewBroker(t, c.opts...)
			conn := dialRaw(t, b)
			if _, err := conn.Write(v4Connect); err != nil {
				t.Fatal(err)
			}
			wait(t, b.Recorder(), Type(TypeConnack))
			if _, err := conn.Write(c.publish); err != nil {
				t.Fatal(err)
			}
			got := readUntilClosed(t, conn)
			for rest := got; len(rest) > 0; {
				n, _, err := record.FrameLength(rest)
				if err != nil || n == 0 {
					t.Fatalf("the client got % x, which does not frame", got)
				}
				if PacketType(rest[0]>>4) == TypeDisconnect {
					t.Errorf("the client got DISCONNECT (% x), want none", rest[:n])
				}
				rest = rest[n:]
			}
			d := wait(t, b.Recorder(), Type(TypeDisconnect), Dir(ToClient))
			if !d.Withheld {
				t.Errorf("DISCONNECT record %s, want it withheld", d.Line())
			}
			if cl := wait(t, b.Recorder(), Closed()); cl.ClosedBy != "broker" || cl.Reason != c.reason+" (MQTT 3 has no server DISCONNECT)" {
				t.Errorf("close record %s, want closed by the broker: %s (MQTT 3 has no server DISCONNECT)", cl.Line(), c.reason)
			}
		})
	}
}

// TestV3ConnackCodeTable checks the mapping of the codes no test above
// reaches (mochi refuses with them only in setups this broker does not
// have, or maps them itself).
func TestV3ConnackCodeTable(t *testing.T) {
	for _, c := range []struct {
		code, want byte
		why        string
	}{
		{0x84, 0x01, "unsupported protocol version"},
		{0x85, 0x02, "client identifier not valid"},
		{0x86, 0x04, "bad username or password"},
		{0x87, 0x05, "not authorized"},
		{0x8A, 0x05, "banned"},
		{0x88, 0x03, "server unavailable"},
		{0x89, 0x03, "server busy"},
		{0x83, 0x03, "implementation specific error"},
		{0x9F, 0x03, "connection rate exceeded"},
	} {
		if got, ok := v3ConnackCode(c.code, c.why); !ok || got != c.want {
			t.Errorf("v3ConnackCode(0x%02x %s) = 0x%02x, %v; want 0x%02x", c.code, c.why, got, ok, c.want)
		}
	}
	if _, ok := v3ConnackCode(0x81, "malformed packet"); ok {
		t.Error("v3ConnackCode(0x81) gives a code, want none: no CONNACK for a malformed CONNECT")
	}
}
