package mqtttest

// duplicate passes a packet on twice, byte for byte.
type duplicate struct{}

func (duplicate) String() string { return "duplicate" }
func (duplicate) check() error   { return nil }

func (duplicate) mark(r *Record) { r.Fault, r.Duplicated = "duplicated", true }

func (duplicate) in(t *tapConn, frame []byte, _ *Fault) {
	t.rout = append(append(t.rout, frame...), frame...)
}

func (duplicate) out(t *tapConn, frame []byte, _ *Fault) {
	t.wout = append(append(t.wout, frame...), frame...)
}
