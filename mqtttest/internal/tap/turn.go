package tap

import "time"

// Whose turn it is to write to the client. Writes must leave in the order
// they were recorded, and a Delay or Throttle fault holds a frame back, and
// everything after it, for a while. The writer waiting that out keeps the
// turn but not the write lock (wmu): other writers wait for the turn on a
// condition variable (a goroutine a fake clock can see is blocked, unlike
// one blocked on a mutex held across a sleep), and what needs wmu only to
// send bytes already in order (the held acknowledgements, holdack.go) goes
// ahead without waiting.

// beginWrites takes wmu and the turn to write, waiting while another writer
// has it. endWrites gives both back.
func (t *Conn) beginWrites() {
	t.wmu.Lock()
	for t.wturn {
		t.waitTurn()
	}
	t.wturn = true
}

// tryBeginWrites takes wmu and the turn to write if both are free at once,
// and reports whether it did; the caller then calls endWrites.
func (t *Conn) tryBeginWrites() bool {
	if !t.wmu.TryLock() {
		return false
	}
	if t.wturn { // a write waits out a delay: what comes now goes after it
		t.wmu.Unlock()
		return false
	}
	t.wturn = true
	return true
}

// endWrites gives back the turn and wmu, waking any writer waiting for it.
func (t *Conn) endWrites() {
	t.wturn = false
	if t.wwaiters > 0 {
		t.wcond.Broadcast()
	}
	t.wmu.Unlock()
}

// waitTurn waits, with wmu held, for the writer that has the turn to give it
// back. wmu is free while it waits.
func (t *Conn) waitTurn() {
	if t.wcond.L == nil {
		t.wcond.L = &t.wmu
	}
	t.wwaiters++
	t.seams.at(func(s *Seams) func() { return s.TurnWaits })
	t.wcond.Wait()
	t.wwaiters--
}

// sleepWithTurn waits until at, or the connection's end (false), keeping the
// turn to write but not wmu. The caller holds both.
func (t *Conn) sleepWithTurn(at time.Time) bool {
	t.wmu.Unlock()
	t.seams.at(func(s *Seams) func() { return s.WriteSleeps })
	ok := t.sleepUntil(at)
	t.wmu.Lock()
	return ok
}

// WriteBarrier returns once no write to the client is under way: one that
// was is recorded, and written or not.
func (t *Conn) WriteBarrier() {
	t.beginWrites()
	t.endWrites()
}
