package tap

import (
	"fmt"
	"net"

	"github.com/mqtt-testkit/testkit/record"
)

// The read side of the tap: what the broker reads from the client, one
// socket read at a time.

// Read hands the broker bytes from the client, whole recorded frames at a
// time, holding back frames a Delay fault has not released yet.
func (t *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if t.hold.Load() {
		t.release()
	}
	if t.rpos == len(t.rout) { // the broker has handled every packet it was given
		t.mayRoute.Store(false)
	}
	for t.rpos == len(t.rout) {
		if t.rerr != nil {
			return 0, t.rerr
		}
		t.fill()
	}
	for len(t.marks) > 0 && t.marks[0].start <= t.rpos {
		t.idle.Store(true) // what comes next is still on its way to the broker
		if !t.sleepUntil(t.marks[0].at) {
			return 0, net.ErrClosed
		}
		t.idle.Store(false)
		t.marks = t.marks[1:]
	}
	limit := len(t.rout)
	if len(t.marks) > 0 {
		limit = t.marks[0].start
	}
	n := copy(p, t.rout[t.rpos:limit])
	t.rpos += n
	if t.rmay {
		t.mayRoute.Store(true)
	}
	if t.rpos == len(t.rout) {
		t.rout, t.rpos, t.marks, t.rmay = t.rout[:0], 0, t.marks[:0], false
		if cap(t.rout) > maxIdleBuffer {
			t.rout = nil // a large frame passed; do not keep its buffer
		}
	}
	return n, nil
}

// fill reads once from the socket and records every frame now complete,
// adding to rout what the faults let through.
func (t *Conn) fill() {
	if len(t.rin) == cap(t.rin) {
		nb := make([]byte, len(t.rin), max(2048, 2*cap(t.rin)))
		copy(nb, t.rin)
		t.rin = nb
	}
	t.idle.Store(true) // the broker has handled every frame it was given, and there is none other (it stays true once reading fails)
	t.waiting.Store(true)
	n, err := t.Conn.Read(t.rin[len(t.rin):cap(t.rin)])
	t.reads.Add(1)
	if n > 0 {
		t.idle.Store(false) // before the frames are recorded: none is recorded as read and handled before it is
	}
	t.waiting.Store(false)
	t.rin = t.rin[:len(t.rin)+n]
	used, raw := t.recordFrames(record.ToBroker, t.rin, t.rraw, true)
	t.rraw = raw
	rest := t.rin[used:]
	if t.rcut {
		t.rin, t.rerr = nil, net.ErrClosed
		return
	}
	if err != nil {
		t.rerr = err
		if len(rest) > 0 { // the client stopped mid-frame: still record and forward it
			t.recordMalformed(record.ToBroker, rest, fmt.Sprintf("connection ended %d bytes into an unfinished frame", len(rest)))
			t.rout = append(t.rout, rest...)
		}
		t.rin = nil
		t.readEnded(err)
		return
	}
	t.rin = t.rin[:copy(t.rin, rest)]
	if len(t.rin) == 0 && cap(t.rin) > maxIdleBuffer {
		t.rin = nil
	}
}

// Idle reports whether the broker is in Read having handled every packet
// it was given, or reads no more.
func (t *Conn) Idle() bool { return t.idle.Load() }

// Activity returns how many socket reads have returned, and what the broker
// is doing on the connection: "" when it has handled every packet it was
// given and waits for the client, with no write left to a goroutine.
func (t *Conn) Activity() (reads uint64, busy string) {
	reads = t.reads.Load()
	switch {
	case !t.waiting.Load():
		busy = "is handling a packet or ending"
	case t.deferred.Load() > 0:
		busy = "has a write to finish"
	}
	return reads, busy
}
