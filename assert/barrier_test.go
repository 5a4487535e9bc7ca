package assert_test

import (
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestNotReceivedWaitsForTheBroker: NotReceived first waits
// until the broker has finished with what it has read, so a delivery the
// broker is slow to make is still caught, however short the window. A
// Delay fault holds the publisher's PUBLISH for 200 ms after the broker has
// read it; a window of 1 ms alone would pass having checked nothing.
func TestNotReceivedWaitsForTheBroker(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	connect(t, b, "sub").sub(t, "slow/#", 1)
	inject(t, b, mqtttest.Delay(200*time.Millisecond, mqtttest.Publish("slow/#"), mqtttest.ClientID("pub")))
	connect(t, b, "pub").pub(t, "slow/1", 0, false, "late")
	waitFor(t, b, mqtttest.Publish("slow/1"), mqtttest.ClientID("pub")) // the broker has read it
	fails(t, "NotReceived", func(c assert.TestingT) bool {
		return assert.NotReceived(c, rec, "sub", "slow/#", time.Millisecond)
	}, `assert.NotReceived: sub received a PUBLISH on "slow/#"`)
}

// TestNoWillWaitsForTheBroker: once the connection has ended, NoWill waits
// until the broker has finished writing before its window. The broker here
// sends the will's topic and payload (Broker.Publish, which no client's
// PUBLISH accounts for) behind a delivery a Delay fault holds for 200 ms:
// a window of 1 ms alone would pass having checked nothing.
func TestNoWillWaitsForTheBroker(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	connect(t, b, "watch").sub(t, "w/#", 1)
	connect(t, b, "dev", withWill("w/dev", "gone")).Disconnect(1000)
	waitFor(t, b, mqtttest.Closed(), mqtttest.ClientID("dev"))
	inject(t, b, mqtttest.Delay(200*time.Millisecond, mqtttest.Publish("w/marker"), mqtttest.Dir(mqtttest.ToClient)))
	for _, topic := range []string{"w/marker", "w/dev"} {
		if err := b.Publish(topic, []byte("gone"), 1, false); err != nil {
			t.Fatal(err)
		}
	}
	fails(t, "NoWill", func(c assert.TestingT) bool {
		return assert.NoWill(c, rec, "dev", time.Millisecond)
	}, "assert.NoWill: the will of dev was published")
}

// TestAtMostOnceWaitsForTheBroker: AtMostOnce, which does not wait for
// deliveries, first waits until the broker has finished with what it has
// read, so a copy the broker is slow to route is still counted.
func TestAtMostOnceWaitsForTheBroker(t *testing.T) {
	b := mqtttest.NewBroker(t)
	connect(t, b, "sub").sub(t, "slow/#", 1)
	inject(t, b, mqtttest.Delay(200*time.Millisecond, mqtttest.Publish("slow/#"), mqtttest.ClientID("pub")))
	inject(t, b, mqtttest.Duplicate(mqtttest.Publish("slow/#"), mqtttest.ClientID("sub")))
	connect(t, b, "pub").pub(t, "slow/1", 0, false, "late")
	waitFor(t, b, mqtttest.Publish("slow/1"), mqtttest.ClientID("pub")) // the broker has read it
	fails(t, "AtMostOnce", func(c assert.TestingT) bool {
		return assert.AtMostOnce(c, b.Recorder(), "sub", "slow/#", assert.AnyPayload)
	}, `reached sub 2 times`)
}
