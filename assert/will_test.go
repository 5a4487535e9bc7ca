package assert_test

import (
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

func withWill(topic, payload string) func(*paho.ClientOptions) {
	return func(o *paho.ClientOptions) { o.SetWill(topic, payload, 1, true) }
}

func TestWill(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	watcher := connect(t, b, "watcher")
	watcher.sub(t, "dev/+/availability", 1)

	connect(t, b, "crashed", withWill("dev/crashed/availability", "offline"))
	if err := b.Disconnect("crashed", mqtttest.Abrupt); err != nil {
		t.Fatal(err)
	}
	passes(t, "WillPublished after an abrupt close", func(c assert.TestingT) bool {
		return assert.WillPublished(c, rec, "crashed", waitTime)
	})
	fails(t, "NoWill after an abrupt close", func(c assert.TestingT) bool {
		return assert.NoWill(c, rec, "crashed", waitTime) // fails as soon as the will is seen
	}, "assert.NoWill: the will of crashed was published", "ended: closed by test without DISCONNECT",
		"seen: broker → watcher  PUBLISH", "dev/crashed/availability")

	polite := connect(t, b, "polite", withWill("dev/polite/availability", "offline"))
	polite.Disconnect(1000) // sends DISCONNECT: the will is discarded
	waitFor(t, b, mqtttest.ClientID("polite"), mqtttest.Closed())
	passes(t, "NoWill after DISCONNECT", func(c assert.TestingT) bool {
		return assert.NoWill(c, rec, "polite", shortWait)
	})
	fails(t, "WillPublished after DISCONNECT", func(c assert.TestingT) bool {
		return assert.WillPublished(c, rec, "polite", waitTime) // decided at once: no will is due
	}, "assert.WillPublished: the will of polite was not published",
		`want: will "dev/polite/availability" "offline" q1 retain delivered to a subscriber`,
		"ended: the client sent DISCONNECT (reason 0x00), then the connection closed")

	connect(t, b, "nowill")
	fails(t, "NoWill without a will", func(c assert.TestingT) bool {
		return assert.NoWill(c, rec, "nowill", waitTime)
	}, "nowill's CONNECT carries no will: nothing to check")
	fails(t, "WillPublished without a will", func(c assert.TestingT) bool {
		return assert.WillPublished(c, rec, "nowill", waitTime)
	}, "seen: nowill's CONNECT carries no will")
	fails(t, "NoWill on an open connection", func(c assert.TestingT) bool {
		connect(t, b, "open", withWill("dev/open/availability", "offline"))
		return assert.NoWill(c, rec, "open", shortWait)
	}, "open's connection did not end with a clean DISCONNECT within 1s", "seen: the connection is still open")
	fails(t, "WillPublished, nobody subscribed", func(c assert.TestingT) bool {
		connect(t, b, "unseen", withWill("elsewhere/unseen", "gone"))
		if err := b.Disconnect("unseen", mqtttest.Abrupt); err != nil {
			t.Fatal(err)
		}
		return assert.WillPublished(c, rec, "unseen", shortWait)
	}, `seen: no client received "elsewhere/unseen" "gone"`)
}

// TestWillSameAsAPublish covers a device that publishes its will's message
// itself (retained "offline" before shutting down): that delivery is not
// the will, and a will after it still counts.
func TestWillSameAsAPublish(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	connect(t, b, "watcher").sub(t, "dev/+/availability", 1)

	graceful := connect(t, b, "graceful", withWill("dev/graceful/availability", "offline"))
	graceful.pub(t, "dev/graceful/availability", 1, true, "offline")
	graceful.Disconnect(1000)
	waitFor(t, b, mqtttest.ClientID("watcher"), mqtttest.Publish("dev/graceful/availability"))
	passes(t, "NoWill, the device published the same message", func(c assert.TestingT) bool {
		return assert.NoWill(c, rec, "graceful", shortWait)
	})
	fails(t, "WillPublished, the device published the same message", func(c assert.TestingT) bool {
		return assert.WillPublished(c, rec, "graceful", waitTime)
	}, "the client sent DISCONNECT")

	crashed := connect(t, b, "crashed", withWill("dev/crashed/availability", "offline"))
	crashed.pub(t, "dev/crashed/availability", 1, true, "offline")
	waitFor(t, b, mqtttest.ClientID("watcher"), mqtttest.Publish("dev/crashed/availability"))
	if err := b.Disconnect("crashed", mqtttest.Abrupt); err != nil {
		t.Fatal(err)
	}
	passes(t, "WillPublished after the same message was published", func(c assert.TestingT) bool {
		return assert.WillPublished(c, rec, "crashed", waitTime)
	})
}
