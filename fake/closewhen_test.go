package fake_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestCloseWhenPubrec kills the publisher of a QoS 2 message after the
// broker's PUBREC: no PUBREL is sent. Coming back to its session, the client
// gets the PUBREC again [MQTT-4.4.0-1] and completes the flow.
func TestCloseWhenPubrec(t *testing.T) {
	b := mqtttest.NewBroker(t)
	sub := connected(t, b, "sub")
	sub.Subscribe(2, "cw/#")

	pub := fake.Dial(t, b.Addr())
	pub.Connect(fake.Connect{ClientID: "pub"}) // persistent session
	pub.CloseWhen(mqtttest.Type(mqtttest.TypePubrec))
	id := pub.Publish(fake.Publish{Topic: "cw/rec", Payload: []byte("once"), QoS: 2})
	left := pub.ExpectClosed()
	if len(left) != 1 || left[0].Type != mqtttest.TypePubrec || left[0].PacketID != id {
		t.Fatalf("packets left at close: %d, want the PUBREC", len(left))
	}
	closed := wait(t, b, mqtttest.ClientID("pub"), mqtttest.Closed())
	if closed.ClosedBy != "client" {
		t.Errorf("closed by %s: %s", closed.ClosedBy, closed.Line())
	}
	if rs := b.Recorder().Find(mqtttest.ClientID("pub"), mqtttest.Type(mqtttest.TypePubrel)); len(rs) != 0 {
		t.Fatalf("PUBREL sent before closing: %s", rs[0].Line())
	}

	again := fake.Dial(t, b.Addr())
	again.Connect(fake.Connect{ClientID: "pub"})
	again.Expect(mqtttest.Type(mqtttest.TypePubrec), mqtttest.PacketID(id))
	again.Expect(mqtttest.Type(mqtttest.TypePubcomp), mqtttest.PacketID(id))
	if m := sub.Expect(mqtttest.Publish("cw/rec")); string(m.Payload) != "once" {
		t.Errorf("subscriber got %s", m.Line())
	}
	// Whatever the broker sent sub before this PINGRESP, sub has read.
	sub.Ping()
	if n := len(matching(sub.Received(), mqtttest.Publish("cw/rec"))); n != 1 {
		t.Errorf("subscriber got the message %d times, want once", n)
	}
}

// matching returns the records matching every matcher.
func matching(rs []mqtttest.Record, m ...mqtttest.Matcher) []mqtttest.Record {
	var out []mqtttest.Record
	for _, r := range rs {
		ok := true
		for _, x := range m {
			ok = ok && x.Match(&r)
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// TestCloseWhenPubrel kills a QoS 2 subscriber after it has sent PUBREC and
// received PUBREL: PUBCOMP is never sent. Back in its session, the client
// gets the PUBREL again and, with automatic acks, completes the flow.
func TestCloseWhenPubrel(t *testing.T) {
	b := mqtttest.NewBroker(t)
	sub := fake.Dial(t, b.Addr())
	sub.Connect(fake.Connect{ClientID: "sub"})
	sub.Subscribe(2, "cw/#")
	sub.CloseWhen(mqtttest.Type(mqtttest.TypePubrel))
	pub := connected(t, b, "pub")
	pub.Publish(fake.Publish{Topic: "cw/rel", QoS: 2})

	m := sub.Expect(mqtttest.Publish("cw/rel"))
	rel := sub.Expect(mqtttest.Type(mqtttest.TypePubrel)) // the connection is closed already
	sub.ExpectClosed()
	wait(t, b, mqtttest.ClientID("sub"), mqtttest.Closed())
	if got := sequence(b.Recorder().Find(mqtttest.ClientID("sub"), mqtttest.PacketID(m.PacketID),
		mqtttest.Where("not the subscription", func(r mqtttest.Record) bool { return r.Type != mqtttest.TypeSuback && r.Type != mqtttest.TypeSubscribe }))); got != "to-client PUBLISH, to-broker PUBREC, to-client PUBREL" {
		t.Errorf("subscriber's flow: %s", got)
	}

	again := fake.Dial(t, b.Addr())
	again.Connect(fake.Connect{ClientID: "sub"})
	again.Expect(mqtttest.Type(mqtttest.TypePubrel), mqtttest.PacketID(rel.PacketID))
	wait(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePubcomp), mqtttest.PacketID(rel.PacketID))
}
