package assert_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestPayloadDiff checks that a failure that saw another payload than the
// one wanted shows testify's values and diff of the two.
func TestPayloadDiff(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	connect(t, b, "sub").sub(t, "home/#", 1)
	pub := connect(t, b, "pub")
	pub.pub(t, "home/kitchen/temp", 1, true, "21.5")
	pub.pub(t, "home/kitchen/temp", 1, false, "22.0")
	pub.pub(t, "home/hall/temp", 1, false, "\xff\x00")
	waitFor(t, b, mqtttest.ClientID("sub"), mqtttest.Publish("home/hall/temp"))

	fails(t, "Retained, another payload", func(c assert.TestingT) bool {
		return assert.Retained(c, b, "home/kitchen/temp", assert.Payload("30.0"))
	}, `seen: retained on "home/kitchen/temp": "21.5" q1`,
		"payload: Not equal:", `expected: "30.0"`, `actual : "21.5"`,
		"Diff:", "--- Expected", "+++ Actual", "-30.0", "+21.5")
	msg := fails(t, "Received, another payload: the diff is with the last one on the filter", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "home/kitchen/+", assert.Payload("30.0"), 0)
	}, "seen: 3 PUBLISH to sub:", "payload: of the last PUBLISH to sub on home/kitchen/temp:",
		`expected: "30.0"`, `actual : "22.0"`, "-30.0", "+22.0")
	if containsFlat(msg, "+21.5") {
		t.Errorf("the diff is with an earlier PUBLISH:\n%s", msg)
	}
	fails(t, "Received, bytes that are not UTF-8", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "home/hall/#", assert.PayloadBytes([]byte{0xff, 0x01}), 0)
	}, "expected: []byte{0xff, 0x1}", "actual : []byte{0xff, 0x0}", "- 00000000 ff 01", "+ 00000000 ff 00")
	msg = fails(t, "Received, a payload on another topic", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "office/#", assert.Payload("30.0"), 0)
	}, "seen: 3 PUBLISH to sub:")
	if containsFlat(msg, "Diff:") {
		t.Errorf("a diff with a PUBLISH outside the filter:\n%s", msg)
	}
	msg = fails(t, "ReceivedRetained, the payload wanted, live", func(c assert.TestingT) bool {
		return assert.ReceivedRetained(c, rec, "sub", "home/kitchen/+", assert.Payload("22.0"), 0)
	}, "with retain=1")
	if containsFlat(msg, "Diff:") {
		t.Errorf("a diff when a PUBLISH had the payload wanted:\n%s", msg)
	}
}

// TestPayloadJSON checks that PayloadJSON matches the same JSON value
// however it is written, and shows testify's diff of the values otherwise.
func TestPayloadJSON(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	connect(t, b, "sub").sub(t, "dev/#", 1)
	pub := connect(t, b, "pub")
	pub.pub(t, "dev/1/state", 1, false, `{"b": 2, "a": 1.0}`)
	pub.pub(t, "dev/2/state", 1, false, `not json`)
	waitFor(t, b, mqtttest.ClientID("sub"), mqtttest.Publish("dev/2/state"))

	passes(t, "Received, the same JSON written otherwise", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "dev/1/state", assert.PayloadJSON(`{"a":1,"b":2}`), 0)
	})
	fails(t, "Received, another JSON value", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "dev/1/state", assert.PayloadJSON(`{"a": 1, "b": 3}`), 0)
	}, `want: PUBLISH to sub on "dev/1/state", payload JSON {"a":1,"b":3}`,
		"payload: of the last PUBLISH to sub on dev/1/state:", "Not equal:", "Diff:",
		`- (string) (len=1) "b": (float64) 3`, `+ (string) (len=1) "b": (float64) 2`)
	fails(t, "Received, a payload that is not JSON", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "dev/2/state", assert.PayloadJSON(`{}`), 0)
	}, "Input ('not json') needs to be valid json.")
	fails(t, "Received, wanted JSON that is not JSON", func(c assert.TestingT) bool {
		return assert.Received(c, rec, "sub", "dev/+/state", assert.PayloadJSON(`{"a":`), 0)
	}, `payload JSON "{\"a\":", which is not valid JSON (unexpected end of JSON input), so none`)
	if m := assert.PayloadJSON(`[1, 2]`); !m.Match([]byte(`[1,2.0]`)) || m.Match([]byte(`[2,1]`)) || m.Match(nil) {
		t.Errorf("PayloadJSON([1, 2]) matches wrongly")
	}
}
