package tap

import (
	"fmt"

	"github.com/mqtt-testkit/testkit/record"
)

// Recording, both ways: each whole frame becomes a Record, which notes
// what the faults do to it.

// recordFrame decodes and records one whole frame and, with judge, returns
// what the faults do to it; the record says so. Without judge (a frame
// Write passes on as it is) no fault acts on it: a rule installed while it
// was being recorded acts on the next one.
func (t *Conn) recordFrame(dir record.Direction, frame []byte, header int, judge bool) Verdict {
	t.mu.Lock()
	version, clientID := t.version, t.clientID
	t.mu.Unlock()
	r := record.DecodeFrame(append([]byte(nil), frame...), version, dir)
	r.Conn, r.Listener = t.conn, t.listener
	if r.Type == record.TypeConnect && version != 0 || r.Type != record.TypeConnect {
		r.ClientID = clientID // only the first CONNECT names the connection
	}
	if dir == record.ToBroker && t.maxPacket > 0 && !r.Malformed && uint32(len(frame)-header+1) > t.maxPacket { // mochi's count
		r.Malformed, r.Err = true, fmt.Sprintf("packet too large: %d bytes of remaining length, over the broker's maximum packet size %d [MQTT-3.2.2-15]", len(frame)-header, t.maxPacket)
	}
	severed := dir == record.ToClient && t.severed.Load()
	t.mu.Lock()
	switch {
	case dir == record.ToBroker && r.Type == record.TypeConnect && t.version == 0 && r.Version >= 3 && r.Version <= 5:
		// decoded, if perhaps against a rule the broker lets pass (a user name not UTF-8)
		t.version, t.clientID = r.Version, r.ClientID
	case dir == record.ToBroker && r.Type == record.TypeConnect && t.version != 0 && !r.Malformed:
		r.Malformed, r.Err = true, "protocol violation: a second CONNECT on one connection [MQTT-3.1.0-2]"
	case dir == record.ToClient && holdsBack(r.Type) && t.listener != "proxy" && !severed:
		t.hold.Store(true) // the caller holds wmu
		t.seams.at(func(s *Seams) func() { return s.AckHeld })
	case dir == record.ToClient && r.Type == record.TypeConnack && r.Properties.AssignedClientID != "":
		t.clientID = r.Properties.AssignedClientID
		r.ClientID = t.clientID
	}
	if dir == record.ToBroker {
		t.lastIn = r.Type
		t.rseen = true
	}
	t.mu.Unlock()
	var v Verdict
	if severed {
		r.Fault, r.Withheld = faultAfterCut, true
		v = Verdict{Act: Drop{why: faultAfterCut}} // faults do not act on, or count, what never leaves
	} else if judge && (t.gate.load() != passing || t.faults.Active()) {
		// Matchers take a *Record; handing them &r would put every record on
		// the heap, faults or not. Each direction has its own scratch record:
		// one goroutine at a time records each direction.
		j := &t.scratch[dir-record.ToBroker]
		*j = r
		v = t.judge(j)
		r = *j
	}
	t.rec.Add(r)
	return v
}

func (t *Conn) recordMalformed(dir record.Direction, b []byte, why string) {
	t.mu.Lock()
	clientID, version := t.clientID, t.version
	t.mu.Unlock()
	raw := append([]byte(nil), b...)
	r := record.Record{
		Event: record.EventPacket, Dir: dir, Conn: t.conn, Listener: t.listener, ClientID: clientID, Version: version,
		Type: record.PacketType(raw[0] >> 4), Raw: raw, Malformed: true, Err: why,
	}
	if r.Type == record.TypePublish { // show what the header byte says, even for QoS 3
		r.QoS, r.Dup, r.Retain = (raw[0]>>1)&3, raw[0]&8 != 0, raw[0]&1 != 0
	}
	t.rec.Add(r)
}

// judge returns what the broker's faults do to the packet r and notes it in
// r. A partitioned or frozen connection passes nothing; malformed bytes
// always pass.
func (t *Conn) judge(r *record.Record) Verdict {
	if s := t.gate.load(); s != passing {
		v := Verdict{Act: Drop{why: s.caught()}}
		v.Act.mark(r)
		return v
	}
	if r.Malformed {
		return Verdict{}
	}
	v := t.faults.Decide(r)
	if v.Act != nil {
		v.Act.mark(r)
	}
	return v
}
