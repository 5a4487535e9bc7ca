package tap

import "github.com/mqtt-testkit/testkit/record"

// mochi writes some acknowledgements before it has done what they
// acknowledge, on the goroutine that handles the client's packets:
//
//   - a SUBACK before it looks up the retained messages for the new
//     subscription. A client that acts as soon as it has the SUBACK (a
//     test's next line) races that lookup: a message retained in between
//     reaches the subscriber twice, once with the retain flag, and the
//     lookup reads the topic tree while the retain writes it, a data race
//     inside mochi that fails -race test runs (mochi-mqtt/server#200
//     describes the same race);
//   - a PUBACK (QoS 1) or PUBREC (QoS 2) before it routes the message. The
//     publisher holds the broker responsible from then on, and a test that
//     waits for the PUBACK and then restarts the broker, or reconnects a
//     subscriber, loses a message the broker had not yet put in any session.
//
// So the tap holds such an acknowledgement, and anything written to the
// client after it, until the broker next reads from the connection: mochi
// handles a client's packets one at a time, so by then it has done what the
// acknowledgement promises. Bytes and their order are unchanged. The proxy
// does not hold: its upstream is not mochi.

// holdsBack reports whether the tap holds a packet of type t to the client
// until the broker is done with what it acknowledges.
func holdsBack(t record.PacketType) bool {
	return t == record.TypeSuback || t == record.TypePuback || t == record.TypePubrec
}

// flushHeld writes the held bytes. The caller holds wmu and has ended the
// hold.
func (t *Conn) flushHeld() {
	if len(t.held) > 0 {
		if _, err := t.Conn.Write(t.held); err != nil { // the connection is gone; its next read or write says so
			t.wfail = err
		}
	}
	t.held = t.held[:0]
	if cap(t.held) > maxIdleBuffer {
		t.held = nil
	}
}

// release ends the hold: the broker has finished the packets it read. The
// bytes held go out now, on the reading goroutine, if wmu is free: no write
// is under way, or one waits out a Delay or Throttle fault, whose frame
// comes after them (a client that has stopped reading blocks the reading
// goroutine then, as it would block mochi's own write of the
// acknowledgement). Otherwise the write under way sends them first thing,
// or a goroutine does once it ends, so that reading never waits for another
// write.
func (t *Conn) release() {
	t.hold.Store(false)
	if t.wmu.TryLock() {
		t.flushHeld()
		t.wmu.Unlock()
		return
	}
	t.deferred.Add(1)
	go func() {
		defer t.deferred.Add(-1)
		t.wmu.Lock()
		if !t.hold.Load() { // else a newer acknowledgement is held, and the next read releases it all
			t.flushHeld()
		}
		t.wmu.Unlock()
	}()
}

// releaseForClose ends the hold and sends the held bytes before the
// connection closes; a fault delay under way has been woken (MarkDead), so
// this does not wait for it.
func (t *Conn) releaseForClose() {
	t.wmu.Lock()
	t.hold.Store(false)
	t.flushHeld()
	t.wmu.Unlock()
}
