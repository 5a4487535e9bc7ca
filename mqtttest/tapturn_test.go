package mqtttest

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestDelayedWriteKeepsNoLock: a write to a client waiting out a Delay fault
// held the tap's write lock for the whole delay, so everything else that
// writes to that client (an acknowledgement let go, a resumed session's
// messages, a takeover's barrier) blocked on a mutex for as long: a
// goroutine a fake clock cannot see is blocked. Now the writer keeps the
// turn to write but not the lock, and the others wait for the turn on a
// condition variable.
func TestDelayedWriteKeepsNoLock(t *testing.T) {
	s := new(seams)
	sleeping, queued := make(chan struct{}), make(chan struct{})
	s.writeSleeps, s.turnWaits = closeOnce(sleeping), closeOnce(queued)
	b := NewBroker(t, withSeams(s))
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "d/#", 0)
	if _, err := b.Inject(Delay(time.Hour, Publish("d/#"), Dir(ToClient))); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("d/1", []byte("an hour late"), 0, false); err != nil {
		t.Fatal(err)
	}
	within(t, "a write to wait out the delay without the write lock", sleeping)
	var tp *tapConn
	b.eachConn(func(c *tapConn) {
		if c.name() == "sub" {
			tp = c
		}
	})
	if tp == nil {
		t.Fatal("no connection of sub")
	}
	locked := make(chan struct{})
	go func() {
		tp.wmu.Lock()
		//lint:ignore SA2001 taking the lock is the check
		tp.wmu.Unlock()
		close(locked)
	}()
	within(t, "the write lock, while a write waits out an hour's delay", locked)

	// Another writer waits for the turn, not on the lock.
	var got atomic.Bool
	done := make(chan struct{})
	go func() {
		tp.beginWrites()
		got.Store(true)
		tp.endWrites()
		close(done)
	}()
	within(t, "a second writer to wait for the turn", queued)
	if got.Load() {
		t.Fatal("a second writer got the turn while the first waited out its delay")
	}
	b.Close() // ends the delay: the first writer gives the turn back
	within(t, "the second writer to get the turn once the delay ended", done)
}

// within waits for ch to close, and fails the test after waitTime.
func within(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTime):
		t.Fatalf("waited %v for %s", waitTime, what)
	}
}

// TestWindowWaitsForTheTurn: a PUBLISH the client's Receive Maximum held
// back is let go when the client acknowledges one, on the reading
// goroutine. While another write waits out a Delay with the turn to write,
// it must wait for the turn too, or it would overtake the delayed frame.
func TestWindowWaitsForTheTurn(t *testing.T) {
	s := new(seams)
	sleeping, queued := make(chan struct{}), make(chan struct{})
	s.writeSleeps, s.turnWaits = closeOnce(sleeping), closeOnce(queued)
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
