package tap

import (
	"fmt"
	"math/rand"
	"net"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// Delay holds a packet back for d, plus the rule's jitter, then passes it
// on; packets behind it wait too, so nothing is reordered.
type Delay struct{ D time.Duration }

// String names the action in a rule's description.
func (a Delay) String() string { return "delay " + a.D.String() }

// Check says why the action's settings cannot work, or returns nil.
func (a Delay) Check() error {
	if a.D < 0 {
		return fmt.Errorf("negative delay %v", a.D)
	}
	return nil
}

// Draw adds the rule's jitter to the delay, for one packet.
func (a Delay) Draw(rng *rand.Rand, jitter time.Duration, _ *record.Record) Action {
	if jitter > 0 {
		a.D += time.Duration(rng.Int63n(int64(jitter)))
	}
	return a
}

func (a Delay) mark(r *record.Record) { r.Fault = "delayed " + a.D.String() }

// in marks where the frame starts in what the broker reads: Read hands
// nothing from there on before the time comes.
func (a Delay) in(t *Conn, frame []byte, _ Source) {
	t.holdIn(frame, time.Now().Add(a.D))
}

// out writes what came before, then waits, then queues the frame.
func (a Delay) out(t *Conn, frame []byte, _ Source) {
	t.flushOut() // the delay counts from when what came before is written
	t.holdOut(frame, time.Now().Add(a.D))
}

// holdIn queues frame for the broker, to be read no earlier than at.
func (t *Conn) holdIn(frame []byte, at time.Time) {
	t.marks = append(t.marks, releaseMark{start: len(t.rout), at: at})
	t.rout = append(t.rout, frame...)
}

// holdOut writes what is queued for the client, waits until at (or the
// connection's end) keeping the turn to write but not wmu, then queues
// frame. The caller holds wmu and the turn (turn.go).
func (t *Conn) holdOut(frame []byte, at time.Time) {
	t.flushOut()
	if !t.sleepWithTurn(at) {
		t.werr = net.ErrClosed
		return
	}
	t.wout = append(t.wout, frame...)
}
