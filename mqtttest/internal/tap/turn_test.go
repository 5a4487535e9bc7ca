package tap

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// TestDelayedWriteKeepsNoLock: a write to a client waiting out a Delay fault
// held the tap's write lock for the whole delay, so everything else that
// writes to that client (an acknowledgement let go, a resumed session's
// messages, a takeover's barrier) blocked on a mutex for as long: a
// goroutine a fake clock cannot see is blocked. Now the writer keeps the
// turn to write but not the lock, and the others wait for the turn on a
// condition variable.
func TestDelayedWriteKeepsNoLock(t *testing.T) {
	sleeping, queued := make(chan struct{}), make(chan struct{})
	s := &Seams{WriteSleeps: closeOnce(sleeping), TurnWaits: closeOnce(queued)}
	delayPublish := rules{act: func(r *record.Record) Action {
		if r.Type == record.TypePublish {
			return Delay{D: time.Hour}
		}
		return nil
	}}
	tp, _, rec := tapped(t, delayPublish, s)
	written := make(chan error, 1)
	go func() { // the broker's write of a QoS 0 PUBLISH "d/1" "late"
		_, err := tp.Write([]byte{0x30, 0x09, 0, 3, 'd', '/', '1', 'l', 'a', 't', 'e'})
		written <- err
	}()
	within(t, "a write to wait out the delay without the write lock", sleeping)
	if rs := rec.Find(record.Type(record.TypePublish)); len(rs) != 1 || rs[0].Fault != "delayed 1h0m0s" {
		t.Fatalf("want the PUBLISH recorded as delayed, got:\n%s", rec.Transcript())
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
		tp.WriteBarrier()
		got.Store(true)
		close(done)
	}()
	within(t, "a second writer to wait for the turn", queued)
	if got.Load() {
		t.Fatal("a second writer got the turn while the first waited out its delay")
	}
	tp.MarkDead() // ends the delay: the first writer gives the turn back
	within(t, "the second writer to get the turn once the delay ended", done)
	select {
	case err := <-written:
		if err == nil {
			t.Error("the delayed write returned no error, though the connection's end cut its delay short")
		}
	case <-time.After(waitTime):
		t.Fatalf("the delayed write had not returned %v after the connection's end", waitTime)
	}
}
