package mqtttest_test

import (
	"fmt"
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// connectReceiveMaximum2 is an MQTT 5 CONNECT for client "rm": clean start
// 0, keepalive 60, Receive Maximum 2, Session Expiry Interval 3600.
var connectReceiveMaximum2 = []byte{
	0x10, 0x17, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x00, 0, 60,
	0x08, 0x21, 0, 2, 0x11, 0, 0, 0x0e, 0x10,
	0, 2, 'r', 'm',
}

// TestReceiveMaximumQueue: a v5 client with Receive Maximum 2 gets two
// messages at a time, the rest as it acknowledges them [MQTT-3.3.4-9].
// mochi's own queue for this forgot the message it had just sent
// (processPacket deletes it from the session), so a message sent from the
// queue and not yet acknowledged when the connection dropped was never sent
// again; and when the session resumed it sent all it held at once, and some
// of them again later without DUP. The tap now holds what is over the
// Receive Maximum (internal/tap/window.go).
func TestReceiveMaximumQueue(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr(), fake.Version(5), fake.Acks(fake.AckNever()))
	c.SendRaw(connectReceiveMaximum2)
	c.Expect(mqtttest.Type(mqtttest.TypeConnack))
	c.Subscribe(1, "rm/#")
	for i := range 5 {
		publish(t, b, "rm/x", fmt.Sprint(i), 1, false)
	}
	first := c.Expect(mqtttest.Publish("rm/x"))
	c.SendRaw([]byte{0x40, 0x02, byte(first.PacketID >> 8), byte(first.PacketID)}) // PUBACK the first: the third is sent
	third := c.Expect(mqtttest.Publish("rm/x"), mqtttest.Where("the third", func(r mqtttest.Record) bool { return string(r.Payload) == "2" }))
	c.Close() // the second and the third are in flight

	again := fake.Dial(t, b.Addr(), fake.Version(5))
	again.SendRaw(connectReceiveMaximum2)
	if ack := again.Expect(mqtttest.Type(mqtttest.TypeConnack)); !ack.SessionPresent {
		t.Fatalf("%s: want the session present", ack.Line())
	}
	got := map[string]bool{}
	for range 4 { // the second, the third, and the two never sent
		r := again.Expect(mqtttest.Publish("rm/x"), mqtttest.Where("not seen", func(r mqtttest.Record) bool { return !got[string(r.Payload)] }))
		got[string(r.Payload)] = true
	}
	if !got["2"] {
		t.Errorf("the third message (%s), sent from the queue and not acknowledged, was not sent again", third.Line())
	}
	again.Ping()                                // anything sent twice is in by now
	if n := len(again.Received()); n != 1+4+1 { // CONNACK, the four messages, PINGRESP
		t.Errorf("the resumed session got %d packets, want CONNACK, the four messages once each, PINGRESP:\n%s", n, b.Recorder().Transcript())
	}
	// Never more than 2 unacknowledged QoS 1 PUBLISH packets in flight to rm.
	inflight := map[uint64]map[uint16]bool{}
	for _, r := range b.Recorder().Find(mqtttest.ClientID("rm")) {
		if inflight[r.Conn] == nil {
			inflight[r.Conn] = map[uint16]bool{}
		}
		switch {
		case r.Type == mqtttest.TypePublish && r.Dir == mqtttest.ToClient && r.Event == mqtttest.EventPacket:
			inflight[r.Conn][r.PacketID] = true
			if len(inflight[r.Conn]) > 2 {
				t.Errorf("%s: %d unacknowledged PUBLISH packets in flight, over the client's Receive Maximum of 2", r.Line(), len(inflight[r.Conn]))
			}
		case r.Type == mqtttest.TypePuback && r.Dir == mqtttest.ToBroker:
			delete(inflight[r.Conn], r.PacketID)
		}
	}
	if ds := b.Recorder().Find(mqtttest.BrokerDropped()); len(ds) > 0 {
		t.Errorf("the broker dropped %s", ds[0].Line())
	}
}
