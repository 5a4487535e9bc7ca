package mqtttest

import (
	"fmt"
	"net"
	"time"
)

// delay holds a packet back for d, plus the rule's jitter, then passes it
// on; packets behind it wait too, so nothing is reordered.
type delay struct{ d time.Duration }

func (a delay) String() string { return "delay " + a.d.String() }

func (a delay) check() error {
	if a.d < 0 {
		return fmt.Errorf("negative delay %v", a.d)
	}
	return nil
}

// draw adds the rule's jitter to the delay, for one packet.
func (a delay) draw(f *Fault, _ *Record) action {
	if f.rule.jitter > 0 {
		a.d += time.Duration(f.rng.Int63n(int64(f.rule.jitter)))
	}
	return a
}

func (a delay) mark(r *Record) { r.Fault = "delayed " + a.d.String() }

// in marks where the frame starts in what the broker reads: Read hands
// nothing from there on before the time comes.
func (a delay) in(t *tapConn, frame []byte, _ *Fault) {
	t.holdIn(frame, time.Now().Add(a.d))
}

// out writes what came before, then waits, then queues the frame.
func (a delay) out(t *tapConn, frame []byte, _ *Fault) {
	t.flushOut() // the delay counts from when what came before is written
	t.holdOut(frame, time.Now().Add(a.d))
}

// holdIn queues frame for the broker, to be read no earlier than at.
func (t *tapConn) holdIn(frame []byte, at time.Time) {
	t.marks = append(t.marks, releaseMark{start: len(t.rout), at: at})
	t.rout = append(t.rout, frame...)
}

// holdOut writes what is queued for the client, waits until at (or the
// connection's end) keeping the turn to write but not wmu, then queues
// frame. The caller holds wmu and the turn (tapturn.go).
func (t *tapConn) holdOut(frame []byte, at time.Time) {
	t.flushOut()
	if !t.sleepWithTurn(at) {
		t.werr = net.ErrClosed
		return
	}
	t.wout = append(t.wout, frame...)
}
