package fake_test

import (
	"bytes"
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestSecondConnect sends a second CONNECT on a connected client: a protocol
// error [MQTT-3.1.0-2]. The broker closes the connection (v5: DISCONNECT
// 0x82 first) and, as the client did not leave with DISCONNECT, publishes
// its will.
func TestSecondConnect(t *testing.T) {
	for _, v := range []byte{4, 5} {
		b := mqtttest.NewBroker(t)
		watcher := connected(t, b, "watcher")
		watcher.Subscribe(1, "will/#")
		c := withWill(t, b, "twice", fake.Version(v))
		c.SendConnect(fake.Connect{ClientID: "twice", CleanStart: true})
		left := c.ExpectClosed()

		connects := b.Recorder().Find(mqtttest.ClientID("twice"), mqtttest.Type(mqtttest.TypeConnect))
		if len(connects) != 2 || connects[0].Conn != connects[1].Conn {
			t.Fatalf("v%d: want two CONNECTs on one connection, got %d", v, len(connects))
		}
		if cl := wait(t, b, mqtttest.ClientID("twice"), mqtttest.Closed()); cl.ClosedBy != "broker" {
			t.Errorf("v%d: %s", v, cl.Line())
		}
		switch v {
		case 4:
			if len(left) != 0 {
				t.Errorf("v4: received %s", left[0].Line())
			}
		case 5:
			if len(left) != 1 || left[0].Type != mqtttest.TypeDisconnect || left[0].ReasonCode != 0x82 {
				t.Errorf("v5: received %d packets, want DISCONNECT 0x82 (protocol error)", len(left))
				for _, r := range left {
					t.Log(r.Line())
				}
			}
		}
		watcher.Expect(mqtttest.Publish("will/twice"))
	}
}

// TestSendRawGarbage sends bytes that frame but do not decode (reserved
// packet type 0): the broker records them as malformed, raw bytes kept, and
// closes the connection.
func TestSendRawGarbage(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := connected(t, b, "raw")
	garbage := []byte{0x00, 0x03, 0xde, 0xad, 0xbe}
	c.SendRaw(garbage)
	c.ExpectClosed()
	r := wait(t, b, mqtttest.ClientID("raw"), mqtttest.Malformed())
	if r.Dir != mqtttest.ToBroker || !bytes.Equal(r.Raw, garbage) || r.Err == "" {
		t.Errorf("recorded %s (raw % x, err %q)", r.Line(), r.Raw, r.Err)
	}
	wait(t, b, mqtttest.ClientID("raw"), mqtttest.Closed())
}

// TestSendRawSplitFrame sends one PUBLISH in two writes; the broker
// reassembles it.
func TestSendRawSplitFrame(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := connected(t, b, "split")
	frame := []byte{0x30, 0x07, 0x00, 0x03, 's', '/', 'x', 'h', 'i'} // PUBLISH q0 "s/x" "hi"
	c.SendRaw(frame[:4])
	c.SendRaw(frame[4:])
	r := wait(t, b, mqtttest.ClientID("split"), mqtttest.Publish("s/x"))
	if string(r.Payload) != "hi" || r.Malformed {
		t.Errorf("recorded %s", r.Line())
	}
}

// TestPublishQoS3 sends a PUBLISH with both QoS bits set: the broker records
// it as malformed, with QoS 3, and closes the connection.
func TestPublishQoS3(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := connected(t, b, "q3")
	if id := c.Publish(fake.Publish{Topic: "bad", QoS: 3}); id != 1 {
		t.Errorf("QoS 3 publish used packet id %d, want 1", id)
	}
	c.ExpectClosed()
	r := wait(t, b, mqtttest.ClientID("q3"), mqtttest.Malformed())
	if r.Type != mqtttest.TypePublish || r.QoS != 3 {
		t.Errorf("recorded %s", r.Line())
	}
}
