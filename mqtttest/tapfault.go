package mqtttest

import "time"

// judge returns what the broker's faults do to the packet r and notes it in
// r. A partitioned or frozen connection passes nothing; malformed bytes
// always pass.
func (t *tapConn) judge(r *Record) verdict {
	if s := t.gate.load(); s != passing {
		v := verdict{act: drop{why: s.caught()}}
		v.act.mark(r)
		return v
	}
	if r.Malformed {
		return verdict{}
	}
	v := t.faults.decide(r)
	if v.act != nil {
		v.act.mark(r)
	}
	return v
}

// pass hands a recorded frame on as the verdict says: to the broker's read
// buffer (ToBroker) or towards the client's socket (ToClient). It is the
// one place where a fault's action is carried out.
func (t *tapConn) pass(dir Direction, frame []byte, v verdict) {
	if v.fault != nil {
		defer v.fault.carriedOut()
	}
	if _, freezing := v.act.(freeze); t.gate.load() != passing && !freezing {
		return
	}
	if dir == ToBroker {
		t.passIn(frame, v)
		return
	}
	if v.act == nil {
		t.wout = append(t.wout, frame...)
		return
	}
	v.act.out(t, frame, v.fault)
}

// passIn is pass towards the broker.
func (t *tapConn) passIn(frame []byte, v verdict) {
	switch PacketType(frame[0] >> 4) {
	case TypePublish, TypeSubscribe, TypeConnect: // their handling may route a message
		t.rmay = true
	}
	if v.act == nil {
		t.rout = append(t.rout, frame...)
	} else {
		v.act.in(t, frame, v.fault)
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

// flushOut writes what passOut gathered; the caller holds wmu.
func (t *tapConn) flushOut() {
	if len(t.wout) > 0 && t.werr == nil {
		_, t.werr = t.write(t.wout)
	}
	t.wout = t.wout[:0]
}

// sleepUntil waits until at, or until the connection is closed (false).
func (t *tapConn) sleepUntil(at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.dead:
		return false
	}
}

// markDead wakes every fault delay of the connection: its socket is closed.
func (t *tapConn) markDead() {
	t.deadOnce.Do(func() { close(t.dead) })
}

// active reports whether any fault is installed.
func (s *faultSet) active() bool {
	if s == nil {
		return false
	}
	cur := s.list.Load()
	return cur != nil && len(*cur) > 0
}
