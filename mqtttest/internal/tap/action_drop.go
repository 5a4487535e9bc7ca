package tap

import "github.com/mqtt-testkit/testkit/record"

// Drop passes nothing on: neither side sees the packet (Drop,
// WithholdConnack). A partitioned or frozen connection, and one the tap has
// cut, drop every packet too.
type Drop struct{ why string } // what the record says; "" for a rule's "dropped"

// String names the action in a rule's description.
func (Drop) String() string { return "drop" }

// Check says why the action's settings cannot work, or returns nil.
func (Drop) Check() error { return nil }

func (a Drop) mark(r *record.Record) {
	r.Fault, r.Withheld = a.why, true
	if a.why == "" {
		r.Fault = "dropped"
	}
}

func (Drop) in(*Conn, []byte, Source)  {}
func (Drop) out(*Conn, []byte, Source) {}
