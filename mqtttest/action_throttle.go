package mqtttest

import (
	"fmt"
	"time"
)

// throttle lets packets through at no more than rate bytes per second, per
// connection and direction; like delay, it never reorders nor drops.
type throttle struct{ rate int }

func (a throttle) String() string { return fmt.Sprintf("throttle to %d B/s", a.rate) }

func (a throttle) check() error {
	if a.rate <= 0 {
		return fmt.Errorf("throttle rate %d bytes per second: want a positive rate", a.rate)
	}
	return nil
}

func (a throttle) mark(r *Record) { r.Fault = fmt.Sprintf("throttled to %d B/s", a.rate) }

func (a throttle) in(t *tapConn, frame []byte, _ *Fault) {
	t.holdIn(frame, t.throttleAt(ToBroker, len(frame), a.rate))
}

func (a throttle) out(t *tapConn, frame []byte, _ *Fault) {
	t.flushOut() // the rate counts from when what came before is written
	t.holdOut(frame, t.throttleAt(ToClient, len(frame), a.rate))
}

// throttleAt returns when a frame of n bytes may pass in direction dir under
// a rate of bytes per second, and books that time.
func (t *tapConn) throttleAt(dir Direction, n, rate int) time.Time {
	at := time.Now()
	if next := t.throttled[dir-ToBroker]; next.After(at) {
		at = next
	}
	at = at.Add(time.Duration(n) * time.Second / time.Duration(rate))
	t.throttled[dir-ToBroker] = at
	return at
}
