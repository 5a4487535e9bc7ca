package mqtttest_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestPacketIDsOfBothDirectionsAreIndependent: a client and the broker
// number their packets independently, so the same packet identifier may be
// in use both ways at once [MQTT-2.2.1-3]. mochi keeps both in one map: a
// client PUBLISH with the ID of a message in flight to that client deletes
// the message from its session, which is then not sent again when the
// session resumes. The test broker keeps it.
func TestPacketIDsOfBothDirectionsAreIndependent(t *testing.T) {
	for _, qos := range []byte{1, 2} {
		t.Run(map[byte]string{1: "QoS 1 publish", 2: "QoS 2 publish"}[qos], func(t *testing.T) {
			b := mqtttest.NewBroker(t)
			c := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
			c.Connect(fake.Connect{ClientID: "both", Keepalive: 60})
			c.Subscribe(1, "in/#")
			if err := b.Publish("in/x", []byte("to the client"), 1, false); err != nil {
				t.Fatal(err)
			}
			in := c.Expect(mqtttest.Publish("in/x")) // in flight: the client does not acknowledge it
			id := c.Publish(fake.Publish{Topic: "out/y", Payload: []byte("from the client"), QoS: qos, PacketID: in.PacketID})
			ack := mqtttest.TypePuback
			if qos == 2 {
				ack = mqtttest.TypePubrec
			}
			c.Expect(mqtttest.Type(ack), mqtttest.PacketID(id))
			c.Close()

			again := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
			if ca := again.Connect(fake.Connect{ClientID: "both", Keepalive: 60}); !ca.SessionPresent {
				t.Fatalf("CONNACK %s, want session present", ca.Line())
			}
			again.Ping() // the broker sends a resumed session's messages before it reads anything
			var resent []mqtttest.Record
			for _, r := range again.Received() {
				if mqtttest.Publish("in/x").Match(r) {
					resent = append(resent, r)
				}
			}
			if len(resent) != 1 || !resent[0].Dup || resent[0].PacketID != in.PacketID {
				t.Errorf("after the session resumed the client got %d PUBLISH in/x, want it resent once with DUP and id=%d:\n%s",
					len(resent), in.PacketID, b.Recorder().Transcript())
			}
		})
	}
}
