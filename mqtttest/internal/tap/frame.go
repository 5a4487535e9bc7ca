package tap

import (
	"fmt"

	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mqtt-testkit/testkit/record"
)

// Framing, both ways: the bytes are cut into whole frames, each recorded
// and judged (record.go) and passed on (pass.go); bytes that do not frame
// are recorded as malformed as they come.

// recordFrames records the whole frames at the start of b and returns how
// many bytes they take. Once b stops framing (raw), every byte is recorded
// as malformed as it comes. With forward, it also hands each frame on as
// the faults decide (pass); without, the caller passes the bytes on itself.
func (t *Conn) recordFrames(dir record.Direction, b []byte, raw, forward bool) (used int, stillRaw bool) {
	garbage := func(why string) (int, bool) {
		t.recordMalformed(dir, b[used:], why)
		if forward {
			t.pass(dir, b[used:], Verdict{})
		}
		return len(b), true
	}
	for used < len(b) {
		if dir == record.ToBroker && t.rcut { // nothing after the cut point got through
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
		if dir == record.ToClient && t.wover.Load() && isQoSPublish(frame) {
			t.werr = errTakenOver
			used += total
			continue
		}
		if dir == record.ToClient && forward && (t.resume.take(frame) || t.window.hold(frame)) { // recorded when it is sent
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
func (t *Conn) headerError(dir record.Direction, b0 byte) error {
	var fh packets.FixedHeader
	if err := fh.Decode(b0); err != nil {
		return fmt.Errorf("%v with bad flags 0x%x: %w", record.PacketType(b0>>4), b0&0x0f, err)
	}
	if dir == record.ToBroker && !t.rseen && b0>>4 != byte(record.TypeConnect) {
		return fmt.Errorf("first packet is %v, not CONNECT", record.PacketType(b0>>4))
	}
	return nil
}
