package mqtttest

import (
	"testing"
	"time"
)

// TestWindowWaitsForTheTurn: a PUBLISH the client's Receive Maximum held
// back is let go when the client acknowledges one, on the reading
// goroutine. While another write waits out a Delay with the turn to write,
// it must wait for the turn too, or it would overtake the delayed frame.
func TestWindowWaitsForTheTurn(t *testing.T) {
	s := new(seams)
	sleeping, queued := make(chan struct{}), make(chan struct{})
	s.WriteSleeps, s.TurnWaits = closeOnce(sleeping), closeOnce(queued)
	b := NewBroker(t, withSeams(s))
	c := dialRaw(t, b)
	writeRaw(t, c, []byte{0x10, 0x12, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 60, 0x03, 0x21, 0, 1, 0, 2, 'r', 'm'}) // v5, Receive Maximum 1
	wait(t, b.Recorder(), Type(TypeConnack))
	writeRaw(t, c, []byte{0x82, 0x10, 0, 1, 0, 0, 3, 'w', '/', '#', 0x01, 0, 4, 's', 'l', 'o', 'w', 0x00}) // w/# at QoS 1, slow at QoS 0
	wait(t, b.Recorder(), Type(TypeSuback))
	for _, topic := range []string{"w/1", "w/2"} {
		if err := b.Publish(topic, []byte("x"), 1, false); err != nil {
			t.Fatal(err)
		}
	}
	first := wait(t, b.Recorder(), Publish("w/1"), Dir(ToClient)) // w/2 waits for its PUBACK
	if _, err := b.Inject(Delay(time.Hour, Publish("slow"), Dir(ToClient))); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("slow", []byte("an hour late"), 0, false); err != nil {
		t.Fatal(err)
	}
	within(t, "the write of slow to wait out its delay", sleeping)
	sent, ctx := make(chan struct{}), ctxFor(t)
	go func() { // ends at the latest when Close ends the recording
		if _, err := b.Recorder().WaitFor(ctx, Publish("w/2"), Dir(ToClient)); err == nil {
			close(sent)
		}
	}()
	writeRaw(t, c, []byte{0x40, 0x02, byte(first.PacketID >> 8), byte(first.PacketID)})
	select { // w/2, let go by the PUBACK, waits for the turn, or goes out
	case <-queued:
	case <-sent:
	case <-time.After(waitTime):
		t.Fatalf("w/2, let go by the PUBACK, neither waited for the turn nor went out within %v", waitTime)
	}
	if rs := b.Recorder().Find(Publish("w/2"), Dir(ToClient)); len(rs) > 0 {
		t.Errorf("%s went out while slow waited out its delay, ahead of it:\n%s", rs[0].Line(), b.Recorder().Transcript())
	}
	b.Close()
}
