package tap

import "github.com/mqtt-testkit/testkit/record"

// Freeze makes the connection half-open from the packet on, that packet
// included: nothing passes either way, and the socket stays open.
type Freeze struct{}

// String names the action in a rule's description.
func (Freeze) String() string { return "freeze at" }

// Check says why the action's settings cannot work, or returns nil.
func (Freeze) Check() error { return nil }

func (Freeze) mark(r *record.Record) {
	r.Fault, r.Withheld = "frozen from here: not passed on", true
}

func (Freeze) in(t *Conn, _ []byte, _ Source) { t.gate.freeze() }

// out writes what passed before the packet, then freezes.
func (Freeze) out(t *Conn, _ []byte, _ Source) {
	t.flushOut()
	t.gate.freeze()
}
