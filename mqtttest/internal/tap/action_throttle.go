package tap

import (
	"fmt"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// Throttle lets packets through at no more than rate bytes per second, per
// connection and direction; like delay, it never reorders nor drops.
type Throttle struct{ Rate int }

// String names the action in a rule's description.
func (a Throttle) String() string { return fmt.Sprintf("throttle to %d B/s", a.Rate) }

// Check says why the action's settings cannot work, or returns nil.
func (a Throttle) Check() error {
	if a.Rate <= 0 {
		return fmt.Errorf("throttle rate %d bytes per second: want a positive rate", a.Rate)
	}
	return nil
}

func (a Throttle) mark(r *record.Record) { r.Fault = fmt.Sprintf("throttled to %d B/s", a.Rate) }

func (a Throttle) in(t *Conn, frame []byte, _ Source) {
	t.holdIn(frame, t.throttleAt(record.ToBroker, len(frame), a.Rate))
}

func (a Throttle) out(t *Conn, frame []byte, _ Source) {
	t.flushOut() // the rate counts from when what came before is written
	t.holdOut(frame, t.throttleAt(record.ToClient, len(frame), a.Rate))
}

// throttleAt returns when a frame of n bytes may pass in direction dir under
// a rate of bytes per second, and books that time.
func (t *Conn) throttleAt(dir record.Direction, n, rate int) time.Time {
	at := time.Now()
	if next := t.throttled[dir-record.ToBroker]; next.After(at) {
		at = next
	}
	at = at.Add(time.Duration(n) * time.Second / time.Duration(rate))
	t.throttled[dir-record.ToBroker] = at
	return at
}
