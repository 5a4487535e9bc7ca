package tap

import "github.com/mqtt-testkit/testkit/record"

// Duplicate passes a packet on twice, byte for byte.
type Duplicate struct{}

// String names the action in a rule's description.
func (Duplicate) String() string { return "duplicate" }

// Check says why the action's settings cannot work, or returns nil.
func (Duplicate) Check() error { return nil }

func (Duplicate) mark(r *record.Record) { r.Fault, r.Duplicated = "duplicated", true }

func (Duplicate) in(t *Conn, frame []byte, _ Source) {
	t.rout = append(append(t.rout, frame...), frame...)
}

func (Duplicate) out(t *Conn, frame []byte, _ Source) {
	t.wout = append(append(t.wout, frame...), frame...)
}
