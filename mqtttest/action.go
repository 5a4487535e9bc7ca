package mqtttest

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
	mark(r *Record)
	// in passes a frame from the client on towards the broker, as the rule
	// f decided; the broker's reading goroutine calls it.
	in(t *tapConn, frame []byte, f *Fault)
	// out passes a frame from the broker on towards the client; the caller
	// holds wmu.
	out(t *tapConn, frame []byte, f *Fault)
}

// drawer is an action that draws from its fault's seeded random source as
// the fault decides (Delay's jitter, Corrupt's byte): it returns itself
// with what it drew, for the one packet r.
type drawer interface {
	draw(f *Fault, r *Record) action
}

// verdict is what the faults decided for one packet: the action, or nil to
// pass it on as it is.
type verdict struct {
	act   action
	fault *Fault // the fault that acted; nil for a connection's own state (frozen, cut)
}
