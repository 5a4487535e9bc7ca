package assert_test

import (
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestNothingChecksWaitForTheBroker: NotReceived and AtMostOnce first wait
// until the broker has finished with what it has read, so a delivery the
// broker is slow to make is still caught, however short the window. A
// Delay fault holds the publisher's PUBLISH for 200 ms after the broker has
// read it; a window of 1 ms alone would pass having checked nothing.
func TestNothingChecksWaitForTheBroker(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	connect(t, b, "sub").sub(t, "slow/#", 1)
	inject(t, b, mqtttest.Delay(200*time.Millisecond, mqtttest.Publish("slow/#"), mqtttest.ClientID("pub")))
	inject(t, b, mqtttest.Duplicate(mqtttest.Publish("slow/#"), mqtttest.ClientID("sub")))
	connect(t, b, "pub").pub(t, "slow/1", 0, false, "late")
	waitFor(t, b, mqtttest.Publish("slow/1"), mqtttest.ClientID("pub")) // the broker has read it
	fails(t, "NotReceived", func(c assert.TestingT) bool {
		return assert.NotReceived(c, rec, "sub", "slow/#", time.Millisecond)
	}, `assert.NotReceived: sub received a PUBLISH on "slow/#"`)
	fails(t, "AtMostOnce", func(c assert.TestingT) bool {
		return assert.AtMostOnce(c, rec, "sub", "slow/#", assert.AnyPayload)
	}, `reached sub 2 times`)
}
