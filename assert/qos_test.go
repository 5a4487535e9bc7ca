package assert_test

import (
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

func TestDeliveryCounts(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	inject(t, b, mqtttest.Duplicate(mqtttest.ClientID("twice"), mqtttest.Dir(mqtttest.ToClient), mqtttest.Publish("orders/#")))
	inject(t, b, mqtttest.Drop(mqtttest.ClientID("never"), mqtttest.Dir(mqtttest.ToClient), mqtttest.Publish("orders/#")))
	for _, id := range []string{"once", "twice", "never"} {
		connect(t, b, id).sub(t, "orders/#", 1)
	}
	connect(t, b, "pub").pub(t, "orders/42", 1, false, "paid")
	waitFor(t, b, mqtttest.ClientID("twice"), mqtttest.Type(mqtttest.TypePuback), mqtttest.Dir(mqtttest.ToBroker))
	waitFor(t, b, mqtttest.ClientID("never"), mqtttest.Publish("orders/42"))

	passes(t, "ExactlyOnce", func(c assert.TestingT) bool {
		return assert.ExactlyOnce(c, rec, "once", "orders/+", assert.Payload("paid"), waitTime)
	})
	passes(t, "AtMostOnce", func(c assert.TestingT) bool {
		return assert.AtMostOnce(c, rec, "once", "orders/+", assert.Payload("paid"))
	})
	passes(t, "AtLeastOnce", func(c assert.TestingT) bool {
		return assert.AtLeastOnce(c, rec, "twice", "orders/42", assert.AnyPayload, waitTime)
	})
	passes(t, "AtMostOnce, nothing delivered", func(c assert.TestingT) bool {
		return assert.AtMostOnce(c, rec, "never", "orders/42", assert.AnyPayload)
	})
	fails(t, "ExactlyOnce, a duplicate", func(c assert.TestingT) bool {
		return assert.ExactlyOnce(c, rec, "twice", "orders/+", assert.Payload("paid"), waitTime)
	}, `assert.ExactlyOnce: the message on "orders/+" reached twice 2 times`,
		`want: exactly once: PUBLISH to twice on "orders/+", payload "paid"`,
		"seen: 2 deliveries, counted from 1 PUBLISH record(s)", "flows of those packet IDs on twice:",
		"[fault: duplicated]", "twice → broker  PUBACK  id=1")
	fails(t, "AtMostOnce, a duplicate", func(c assert.TestingT) bool {
		return assert.AtMostOnce(c, rec, "twice", "orders/+", assert.AnyPayload)
	}, "reached twice 2 times")
	fails(t, "AtLeastOnce, dropped", func(c assert.TestingT) bool {
		return assert.AtLeastOnce(c, rec, "never", "orders/42", assert.AnyPayload, shortWait)
	}, `assert.AtLeastOnce: the message on "orders/42" never reached never`, "want: at least once within 50ms",
		"seen: 0 deliveries, counted from 0 PUBLISH record(s)")
	fails(t, "ExactlyOnce, dropped", func(c assert.TestingT) bool {
		return assert.ExactlyOnce(c, rec, "never", "orders/42", assert.AnyPayload, shortWait)
	}, "never reached never", "[fault: dropped]")
}

// qos2Resent is a QoS 2 flow to sub-1 in which the broker resends the
// PUBLISH (DUP) after the PUBREC was lost, then, after the flow ended,
// sends the same message again under the same packet ID.
func qos2Resent(second bool) assert.Records {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	seq := uint64(0)
	rec := func(dir mqtttest.Direction, typ mqtttest.PacketType, dup bool) mqtttest.Record {
		seq++
		r := mqtttest.Record{Seq: seq, Time: at.Add(time.Duration(seq) * time.Millisecond), Conn: 1, ClientID: "sub-1",
			Event: mqtttest.EventPacket, Dir: dir, Type: typ, Version: 4, PacketID: 7}
		if typ == mqtttest.TypePublish {
			r.Topic, r.Payload, r.QoS, r.Dup = "orders/42", []byte("paid"), 2, dup
		}
		return r
	}
	rs := assert.Records{
		rec(mqtttest.ToClient, mqtttest.TypePublish, false),
		rec(mqtttest.ToBroker, mqtttest.TypePubrec, false),
		rec(mqtttest.ToClient, mqtttest.TypePublish, true), // the same delivery [MQTT-4.3.3-10]
		rec(mqtttest.ToBroker, mqtttest.TypePubrec, false),
		rec(mqtttest.ToClient, mqtttest.TypePubrel, false),
		rec(mqtttest.ToBroker, mqtttest.TypePubcomp, false),
	}
	if second {
		rs = append(rs, rec(mqtttest.ToClient, mqtttest.TypePublish, true)) // after PUBREL: a new delivery
	}
	return rs
}

func TestQoS2ResendIsOneDelivery(t *testing.T) {
	passes(t, "ExactlyOnce, a resend before PUBREL", func(c assert.TestingT) bool {
		return assert.ExactlyOnce(c, qos2Resent(false), "sub-1", "orders/42", assert.Payload("paid"), 0)
	})
	passes(t, "HandshakeCompleted, a resend before PUBREL", func(c assert.TestingT) bool {
		return assert.HandshakeCompleted(c, qos2Resent(false), "sub-1", "orders/42", assert.AnyPayload, 0)
	})
	fails(t, "ExactlyOnce, sent again after PUBREL", func(c assert.TestingT) bool {
		return assert.ExactlyOnce(c, qos2Resent(true), "sub-1", "orders/42", assert.Payload("paid"), 0)
	}, "reached sub-1 2 times", "seen: 2 deliveries, counted from 3 PUBLISH record(s)")
}

func TestHandshakeCompleted(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	sub := connect(t, b, "sub")
	sub.sub(t, "jobs/#", 2)
	pub := connect(t, b, "pub")
	pub.pub(t, "jobs/1", 2, false, "start")
	pub.pub(t, "jobs/2", 1, false, "stop")

	passes(t, "HandshakeCompleted, QoS 2 publisher", func(c assert.TestingT) bool {
		return assert.HandshakeCompleted(c, rec, "pub", "jobs/1", assert.Payload("start"), waitTime)
	})
	passes(t, "HandshakeCompleted, QoS 2 subscriber", func(c assert.TestingT) bool {
		return assert.HandshakeCompleted(c, rec, "sub", "jobs/1", assert.Payload("start"), waitTime)
	})
	passes(t, "HandshakeCompleted, QoS 1", func(c assert.TestingT) bool {
		return assert.HandshakeCompleted(c, rec, "sub", "jobs/2", assert.AnyPayload, waitTime)
	})

	inject(t, b, mqtttest.Drop(mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePubcomp)))
	pub.pub(t, "jobs/3", 2, false, "pause")
	fails(t, "HandshakeCompleted, PUBCOMP dropped", func(c assert.TestingT) bool {
		return assert.HandshakeCompleted(c, rec, "sub", "jobs/3", assert.AnyPayload, shortWait)
	}, "assert.HandshakeCompleted: the QoS 2 handshake of id=", "did not complete within 50ms",
		"want: PUBLISH q2 id=", "broker → sub, PUBREC sub → broker, PUBREL broker → sub, PUBCOMP sub → broker",
		"missing: PUBCOMP", "flow of id=", "[fault: dropped]")
	fails(t, "HandshakeCompleted, no such PUBLISH", func(c assert.TestingT) bool {
		return assert.HandshakeCompleted(c, rec, "sub", "jobs/9", assert.AnyPayload, shortWait)
	}, `no PUBLISH of sub on "jobs/9" within 50ms`)

	refused := assert.Records{
		{Seq: 1, Event: mqtttest.EventPacket, Dir: mqtttest.ToBroker, Type: mqtttest.TypePublish, ClientID: "v5", Topic: "jobs/x", QoS: 1, PacketID: 3, Version: 5},
		{Seq: 2, Event: mqtttest.EventPacket, Dir: mqtttest.ToClient, Type: mqtttest.TypePuback, ClientID: "v5", PacketID: 3, ReasonCode: 0x87, Version: 5},
	}
	fails(t, "HandshakeCompleted, refused", func(c assert.TestingT) bool {
		return assert.HandshakeCompleted(c, refused, "v5", "jobs/x", assert.AnyPayload, 0)
	}, "PUBACK id=3 refused the message: reason code 0x87")
}

func TestInOrder(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	connect(t, b, "sub").sub(t, "seq/#", 1)
	pub := connect(t, b, "pub")
	for _, p := range []string{"1", "2", "3"} {
		pub.pub(t, "seq/a", 1, false, p)
	}
	passes(t, "InOrder", func(c assert.TestingT) bool {
		return assert.InOrder(c, rec, "sub", "seq/a", waitTime, "1", "2", "3")
	})
	passes(t, "InOrder, a subsequence", func(c assert.TestingT) bool {
		return assert.InOrder(c, rec, "sub", "seq/+", waitTime, "1", "3")
	})
	fails(t, "InOrder, out of order", func(c assert.TestingT) bool {
		return assert.InOrder(c, rec, "sub", "seq/a", waitTime, "2", "1", "3")
	}, `assert.InOrder: sub received the messages on "seq/a" out of order`, `want: "2", "1", "3"`, `seen: "1", "2", "3"`,
		"PUBLISH to sub on seq/a:")
	fails(t, "InOrder, one missing", func(c assert.TestingT) bool {
		return assert.InOrder(c, rec, "sub", "seq/a", shortWait, "1", "2", "3", "4")
	}, `sub received 3 of 4 messages on "seq/a" within 50ms`, `seen: "1", "2", "3"`)
}

// TestExactlyOnceFaultDuplicatedQoS2 checks how ExactlyOnce counts a QoS 2
// PUBLISH a Duplicate fault wrote twice: both copies carry a packet ID the
// broker has not released, so a compliant receiver takes them as one
// delivery [MQTT-4.3.3-10], and ExactlyOnce counts it once. The same payload
// published again after the flow ended (PUBREL, PUBCOMP) is a new message:
// it counts as a second delivery and fails ExactlyOnce.
func TestExactlyOnceFaultDuplicatedQoS2(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	inject(t, b, mqtttest.Duplicate(mqtttest.ClientID("sub"), mqtttest.Dir(mqtttest.ToClient), mqtttest.Publish("orders/#")).Times(1))
	connect(t, b, "sub").sub(t, "orders/#", 2)
	pub := connect(t, b, "pub")
	pub.pub(t, "orders/42", 2, false, "paid")
	first := waitFor(t, b, mqtttest.ClientID("sub"), mqtttest.Publish("orders/42"))
	if !first.Duplicated || first.QoS != 2 {
		t.Fatalf("want the fault to duplicate a QoS 2 PUBLISH to sub; got %s", first.Line())
	}
	waitFor(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePubcomp), mqtttest.PacketID(first.PacketID))

	passes(t, "ExactlyOnce, a QoS 2 PUBLISH a fault duplicated", func(c assert.TestingT) bool {
		return assert.ExactlyOnce(c, rec, "sub", "orders/+", assert.Payload("paid"), waitTime)
	})
	passes(t, "AtMostOnce, the same", func(c assert.TestingT) bool {
		return assert.AtMostOnce(c, rec, "sub", "orders/+", assert.Payload("paid"))
	})

	pub.pub(t, "orders/42", 2, false, "paid") // after the first was released: a new delivery
	second := waitFor(t, b, mqtttest.ClientID("sub"), mqtttest.Publish("orders/42"), mqtttest.After(first.Seq))
	if second.Duplicated {
		t.Fatalf("the fault acted twice: %s", second.Line())
	}
	fails(t, "ExactlyOnce, the same payload published again", func(c assert.TestingT) bool {
		return assert.ExactlyOnce(c, rec, "sub", "orders/+", assert.Payload("paid"), waitTime)
	}, `assert.ExactlyOnce: the message on "orders/+" reached sub 2 times`,
		"seen: 2 deliveries, counted from 2 PUBLISH record(s)",
		"a QoS 2 PUBLISH again under a packet ID not yet released by PUBREL is the same delivery and counts once (a fault's copy too)",
		"[fault: duplicated]")
}
