package assert_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

func TestRetained(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	early := connect(t, b, "early")
	early.sub(t, "dev/+/status", 1)
	pub := connect(t, b, "pub")
	pub.pub(t, "dev/1/status", 1, true, "online")

	passes(t, "Retained, the payload published", func(c assert.TestingT) bool {
		return assert.Retained(c, b, "dev/1/status", assert.Payload("online"))
	})
	fails(t, "Retained, another payload", func(c assert.TestingT) bool {
		return assert.Retained(c, b, "dev/1/status", assert.Payload("offline"))
	}, `assert.Retained: the broker does not retain the wanted message on "dev/1/status"`,
		`want: retained on "dev/1/status": "offline"`, `seen: retained on "dev/1/status": "online" q1`)
	fails(t, "NoRetained, a topic that holds one", func(c assert.TestingT) bool {
		return assert.NoRetained(c, b, "dev/1/status")
	}, `seen: retained on "dev/1/status": "online"`)

	// A subscriber that comes later gets the retained message with the flag
	// set [MQTT-3.3.1-6]; the one subscribed before got a live copy without it
	// [MQTT-3.3.1-9].
	late := connect(t, b, "late")
	late.sub(t, "dev/#", 1)
	passes(t, "ReceivedRetained, a late subscriber", func(c assert.TestingT) bool {
		return assert.ReceivedRetained(c, rec, "late", "dev/1/status", assert.Payload("online"), waitTime)
	})
	fails(t, "ReceivedRetained, a live copy", func(c assert.TestingT) bool {
		return assert.ReceivedRetained(c, rec, "early", "dev/+/status", assert.Payload("online"), shortWait)
	}, `no retained PUBLISH on "dev/+/status" reached early`, "with retain=1",
		`seen: 1 PUBLISH to early:`, `dev/1/status "online" q1`+"\n")

	// An empty retained publish clears it [MQTT-3.3.1-10, MQTT-3.3.1-11].
	pub.pub(t, "dev/1/status", 1, true, "")
	passes(t, "NoRetained after an empty retained publish", func(c assert.TestingT) bool {
		return assert.NoRetained(c, b, "dev/1/status")
	})
	fails(t, "Retained after an empty retained publish", func(c assert.TestingT) bool {
		return assert.Retained(c, b, "dev/1/status", assert.AnyPayload)
	}, `seen: no retained message on "dev/1/status"`)
	passes(t, "Retained over mqtttest.Broker.Publish", func(c assert.TestingT) bool {
		if err := b.Publish("dev/2/status", []byte("online"), 0, true); err != nil {
			t.Fatal(err)
		}
		return assert.Retained(c, b, "dev/2/status", assert.Payload("online"))
	})
}
