package tap

import (
	"errors"
	"net"

	"github.com/mqtt-testkit/testkit/record"
)

// The write side of the tap: what the broker writes to the client.

// Write records the frames the broker sends and writes to the client what
// the faults let through. It reports len(p) for frames a fault drops.
func (t *Conn) Write(p []byte) (int, error) {
	t.beginWrites()
	defer t.endWrites()
	if t.wfail != nil {
		// mochi keeps what a failed write did not take in its own buffer and
		// writes it again with the next packet: it never reaches the client,
		// and recording it again would show deliveries that did not happen.
		return 0, t.wfail
	}
	if t.severed.Load() {
		return t.writeAfterCut(p)
	}
	b := p
	if len(t.wpend) > 0 {
		t.wpend = append(t.wpend, p...)
		b = t.wpend
	}
	if !t.faults.Active() && t.gate.load() == passing && !t.window.on.Load() && !t.resume.on.Load() && !t.wover.Load() { // the common case: p passes as it is
		used, raw := t.recordFrames(record.ToClient, b, t.wraw, false)
		t.wraw = raw
		t.wpend = append(t.wpend[:0], b[used:]...)
		return t.write(p)
	}
	t.werr = nil
	used, raw := t.recordFrames(record.ToClient, b, t.wraw, true)
	t.wraw = raw
	t.wpend = append(t.wpend[:0], b[used:]...)
	t.flushOut()
	if t.werr != nil {
		return 0, t.werr
	}
	return len(p), nil
}

// write writes b to the client's socket, after any held bytes, or adds it
// to the held bytes while an acknowledgement is held (holdack.go): every
// byte to the client passes here. The caller holds wmu.
func (t *Conn) write(b []byte) (int, error) {
	if t.severed.Load() { // cut while this write was recorded: it was recorded as withheld
		return 0, net.ErrClosed
	}
	if t.hold.Load() {
		t.held = append(t.held, b...)
		return len(b), nil
	}
	if len(t.held) > 0 {
		t.flushHeld()
	}
	n, err := t.Conn.Write(b)
	if err != nil {
		t.wfail = err
	}
	return n, err
}

// sendHeld records a frame a gate held back (window.go, resume.go) as it
// goes out now, and passes it on as the faults decide. The caller holds wmu
// and the turn to write (turn.go), and writes what was passed on
// (flushOut) when done.
func (t *Conn) sendHeld(f []byte) {
	_, header, _ := record.FrameLength(f)
	t.pass(record.ToClient, f, t.recordFrame(record.ToClient, f, header, true))
}

// writesEnded reports whether nothing more may be written to the client: a
// cut, or a write that failed. The caller holds wmu.
func (t *Conn) writesEnded() bool { return t.severed.Load() || t.wfail != nil }

// errTakenOver is what a write of a QoS 1 or 2 PUBLISH to a connection
// being taken over returns.
var errTakenOver = errors.New("the session is being taken over by a new connection: the message goes to it")

// TakeOver notes that a takeover ends the connection: from now on no QoS 1
// or 2 PUBLISH is written to it (a write of one returns an error), as each
// is in the session the new connection takes, which sends it.
func (t *Conn) TakeOver() { t.wover.Store(true) }

// flushOut writes what passOut gathered; the caller holds wmu.
func (t *Conn) flushOut() {
	if len(t.wout) > 0 && t.werr == nil {
		_, t.werr = t.write(t.wout)
	}
	t.wout = t.wout[:0]
}
