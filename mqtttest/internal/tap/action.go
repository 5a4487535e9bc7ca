package tap

import (
	"math/rand"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// Action is what a fault rule does to a packet it acts on. Each action is
// one small type in a file of its own (action_drop.go, action_delay.go,
// ...); the tap carries it out at the one place a frame is passed on
// (pass). Only this package's types implement it.
type Action interface {
	// String names the action in a rule's description, e.g. "drop",
	// "delay 50ms".
	String() string
	// Check says why the action's settings cannot work, or returns nil.
	Check() error
	// mark notes in r what the action does to it (Fault, Withheld,
	// Duplicated).
	mark(r *record.Record)
	// in passes a frame from the client on towards the broker, as by
	// decided; the broker's reading goroutine calls it.
	in(t *Conn, frame []byte, by Source)
	// out passes a frame from the broker on towards the client; the caller
	// holds wmu and the turn to write.
	out(t *Conn, frame []byte, by Source)
}

// Drawer is an Action that draws from its rule's seeded random source, as
// the rule decides on the packet r (Delay's jitter, Corrupt's byte): Draw
// returns the action with what it drew, for that one packet.
type Drawer interface {
	Draw(rng *rand.Rand, jitter time.Duration, r *record.Record) Action
}

// Judge decides what the faults do to each packet. mqtttest's fault set is
// the one Judge; a nil Judge is not allowed (give one with no rules).
type Judge interface {
	// Active reports whether any rule is installed: without one, the tap
	// passes frames on without asking Decide.
	Active() bool
	// Decide returns what the first rule that acts on r does to it, counted
	// as acted, or a zero Verdict.
	Decide(r *record.Record) Verdict
}

// Verdict is what the faults decided for one packet: the action, or nil to
// pass it on as it is, and the rule that decided.
type Verdict struct {
	Act Action
	By  Source // the rule that acted; nil for a connection's own state (frozen, cut)
}

// Source is the fault rule behind a Verdict.
type Source interface {
	// String describes the rule, for the close record of a cut.
	String() string
	// CarriedOut notes that the action on one packet is done.
	CarriedOut()
}
