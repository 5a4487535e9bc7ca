package fake_test

import (
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// acksFrom returns the acks (PUBACK..PUBCOMP) client id sent to the broker,
// once a PINGREQ it sends after everything else has been recorded.
func acksFrom(t *testing.T, b *mqtttest.Broker, c *fake.Client, id string) []mqtttest.Record {
	t.Helper()
	c.Ping() // written after any ack the client has decided on
	wait(t, b, mqtttest.ClientID(id), mqtttest.Type(mqtttest.TypePingreq))
	return b.Recorder().Find(mqtttest.ClientID(id), mqtttest.Dir(mqtttest.ToBroker),
		mqtttest.Where("an ack", func(r mqtttest.Record) bool {
			return r.Type >= mqtttest.TypePuback && r.Type <= mqtttest.TypePubcomp
		}))
}

// TestAckNever leaves a QoS 1 delivery unacknowledged; the broker resends it
// with DUP when the subscriber comes back to its session, and the new
// connection, with automatic acks, completes it.
func TestAckNever(t *testing.T) {
	b := mqtttest.NewBroker(t)
	sub := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
	sub.Connect(fake.Connect{ClientID: "sub"}) // persistent session
	sub.Subscribe(1, "never")
	pub := connected(t, b, "pub")
	pub.Publish(fake.Publish{Topic: "never", Payload: []byte("m"), QoS: 1})

	first := sub.Expect(mqtttest.Publish("never"))
	if acks := acksFrom(t, b, sub, "sub"); len(acks) != 0 {
		t.Fatalf("AckNever sent %s", acks[0].Line())
	}
	sub.Close()

	again := fake.Dial(t, b.Addr())
	if ack := again.Connect(fake.Connect{ClientID: "sub"}); !ack.SessionPresent {
		t.Fatalf("CONNACK %s, want a session present", ack.Line())
	}
	resent := again.Expect(mqtttest.Publish("never"))
	if !resent.Dup || resent.PacketID != first.PacketID || string(resent.Payload) != "m" {
		t.Errorf("resent %s, first %s", resent.Line(), first.Line())
	}
	wait(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePuback), mqtttest.PacketID(first.PacketID))
}

// TestAckAfter sends acks late, from a timer, while the client goes on
// reading: both messages arrive before either is acknowledged.
func TestAckAfter(t *testing.T) {
	const delay = 100 * time.Millisecond
	b := mqtttest.NewBroker(t)
	sub := connected(t, b, "sub", fake.Acks(fake.AckAfter(delay)))
	sub.Subscribe(2, "late/#")
	pub := connected(t, b, "pub")
	pub.Publish(fake.Publish{Topic: "late/1", QoS: 1})
	pub.Publish(fake.Publish{Topic: "late/2", QoS: 2})
	m1 := sub.Expect(mqtttest.Publish("late/1"))
	m2 := sub.Expect(mqtttest.Publish("late/2"))

	rec1 := wait(t, b, mqtttest.ClientID("sub"), mqtttest.Publish("late/1"))
	ack1 := wait(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePuback), mqtttest.PacketID(m1.PacketID))
	rec2 := wait(t, b, mqtttest.ClientID("sub"), mqtttest.Publish("late/2"))
	rel := wait(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePubrel), mqtttest.PacketID(m2.PacketID))
	comp := wait(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePubcomp), mqtttest.PacketID(m2.PacketID))
	if d := ack1.Time.Sub(rec1.Time); d < delay {
		t.Errorf("PUBACK %v after its PUBLISH, want at least %v", d, delay)
	}
	if ack1.Seq < rec2.Seq {
		t.Errorf("PUBACK for the first message (seq %d) before the second message arrived (seq %d)", ack1.Seq, rec2.Seq)
	}
	if d := comp.Time.Sub(rel.Time); d < delay {
		t.Errorf("PUBCOMP %v after its PUBREL, want at least %v", d, delay)
	}
}

// TestAckAfterClose closes a client with acks still to send: Close does not
// wait for them, and no timer or goroutine outlives it (goleak checks).
func TestAckAfterClose(t *testing.T) {
	b := mqtttest.NewBroker(t)
	sub := connected(t, b, "sub", fake.Acks(fake.AckAfter(time.Hour)))
	sub.Subscribe(1, "slow")
	pub := connected(t, b, "pub")
	pub.Publish(fake.Publish{Topic: "slow", QoS: 1})
	sub.Expect(mqtttest.Publish("slow"))
	start := time.Now()
	sub.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with an ack pending", d)
	}
	sub.Close() // idempotent
}

// TestAckFirst acknowledges the first n packets only. A QoS 2 delivery with
// AckFirst(1) gets PUBREC but no PUBCOMP.
func TestAckFirst(t *testing.T) {
	b := mqtttest.NewBroker(t)
	sub := connected(t, b, "sub", fake.Acks(fake.AckFirst(1)))
	sub.Subscribe(2, "first")
	pub := connected(t, b, "pub")
	pub.Publish(fake.Publish{Topic: "first", QoS: 2})
	m := sub.Expect(mqtttest.Publish("first"))
	sub.Expect(mqtttest.Type(mqtttest.TypePubrel), mqtttest.PacketID(m.PacketID))
	acks := acksFrom(t, b, sub, "sub")
	if got := sequence(acks); got != "to-broker PUBREC" {
		t.Errorf("acks sent: %s, want only PUBREC", got)
	}

	// SetAcks starts a new count: two QoS 1 messages, one PUBACK.
	sub.SetAcks(fake.AckFirst(1))
	pub.Publish(fake.Publish{Topic: "first", QoS: 1, Payload: []byte("a")})
	pub.Publish(fake.Publish{Topic: "first", QoS: 1, Payload: []byte("b")})
	a := sub.Expect(mqtttest.Publish("first"))
	bm := sub.Expect(mqtttest.Publish("first"))
	acks = acksFrom(t, b, sub, "sub")
	if len(acks) != 2 || acks[1].Type != mqtttest.TypePuback || acks[1].PacketID != a.PacketID {
		t.Errorf("acks after SetAcks: %s; want one PUBACK, for %s and not %s", sequence(acks), a.Line(), bm.Line())
	}
}

// TestOwnQoS2WithoutPubrel publishes at QoS 2 with AckNever: the broker's
// PUBREC gets no PUBREL. Switching to AckAuto does not answer it later.
func TestOwnQoS2WithoutPubrel(t *testing.T) {
	b := mqtttest.NewBroker(t)
	pub := connected(t, b, "pub", fake.Acks(fake.AckNever()))
	id := pub.Publish(fake.Publish{Topic: "q2", QoS: 2})
	pub.Expect(mqtttest.Type(mqtttest.TypePubrec), mqtttest.PacketID(id))
	if acks := acksFrom(t, b, pub, "pub"); len(acks) != 0 {
		t.Errorf("sent %s", sequence(acks))
	}
	pub.SetAcks(fake.AckAuto())
	if acks := acksFrom(t, b, pub, "pub"); len(acks) != 0 {
		t.Errorf("sent %s after switching to AckAuto", sequence(acks))
	}
}
