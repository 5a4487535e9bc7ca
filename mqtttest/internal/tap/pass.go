package tap

import (
	"github.com/mqtt-testkit/testkit/record"
)

// pass hands a recorded frame on as the Verdict says: to the broker's read
// buffer (ToBroker) or towards the client's socket (ToClient). It is the
// one place where a fault's action is carried out.
func (t *Conn) pass(dir record.Direction, frame []byte, v Verdict) {
	if v.By != nil {
		defer v.By.CarriedOut()
	}
	if _, freezing := v.Act.(Freeze); t.gate.load() != passing && !freezing {
		return
	}
	if dir == record.ToBroker {
		t.passIn(frame, v)
		return
	}
	if v.Act == nil {
		t.wout = append(t.wout, frame...)
		return
	}
	v.Act.out(t, frame, v.By)
}

// passIn is pass towards the broker.
func (t *Conn) passIn(frame []byte, v Verdict) {
	switch record.PacketType(frame[0] >> 4) {
	case record.TypePublish, record.TypeSubscribe, record.TypeConnect: // their handling may route a message
		t.rmay = true
	}
	if v.Act == nil {
		t.rout = append(t.rout, frame...)
	} else {
		v.Act.in(t, frame, v.By)
	}
	if t.rcut || t.gate.load() != passing {
		return
	}
	// The client sent it (a fault may still keep it from the broker): an
	// acknowledgement makes room in the client's Receive Maximum.
	if t.window.acked(frame) {
		t.releaseWindow()
	}
}
