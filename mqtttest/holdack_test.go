package mqtttest

import (
	"bytes"
	"fmt"
	"testing"
	"time"
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

// TestHeldSubackAndFaults checks the SUBACK hold against faults that act on
// the SUBACK: a delay does not hold up closing the connection, and a cut
// right after the SUBACK still lets it reach the client.
func TestHeldSubackAndFaults(t *testing.T) {
	t.Run("delayed", func(t *testing.T) {
		b := NewBroker(t)
		inject(t, b, Delay(time.Hour, Type(TypeSuback)))
		c := connect3(t, b.URL(), "slow")
		c.Subscribe("a/#", 1, nil) // its SUBACK sleeps in the delay
		wait(t, b.Recorder(), ClientID("slow"), Type(TypeSuback))
		done := make(chan error, 1)
		go func() { done <- b.Disconnect("slow", ServerDisconnect(0x98)) }() // the broker closes it
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(waitTime):
			t.Fatal("Disconnect waited for the SUBACK's one-hour delay")
		}
	})
	t.Run("cut after", func(t *testing.T) {
		b := NewBroker(t)
		inject(t, b, CutAfter(Type(TypeSuback)))
		conn := dialRaw(t, b)
		conn.Write(v4Connect)
		conn.Write([]byte{0x82, 0x06, 0x00, 0x01, 0x00, 0x01, '#', 0x00}) // SUBSCRIBE id=1 "#"
		got := readUntilClosed(t, conn)
		if !bytes.Contains(got, []byte{0x90, 0x03, 0x00, 0x01, 0x00}) {
			t.Errorf("the client read % x before the cut, want CONNACK and SUBACK", got)
		}
	})
}
