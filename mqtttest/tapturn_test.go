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
