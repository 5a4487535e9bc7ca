package assert_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

func TestReceived(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	sub := connect(t, b, "sub")
	sub.sub(t, "home/+/temp", 1)
	connect(t, b, "pub").pub(t, "home/kitchen/temp", 1, false, "21.5")

	passes(t, "Received, the payload published", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "home/+/temp", assert.Payload("21.5"), waitTime)
	})
	passes(t, "Received, any client", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "", "home/#", assert.AnyPayload, waitTime)
	})
	passes(t, "Received over a fixed slice", func(c assert.TestingT) bool {
		return assert.Received(c, assert.Records(rec.Records()), "sub", "home/kitchen/temp", assert.PayloadBytes([]byte("21.5")), 0)
	})
	fails(t, "Received, another payload", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "home/+/temp", assert.Payload("99"), shortWait)
	}, "assert.Received: no matching PUBLISH reached sub within 50ms",
		`want: PUBLISH to sub on "home/+/temp", payload "99"`,
		"seen: 1 PUBLISH to sub:", `home/kitchen/temp "21.5" q1`,
		"records of sub:", "sub → broker  SUBSCRIBE")
	fails(t, "Received, a client that got nothing", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "pub", "#", assert.PayloadWhere("a number above 30", func([]byte) bool { return false }), shortWait)
	}, "payload a number above 30", "seen: no PUBLISH to pub")
}

func TestNotReceived(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	sub := connect(t, b, "sub")
	sub.sub(t, "home/#", 0)
	pub := connect(t, b, "pub")
	pub.pub(t, "office/lights", 1, false, "on") // nobody subscribes: an ephemeral message is gone
	pub.pub(t, "home/door", 1, false, "open")
	waitFor(t, b, mqtttest.ClientID("sub"), mqtttest.Publish("home/door"))

	passes(t, "NotReceived, a topic with no subscription", func(c assert.TestingT) bool {
		return assert.NotReceived(c, rec, "sub", "office/#", shortWait)
	})
	fails(t, "NotReceived, a topic that was delivered", func(c assert.TestingT) bool {
		return assert.NotReceived(c, rec, "sub", "home/+", waitTime) // fails at once, not after waitTime
	}, `assert.NotReceived: sub received a PUBLISH on "home/+"`, `want: no PUBLISH to sub on "home/+" for 10s`,
		"seen: broker → sub  PUBLISH", "home/door")
}

// TestFailureSaysTheBrokerDropped: when the message an assertion waits for
// was dropped by the broker, the failure says so and why, so that the test
// does not blame the client.
func TestFailureSaysTheBrokerDropped(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithMaxInflight(1))
	rec := b.Recorder()
	pub := connect(t, b, "pub")
	pub.pub(t, "early/news", 1, false, "nobody listens yet") // published before the subscription
	sub := connect(t, b, "sub", persistent)
	sub.sub(t, "early/#", 1)

	fails(t, "Received, a message with no subscriber when it was published", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "early/#", assert.Payload("nobody listens yet"), shortWait)
	}, "the broker dropped 1 matching message(s): no subscriber matched",
		`dropped by the broker: PUBLISH q1 early/news "nobody listens yet" from pub: no subscriber matched`)
	fails(t, "ExactlyOnce, the same", func(c assert.TestingT) bool {
		return assert.ExactlyOnce(c, rec, "sub", "early/#", assert.AnyPayload, shortWait)
	}, `never reached sub; the broker dropped 1 matching message(s): no subscriber matched`)

	// With WithMaxInflight(1), sub's offline session has room for one
	// message; the broker drops the second.
	if err := b.Disconnect("sub", mqtttest.Abrupt); err != nil {
		t.Fatal(err)
	}
	pub.pub(t, "early/a", 1, false, "queued")
	pub.pub(t, "early/b", 1, false, "over the limit")
	fails(t, "AtLeastOnce, a message the in-flight limit dropped", func(c assert.TestingT) bool {
		return assert.AtLeastOnce(c, rec, "sub", "early/b", assert.AnyPayload, shortWait)
	}, "the broker dropped 1 matching message(s): the client had 1 messages in flight, the limit (WithMaxInflight)",
		`PUBLISH q1 early/b "over the limit" for sub`)
	if ds := rec.Find(mqtttest.BrokerDropped(), mqtttest.Topic("early/a")); len(ds) > 0 {
		t.Errorf("early/a was queued for sub, not dropped: %s", ds[0].Line())
	}
}
