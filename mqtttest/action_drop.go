package mqtttest

// drop passes nothing on: neither side sees the packet (Drop,
// WithholdConnack). A partitioned or frozen connection, and one the tap has
// cut, drop every packet too.
type drop struct{ why string } // what the record says; "" for a rule's "dropped"

func (drop) String() string { return "drop" }
func (drop) check() error   { return nil }

func (a drop) mark(r *Record) {
	r.Fault, r.Withheld = a.why, true
	if a.why == "" {
		r.Fault = "dropped"
	}
}

func (drop) in(*tapConn, []byte, *Fault)  {}
func (drop) out(*tapConn, []byte, *Fault) {}
