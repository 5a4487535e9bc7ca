package mqtttest

// cut closes the connection abruptly, as a crash or a lost network would:
// before the packet (CutBefore), or right after passing it on (CutAfter).
type cut struct{ after bool }

func (a cut) String() string {
	if a.after {
		return "cut after"
	}
	return "cut before"
}

func (cut) check() error { return nil }

func (a cut) mark(r *Record) {
	if a.after {
		r.Fault = "passed on, then cut"
		return
	}
	r.Fault, r.Withheld = "cut here: not passed on", true
}

func (a cut) in(t *tapConn, frame []byte, f *Fault) {
	if a.after {
		t.rout = append(t.rout, frame...)
	}
	t.rcut = true
	t.cut(ClosedByTest, "fault: "+f.String())
}

// out writes what passed before the cut, held acknowledgements included,
// then cuts: nothing more is written (writeAfterCut).
func (a cut) out(t *tapConn, frame []byte, f *Fault) {
	if a.after {
		t.wout = append(t.wout, frame...)
	}
	t.flushOut()
	t.hold.Store(false)
	t.flushHeld()
	t.cut(ClosedByTest, "fault: "+f.String())
}
