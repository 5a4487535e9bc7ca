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
