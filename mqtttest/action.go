package mqtttest

import (
	"math/rand"
	"time"
)

// action is what a fault rule does to a packet it acts on. Each action is
// one small type in a file of its own (action_drop.go, action_delay.go,
// ...); the tap calls it at the one place a frame is passed on (pass).
type action interface {
	// String names the action in Rule.String, e.g. "drop", "delay 50ms".
	String() string
	// check says why the action's settings cannot work, or returns nil.
	check() error
	// mark notes in r what the action does to it (Fault, Withheld,
	// Duplicated).
	mark(r *Record, v verdict)
	// in passes a frame from the client on towards the broker; the
	// broker's reading goroutine calls it.
	in(t *tapConn, frame []byte, v verdict)
	// out passes a frame from the broker on towards the client; the caller
	// holds wmu.
	out(t *tapConn, frame []byte, v verdict)
}

// drawer is an action that draws from the fault's seeded random source as
// it decides (Delay's jitter, Corrupt's byte).
type drawer interface {
	draw(rng *rand.Rand, f *Fault, r *Record, v *verdict)
}

// verdict is what the faults decided for one packet: the action, or nil to
// pass it on as it is.
type verdict struct {
	act   action
	fault *Fault        // the fault that acted; nil for a connection's own state (frozen, cut)
	delay time.Duration // Delay: for how long, jitter included
	flip  int           // Corrupt: which byte of the frame to flip
}
