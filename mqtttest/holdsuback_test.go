package mqtttest

import (
	"fmt"
	"testing"
)

// TestRetainRightAfterSuback publishes a retained message the moment a
// subscriber has its SUBACK, many times over. Without the tap holding the
// SUBACK until mochi has finished the subscription, the subscriber sometimes
// gets the message twice (once flagged retained, though it was subscribed
// before the publish [MQTT-3.3.1-9]), and -race reports mochi's lookup of
// retained messages racing the retain.
func TestRetainRightAfterSuback(t *testing.T) {
	b := NewBroker(t)
	sub := connect3(t, b.URL(), "sub")
	pub := connect3(t, b.URL(), "pub")
	for i := 0; i < 50; i++ {
		topic := fmt.Sprintf("race/%d/state", i)
		sub.subscribe(t, fmt.Sprintf("race/%d/+", i), 1)
		pub.publish(t, topic, 1, true, "on")
		m := receive(t, sub.got)
		if m.topic != topic || m.retain {
			t.Fatalf("round %d: first delivery %+v, want %s without the retain flag", i, m, topic)
		}
		// The next round's SUBACK comes after this round's deliveries: a second
		// copy would be in the recorder by then.
		sub.subscribe(t, fmt.Sprintf("race/%d/sync", i), 0)
		if n := len(b.Recorder().Find(ClientID("sub"), Dir(ToClient), Publish(topic))); n != 1 {
			t.Fatalf("round %d: %d deliveries of %s, want 1\n%s", i, n, topic, b.Recorder().Transcript())
		}
	}
}
