package assert_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestRedelivered cuts a persistent QoS 1 subscriber before its PUBACK
// reaches the broker; when it connects again, the broker sends the message
// again with DUP and the same packet ID. A message sent once, and one sent
// again on the same connection, are not redeliveries.
func TestRedelivered(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	f := inject(t, b, mqtttest.CutBefore(mqtttest.Type(mqtttest.TypePuback), mqtttest.ClientID("sub")).Times(1))
	connect(t, b, "sub", persistent).sub(t, "jobs/#", 1)
	if err := b.Publish("jobs/1", []byte("build"), 1, false); err != nil {
		t.Fatal(err)
	}
	if err := f.Wait(waitTime); err != nil {
		t.Fatal(err)
	}
	fails(t, "Redelivered, before the client is back", func(c assert.TestingT) bool {
		return assert.Redelivered(c, rec, "sub", "jobs/#", assert.Payload("build"), shortWait)
	}, `assert.Redelivered: the message on "jobs/#" was not sent to sub again on a later connection within 50ms`,
		`want: PUBLISH to sub on "jobs/#", payload "build", QoS 1 or 2; then again on a later connection, DUP set, same packet ID`,
		`seen: 1 send(s):`, `conn#1 id=1 q1 jobs/1 "build"`)
	connect(t, b, "sub", persistent)
	passes(t, "Redelivered", func(c assert.TestingT) bool {
		return assert.Redelivered(c, rec, "sub", "jobs/#", assert.Payload("build"), waitTime)
	})
	fails(t, "Redelivered, another payload", func(c assert.TestingT) bool {
		return assert.Redelivered(c, rec, "sub", "jobs/#", assert.Payload("test"), shortWait)
	}, "seen: no such PUBLISH with QoS 1 or 2")
}

// TestRedeliveredNeedsALaterConnection: a DUP copy on the same connection
// (a fault's duplicate here, marked DUP by no one) is not a redelivery, and
// fixed records decide at once.
func TestRedeliveredNeedsALaterConnection(t *testing.T) {
	pub := func(conn uint64, dup bool) mqtttest.Record {
		return mqtttest.Record{Event: mqtttest.EventPacket, Type: mqtttest.TypePublish, Dir: mqtttest.ToClient, Conn: conn,
			ClientID: "sub", Topic: "a", Payload: []byte("x"), QoS: 1, PacketID: 4, Dup: dup}
	}
	fails(t, "same connection", func(c assert.TestingT) bool {
		return assert.Redelivered(c, assert.Records{pub(1, false), pub(1, true)}, "sub", "a", assert.AnyPayload, waitTime)
	}, "conn#1 id=4 q1 a \"x\" dup")
	fails(t, "no DUP", func(c assert.TestingT) bool {
		return assert.Redelivered(c, assert.Records{pub(1, false), pub(2, false)}, "sub", "a", assert.AnyPayload, waitTime)
	}, "conn#2 id=4 q1 a \"x\"")
	passes(t, "later connection, DUP", func(c assert.TestingT) bool {
		return assert.Redelivered(c, assert.Records{pub(1, false), pub(2, true)}, "sub", "a", assert.AnyPayload, waitTime)
	})
	otherID := pub(2, true)
	otherID.PacketID = 5
	fails(t, "another packet ID", func(c assert.TestingT) bool {
		return assert.Redelivered(c, assert.Records{pub(1, false), otherID}, "sub", "a", assert.AnyPayload, waitTime)
	}, "conn#2 id=5 q1 a \"x\" dup")
	withheld := pub(2, true)
	withheld.Withheld, withheld.Fault = true, "dropped"
	fails(t, "the resend withheld", func(c assert.TestingT) bool {
		return assert.Redelivered(c, assert.Records{pub(1, false), withheld}, "sub", "a", assert.AnyPayload, waitTime)
	}, "conn#2 id=4 q1 a \"x\" dup (withheld: dropped)")
	fails(t, "no client ID", func(c assert.TestingT) bool {
		return assert.Redelivered(c, assert.Records{pub(1, false), pub(2, true)}, "", "a", assert.AnyPayload, waitTime)
	}, "assert.Redelivered: no client ID")
}
