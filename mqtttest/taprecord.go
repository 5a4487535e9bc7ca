package mqtttest

import (
	"fmt"

	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mqtt-testkit/testkit/record"
)

// Framing and recording, both ways: each whole frame becomes a Record, and
// the faults judge it.

// recordFrames records the whole frames at the start of b and returns how
// many bytes they take. Once b stops framing (raw), every byte is recorded
// as malformed as it comes. With forward, it also hands each frame on as
// the faults decide (pass); without, the caller passes the bytes on itself.
func (t *tapConn) recordFrames(dir Direction, b []byte, raw, forward bool) (used int, stillRaw bool) {
	garbage := func(why string) (int, bool) {
		t.recordMalformed(dir, b[used:], why)
		if forward {
			t.pass(dir, b[used:], verdict{})
		}
		return len(b), true
	}
	for used < len(b) {
		if dir == ToBroker && t.rcut { // nothing after the cut point got through
			return len(b), raw
		}
		if raw {
			return garbage("bytes after a frame that could not be delimited")
		}
		if err := t.headerError(dir, b[used]); err != nil {
			// The broker rejects this frame on its first byte; hand it over at once
			// rather than wait for a frame end that may never come.
			return garbage(err.Error())
		}
		total, header, err := record.FrameLength(b[used:])
		if err != nil {
			return garbage(err.Error())
		}
		if total == 0 {
			return used, false
		}
		frame := b[used : used+total]
		if dir == ToClient && t.wover.Load() && isQoSPublish(frame) {
			t.werr = errTakenOver
			used += total
			continue
		}
		if dir == ToClient && forward && (t.resume.take(frame) || t.window.hold(frame)) { // recorded when it is sent
			used += total
			continue
		}
		v := t.recordFrame(dir, frame, header, forward)
		if forward {
			t.pass(dir, frame, v)
		}
		used += total
	}
	return used, raw
}

// headerError says why the broker would reject a frame starting with b0:
// flags that are not allowed for its type, or a first frame that is not CONNECT.
func (t *tapConn) headerError(dir Direction, b0 byte) error {
	var fh packets.FixedHeader
	if err := fh.Decode(b0); err != nil {
		return fmt.Errorf("%v with bad flags 0x%x: %w", PacketType(b0>>4), b0&0x0f, err)
	}
	if dir == ToBroker && !t.rseen && b0>>4 != byte(TypeConnect) {
		return fmt.Errorf("first packet is %v, not CONNECT", PacketType(b0>>4))
	}
	return nil
}

// recordFrame decodes and records one whole frame and, with judge, returns
// what the faults do to it; the record says so. Without judge (a frame
// Write passes on as it is) no fault acts on it: a rule installed while it
// was being recorded acts on the next one.
func (t *tapConn) recordFrame(dir Direction, frame []byte, header int, judge bool) verdict {
	t.mu.Lock()
	version, clientID := t.version, t.clientID
	t.mu.Unlock()
	r := record.DecodeFrame(append([]byte(nil), frame...), version, dir)
	r.Conn, r.Listener = t.conn, t.listener
	if r.Type == TypeConnect && version != 0 || r.Type != TypeConnect {
		r.ClientID = clientID // only the first CONNECT names the connection
	}
	if dir == ToBroker && t.maxPacket > 0 && !r.Malformed && uint32(len(frame)-header+1) > t.maxPacket { // mochi's count
		r.Malformed, r.Err = true, fmt.Sprintf("packet too large: %d bytes of remaining length, over the broker's maximum packet size %d [MQTT-3.2.2-15]", len(frame)-header, t.maxPacket)
	}
	severed := dir == ToClient && t.severed.Load()
	t.mu.Lock()
	switch {
	case dir == ToBroker && r.Type == TypeConnect && t.version == 0 && r.Version >= 3 && r.Version <= 5:
		// decoded, if perhaps against a rule the broker lets pass (a user name not UTF-8)
		t.version, t.clientID = r.Version, r.ClientID
	case dir == ToBroker && r.Type == TypeConnect && t.version != 0 && !r.Malformed:
		r.Malformed, r.Err = true, "protocol violation: a second CONNECT on one connection [MQTT-3.1.0-2]"
	case dir == ToClient && holdsBack(r.Type) && t.listener != "proxy" && !severed:
		t.hold.Store(true) // the caller holds wmu
		t.seams.at(func(s *seams) func() { return s.ackHeld })
	case dir == ToClient && r.Type == TypeConnack && r.Properties.AssignedClientID != "":
		t.clientID = r.Properties.AssignedClientID
		r.ClientID = t.clientID
	}
	if dir == ToBroker {
		t.lastIn = r.Type
		t.rseen = true
	}
	t.mu.Unlock()
	var v verdict
	if severed {
		r.Fault, r.Withheld = faultAfterCut, true
		v = verdict{act: drop{why: faultAfterCut}} // faults do not act on, or count, what never leaves
	} else if judge && (t.gate.load() != passing || t.faults.active()) {
		// Matchers take a *Record; handing them &r would put every record on
		// the heap, faults or not. Each direction has its own scratch record:
		// one goroutine at a time records each direction.
		j := &t.scratch[dir-ToBroker]
		*j = r
		v = t.judge(j)
		r = *j
	}
	t.rec.Add(r)
	return v
}

func (t *tapConn) recordMalformed(dir Direction, b []byte, why string) {
	t.mu.Lock()
	clientID, version := t.clientID, t.version
	t.mu.Unlock()
	raw := append([]byte(nil), b...)
	r := Record{
		Event: EventPacket, Dir: dir, Conn: t.conn, Listener: t.listener, ClientID: clientID, Version: version,
		Type: PacketType(raw[0] >> 4), Raw: raw, Malformed: true, Err: why,
	}
	if r.Type == TypePublish { // show what the header byte says, even for QoS 3
		r.QoS, r.Dup, r.Retain = (raw[0]>>1)&3, raw[0]&8 != 0, raw[0]&1 != 0
	}
	t.rec.Add(r)
}
