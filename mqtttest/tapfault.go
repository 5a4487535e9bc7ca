package mqtttest

import (
	"fmt"
	"net"
	"time"
)

// judge returns what the broker's faults do to the packet r and notes it in
// r. A partitioned or frozen connection passes nothing; malformed bytes
// always pass.
func (t *tapConn) judge(r *Record) verdict {
	if s := t.gate.load(); s != passing {
		r.Fault, r.Withheld = s.caught(), true
		return verdict{kind: faultDrop}
	}
	if r.Malformed {
		return verdict{}
	}
	v := t.faults.decide(r)
	if v.kind != 0 {
		r.Fault = v.describe()
		r.Withheld = v.kind == faultDrop || v.kind == faultCutBefore || v.kind == faultFreeze
		r.Duplicated = v.kind == faultDuplicate
	}
	return v
}

// describe says what the verdict did, for the record.
func (v verdict) describe() string {
	switch v.kind {
	case faultDrop:
		return "dropped"
	case faultDelay:
		return "delayed " + v.delay.String()
	case faultDuplicate:
		return "duplicated"
	case faultCutBefore:
		return "cut here: not passed on"
	case faultCutAfter:
		return "passed on, then cut"
	case faultFreeze:
		return "frozen from here: not passed on"
	case faultCorrupt:
		return fmt.Sprintf("corrupted: byte %d flipped", v.flip)
	case faultThrottle:
		return fmt.Sprintf("throttled to %d B/s", v.fault.rule.rate)
	}
	return ""
}

// corrupted returns a copy of frame with byte v.flip inverted.
func (v verdict) corrupted(frame []byte) []byte {
	c := append([]byte(nil), frame...)
	c[v.flip] ^= 0xff
	return c
}

// throttleAt returns when a frame of n bytes may pass in direction dir under
// a rate of bytes per second, and books that time.
func (t *tapConn) throttleAt(dir Direction, n, rate int) time.Time {
	at := time.Now()
	if next := t.throttled[dir-ToBroker]; next.After(at) {
		at = next
	}
	at = at.Add(time.Duration(n) * time.Second / time.Duration(rate))
	t.throttled[dir-ToBroker] = at
	return at
}

// pass hands a recorded frame on as the verdict says: to the broker's read
// buffer (ToBroker) or towards the client's socket (ToClient).
func (t *tapConn) pass(dir Direction, frame []byte, v verdict) {
	if v.fault != nil {
		defer v.fault.carriedOut()
	}
	if t.gate.load() != passing && v.kind != faultFreeze {
		return
	}
	if dir == ToBroker {
		t.passIn(frame, v)
		return
	}
	t.passOut(frame, v)
}

func (t *tapConn) passIn(frame []byte, v verdict) {
	switch PacketType(frame[0] >> 4) {
	case TypePublish, TypeSubscribe, TypeConnect: // their handling may route a message
		t.rmay = true
	}
	switch v.kind {
	case 0:
		t.rout = append(t.rout, frame...)
	case faultDelay:
		t.marks = append(t.marks, releaseMark{start: len(t.rout), at: time.Now().Add(v.delay)})
		t.rout = append(t.rout, frame...)
	case faultDuplicate:
		t.rout = append(append(t.rout, frame...), frame...)
	case faultCutAfter:
		t.rout = append(t.rout, frame...)
		fallthrough
	case faultCutBefore:
		t.rcut = true
		t.cut("test", "fault: "+v.fault.String())
	case faultFreeze:
		t.gate.freeze()
	case faultCorrupt:
		t.rout = append(t.rout, v.corrupted(frame)...)
	case faultThrottle:
		t.marks = append(t.marks, releaseMark{start: len(t.rout), at: t.throttleAt(ToBroker, len(frame), v.fault.rule.rate)})
		t.rout = append(t.rout, frame...)
	}
	switch v.kind {
	case faultCutBefore, faultFreeze:
	default: // the frame reaches the broker: an acknowledgement makes room in the client's Receive Maximum
		if t.window.acked(frame) {
			t.releaseWindow()
		}
	}
}

// passOut is passIn for frames to the client; the caller holds wmu.
func (t *tapConn) passOut(frame []byte, v verdict) {
	switch v.kind {
	case 0:
		t.wout = append(t.wout, frame...)
	case faultDelay:
		t.flushOut()
		if !t.sleepUntil(time.Now().Add(v.delay)) {
			t.werr = net.ErrClosed
			return
		}
		t.wout = append(t.wout, frame...)
	case faultDuplicate:
		t.wout = append(append(t.wout, frame...), frame...)
	case faultCutAfter:
		t.wout = append(t.wout, frame...)
		fallthrough
	case faultCutBefore:
		t.flushOut()
		t.hold.Store(false) // what passed before the cut goes out, held or not
		t.flushHeld()
		t.cut("test", "fault: "+v.fault.String()) // nothing more is written (writeAfterCut)
	case faultFreeze:
		t.flushOut()
		t.gate.freeze()
	case faultCorrupt:
		t.wout = append(t.wout, v.corrupted(frame)...)
	case faultThrottle:
		t.flushOut()
		if !t.sleepUntil(t.throttleAt(ToClient, len(frame), v.fault.rule.rate)) {
			t.werr = net.ErrClosed
			return
		}
		t.wout = append(t.wout, frame...)
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
