package mqtttest

// freeze makes the connection half-open from the packet on, that packet
// included: nothing passes either way, and the socket stays open.
type freeze struct{}

func (freeze) String() string { return "freeze at" }
func (freeze) check() error   { return nil }

func (freeze) mark(r *Record) {
	r.Fault, r.Withheld = "frozen from here: not passed on", true
}

func (freeze) in(t *tapConn, _ []byte, _ *Fault) { t.gate.freeze() }

// out writes what passed before the packet, then freezes.
func (freeze) out(t *tapConn, _ []byte, _ *Fault) {
	t.flushOut()
	t.gate.freeze()
}
