package fake_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestPublishSubscribe sends a message at each QoS between two fakes with
// automatic acks and checks the whole flow on both sides, in v3.1.1 and v5.
func TestPublishSubscribe(t *testing.T) {
	for _, v := range []byte{4, 5} {
		for _, qos := range []byte{0, 1, 2} {
			t.Run(map[byte]string{4: "v3.1.1", 5: "v5"}[v]+"/q"+string('0'+qos), func(t *testing.T) {
				b := mqtttest.NewBroker(t)
				sub := connected(t, b, "sub", fake.Version(v))
				ack := sub.Subscribe(2, "t/#")
				if len(ack.ReasonCodes) != 1 || ack.ReasonCodes[0] != 2 {
					t.Fatalf("SUBACK: %s", ack.Line())
				}
				pub := connected(t, b, "pub", fake.Version(v))

				id := pub.Publish(fake.Publish{Topic: "t/x", Payload: []byte("hello"), QoS: qos})
				if (id == 0) != (qos == 0) {
					t.Fatalf("Publish at QoS %d returned packet id %d", qos, id)
				}
				switch qos {
				case 1:
					pub.Expect(mqtttest.Type(mqtttest.TypePuback), mqtttest.PacketID(id))
				case 2:
					pub.Expect(mqtttest.Type(mqtttest.TypePubrec), mqtttest.PacketID(id))
					pub.Expect(mqtttest.Type(mqtttest.TypePubcomp), mqtttest.PacketID(id))
				}
				m := sub.Expect(mqtttest.Publish("t/x"))
				if string(m.Payload) != "hello" || m.QoS != qos || m.Dup || m.Retain {
					t.Fatalf("subscriber got %s", m.Line())
				}
				if qos == 2 {
					sub.Expect(mqtttest.Type(mqtttest.TypePubrel), mqtttest.PacketID(m.PacketID))
				}

				// The recorder has the whole handshake, on both connections, in order.
				want := map[byte]string{
					0: "",
					1: "to-client PUBACK",
					2: "to-client PUBREC, to-broker PUBREL, to-client PUBCOMP",
				}[qos]
				wantSub := map[byte]string{
					0: "",
					1: "to-broker PUBACK",
					2: "to-broker PUBREC, to-client PUBREL, to-broker PUBCOMP",
				}[qos]
				if qos == 2 {
					wait(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePubcomp))
				} else if qos == 1 {
					wait(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePuback))
				}
				if qos > 0 {
					flow := func(id string, pk uint16) string {
						rs := b.Recorder().Find(mqtttest.ClientID(id), mqtttest.PacketID(pk),
							mqtttest.Where("an ack", func(r mqtttest.Record) bool {
								return r.Type >= mqtttest.TypePuback && r.Type <= mqtttest.TypePubcomp
							}))
						return sequence(rs)
					}
					if got := flow("pub", id); got != want {
						t.Errorf("publisher's flow: %s, want %s\n%s", got, want, b.Recorder().Transcript())
					}
					if got := flow("sub", m.PacketID); got != wantSub {
						t.Errorf("subscriber's flow: %s, want %s\n%s", got, wantSub, b.Recorder().Transcript())
					}
				}
			})
		}
	}
}

// TestPublishFlagsAndPacketID sends a chosen packet ID with the DUP and
// RETAIN flags; the broker's record has them as sent.
func TestPublishFlagsAndPacketID(t *testing.T) {
	b := mqtttest.NewBroker(t)
	pub := connected(t, b, "pub")
	id := pub.Publish(fake.Publish{Topic: "flags", Payload: []byte("x"), QoS: 1, Dup: true, Retain: true, PacketID: 777})
	if id != 777 {
		t.Fatalf("Publish returned id %d, want 777", id)
	}
	r := wait(t, b, mqtttest.ClientID("pub"), mqtttest.Publish("flags"))
	if r.PacketID != 777 || !r.Dup || !r.Retain || r.QoS != 1 {
		t.Errorf("recorded %s", r.Line())
	}
	pub.Expect(mqtttest.Type(mqtttest.TypePuback), mqtttest.PacketID(777))
	if m, ok := b.Retained("flags"); !ok || string(m.Payload) != "x" {
		t.Errorf("retained: %+v %v", m, ok)
	}
}

// TestPacketIDs allocates packet IDs in increasing order from 1, shared by
// PUBLISH, SUBSCRIBE and UNSUBSCRIBE, leaving out QoS 0 and chosen IDs.
func TestPacketIDs(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := connected(t, b, "ids")
	if id := c.Publish(fake.Publish{Topic: "a", QoS: 1}); id != 1 {
		t.Errorf("first id %d, want 1", id)
	}
	if id := c.Publish(fake.Publish{Topic: "a", QoS: 0}); id != 0 {
		t.Errorf("QoS 0 id %d, want 0", id)
	}
	if id := c.Publish(fake.Publish{Topic: "a", QoS: 1, PacketID: 500}); id != 500 {
		t.Errorf("chosen id %d, want 500", id)
	}
	if r := c.Subscribe(1, "a"); r.PacketID != 2 {
		t.Errorf("SUBACK %s, want id 2", r.Line())
	}
	if r := c.Unsubscribe("a"); r.PacketID != 3 || len(r.ReasonCodes) != 0 {
		t.Errorf("UNSUBACK %s, want id 3", r.Line())
	}
	if id := c.Publish(fake.Publish{Topic: "a", QoS: 2}); id != 4 {
		t.Errorf("id after subscribe and unsubscribe %d, want 4", id)
	}
	for _, id := range []uint16{1, 500} {
		c.Expect(mqtttest.Type(mqtttest.TypePuback), mqtttest.PacketID(id))
	}
	c.Expect(mqtttest.Type(mqtttest.TypePubcomp), mqtttest.PacketID(4))
}

// TestUserProperties sends v5 user properties on PUBLISH; the subscriber
// gets them.
func TestUserProperties(t *testing.T) {
	b := mqtttest.NewBroker(t)
	sub := connected(t, b, "sub", fake.Version(5))
	sub.Subscribe(1, "up")
	pub := connected(t, b, "pub", fake.Version(5))
	pub.Publish(fake.Publish{Topic: "up", QoS: 1, UserProperties: []mqtttest.UserProperty{{Key: "trace", Value: "42"}}})
	m := sub.Expect(mqtttest.Publish("up"))
	if len(m.Properties.UserProperties) != 1 || m.Properties.UserProperties[0] != (mqtttest.UserProperty{Key: "trace", Value: "42"}) {
		t.Errorf("user properties %v", m.Properties.UserProperties)
	}
}
