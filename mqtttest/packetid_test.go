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
				if mqtttest.Publish("in/x").Match(&r) {
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

// TestQoS2ResendGetsPubrec: a client that did not get its PUBREC sends the
// QoS 2 PUBLISH again with DUP; the broker answers with PUBREC, success, and
// does not deliver the message twice [MQTT-4.3.3-10]. mochi answered 0x91,
// "packet identifier in use", which an MQTT 5 client takes as the message
// refused.
func TestQoS2ResendGetsPubrec(t *testing.T) {
	for _, v := range []byte{4, 5} {
		t.Run(map[byte]string{4: "v3.1.1", 5: "v5"}[v], func(t *testing.T) {
			b := mqtttest.NewBroker(t)
			sub := fake.Dial(t, b.Addr(), fake.Version(v))
			sub.Connect(fake.Connect{ClientID: "sub", CleanStart: true})
			sub.Subscribe(2, "q2/#")
			c := fake.Dial(t, b.Addr(), fake.Version(v), fake.Acks(fake.AckNever())) // no PUBREL: the flow stays open
			c.Connect(fake.Connect{ClientID: "pub", CleanStart: true})
			p := fake.Publish{Topic: "q2/x", Payload: []byte("once"), QoS: 2, PacketID: 9}
			c.Publish(p)
			c.Expect(mqtttest.Type(mqtttest.TypePubrec), mqtttest.PacketID(9))
			p.Dup = true
			c.Publish(p) // as if the PUBREC had been lost
			if again := c.Expect(mqtttest.Type(mqtttest.TypePubrec), mqtttest.PacketID(9)); again.ReasonCode != 0 {
				t.Errorf("%s: want reason code 0x00, success", again.Line())
			}
			// pub's messages reach sub in order through one write queue: a
			// second delivery of q2/x would come before this one.
			c.Publish(fake.Publish{Topic: "q2/barrier", QoS: 0})
			sub.Expect(mqtttest.Publish("q2/barrier"))
			var got int
			for _, r := range sub.Received() {
				if r.Type == mqtttest.TypePublish && r.Topic == "q2/x" {
					got++
				}
			}
			if got != 1 {
				t.Errorf("the subscriber got the message %d times, want once", got)
			}
		})
	}
}
