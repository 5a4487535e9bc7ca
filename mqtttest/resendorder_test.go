package mqtttest_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestMochiResendsOutOfOrder shows a mochi bug that is not worked around:
// when a session resumes, mochi sends its messages again sorted by the
// second they were created (Inflight.GetAll sorts on uint16(Created)), so
// messages of the same second go in map order, not in the order they were
// first sent [MQTT-4.6.0-1]. With 30 messages the chance of the right order
// by luck is 1 in 30!. The test fails once mochi resends in order: then the
// README's note goes.
func TestMochiResendsOutOfOrder(t *testing.T) {
	const n = 30
	b := mqtttest.NewBroker(t)
	first := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
	first.Connect(fake.Connect{ClientID: "sub"})
	first.Subscribe(1, "order/#")
	for i := range n {
		if err := b.Publish("order/x", []byte(strconv.Itoa(i)), 1, false); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.Recorder().WaitForN(ctx, n, mqtttest.ClientID("sub"), mqtttest.Publish("order/x")); err != nil {
		t.Fatal(err)
	}
	first.Close()
	again := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
	again.Connect(fake.Connect{ClientID: "sub"})
	resent, err := b.Recorder().WaitForN(ctx, n, mqtttest.ClientID("sub"), mqtttest.Publish("order/x"), mqtttest.Where("DUP", func(r mqtttest.Record) bool { return r.Dup }))
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	for _, r := range resent {
		k, _ := strconv.Atoi(string(r.Payload))
		order = append(order, k)
	}
	if slices.IsSorted(order) {
		t.Errorf("mochi resent the session's %d messages in order: remove the README's note on resend order", n)
	}
	t.Logf("resent in the order %v", order)
}
