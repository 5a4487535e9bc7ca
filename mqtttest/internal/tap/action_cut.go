package tap

import "github.com/mqtt-testkit/testkit/record"

// Cut closes the connection abruptly, as a crash or a lost network would:
// before the packet (CutBefore), or right after passing it on (CutAfter).
type Cut struct{ After bool }

// String names the action in a rule's description.
func (a Cut) String() string {
	if a.After {
		return "cut after"
	}
	return "cut before"
}

// Check says why the action's settings cannot work, or returns nil.
func (Cut) Check() error { return nil }

func (a Cut) mark(r *record.Record) {
	if a.After {
		r.Fault = "passed on, then cut"
		return
	}
	r.Fault, r.Withheld = "cut here: not passed on", true
}

func (a Cut) in(t *Conn, frame []byte, by Source) {
	if a.After {
		t.rout = append(t.rout, frame...)
	}
	t.rcut = true
	t.Cut(record.ClosedByTest, "fault: "+by.String())
}

// out writes what passed before the cut, held acknowledgements included,
// then cuts: nothing more is written (writeAfterCut).
func (a Cut) out(t *Conn, frame []byte, by Source) {
	if a.After {
		t.wout = append(t.wout, frame...)
	}
	t.flushOut()
	t.hold.Store(false)
	t.flushHeld()
	t.Cut(record.ClosedByTest, "fault: "+by.String())
}
