package tap

import (
	"sync"
	"sync/atomic"

	"github.com/mqtt-testkit/testkit/record"
)

// An MQTT 5 client may tell the broker its Receive Maximum: how many QoS 1
// and 2 PUBLISH packets it takes unacknowledged [MQTT-3.3.4-9]. mochi keeps
// the ones beyond it in the session and sends one each time the client
// acknowledges one, but then deletes the message it sent from the session
// (processPacket, NextImmediate): if the connection drops before the
// client's PUBACK, the message is never sent again, and the PUBACK, finding
// nothing, does not give the quota back. When the session resumes, mochi
// sends every queued message at once, whatever the Receive Maximum, and
// later sends them again without DUP.
//
// So mochi's quota is turned off (the hook sets it to 0, no limit, on each
// connection), and the tap enforces the Receive Maximum instead: it holds a
// QoS 1 or 2 PUBLISH to the client while the client has that many
// unacknowledged, in order, and lets it go when the client acknowledges
// one. A held PUBLISH is recorded when it is sent. It is in the session
// all along, so a connection that ends with PUBLISH packets held loses
// nothing: they are sent when the session resumes.
type window struct {
	on       atomic.Bool // the client has a Receive Maximum: writes go frame by frame
	mu       sync.Mutex
	max      int                 // the client's Receive Maximum; 0 for none
	inflight map[uint16]struct{} // packet IDs of QoS 1 and 2 PUBLISH packets sent and not acknowledged
	queue    [][]byte            // PUBLISH frames held back, oldest first
}

// setReceiveMaximum sets the Receive Maximum the client asked for in its
// CONNECT; 0 or 65535 mean no limit.
func (w *window) setReceiveMaximum(n uint16) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n == 0 || n == 65535 {
		w.max = 0
		w.on.Store(false)
		return
	}
	w.max, w.inflight = int(n), map[uint16]struct{}{}
	w.on.Store(true)
}

// hold decides on a frame to the client: it holds a QoS 1 or 2 PUBLISH
// while the client has Receive Maximum of them unacknowledged, or while
// others are held (true), and otherwise counts it in flight and lets it go.
func (w *window) hold(frame []byte) bool {
	if !w.on.Load() {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := publishID(frame)
	if w.max == 0 || !ok {
		return false
	}
	if _, resent := w.inflight[id]; resent {
		return false // a DUP resend takes no more room
	}
	if len(w.queue) > 0 || len(w.inflight) >= w.max {
		w.queue = append(w.queue, append([]byte(nil), frame...))
		return true
	}
	w.inflight[id] = struct{}{}
	return false
}

// acked notes a frame from the client, and reports whether it ended a QoS
// flow while PUBLISH packets are held: PUBACK, PUBCOMP, or PUBREC with a
// reason code of 0x80 or more.
func (w *window) acked(frame []byte) bool {
	if !w.on.Load() {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.max == 0 {
		return false
	}
	id, ok := ackID(frame)
	if !ok {
		return false
	}
	delete(w.inflight, id)
	return len(w.queue) > 0
}

// next returns the oldest frame held, if there is room for it now.
func (w *window) next() ([]byte, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 || len(w.inflight) >= w.max {
		return nil, false
	}
	f := w.queue[0]
	w.queue = w.queue[1:]
	if id, ok := publishID(f); ok {
		w.inflight[id] = struct{}{}
	}
	return f, true
}

// releaseWindow sends the PUBLISH packets the Receive Maximum now has room
// for: at once if no write is under way, or else from a goroutine once it
// has the turn to write (turn.go), so that reading never waits for
// another write.
func (t *Conn) releaseWindow() {
	if t.tryBeginWrites() {
		t.sendHeldPublishes()
		t.endWrites()
		return
	}
	t.deferred.Add(1)
	go func() {
		defer t.deferred.Add(-1)
		t.beginWrites()
		defer t.endWrites()
		t.sendHeldPublishes()
	}()
}

// sendHeldPublishes records and sends the PUBLISH packets there is room
// for. The caller holds wmu and the turn to write.
func (t *Conn) sendHeldPublishes() {
	if t.writesEnded() {
		return
	}
	for {
		f, ok := t.window.next()
		if !ok {
			break
		}
		t.sendHeld(f)
	}
	t.flushOut()
}

// isQoSPublish reports whether frame is a QoS 1 or 2 PUBLISH.
func isQoSPublish(frame []byte) bool {
	return record.PacketType(frame[0]>>4) == record.TypePublish && (frame[0]>>1)&3 != 0
}

// publishID returns the packet ID of a QoS 1 or 2 PUBLISH frame.
func publishID(frame []byte) (uint16, bool) {
	if !isQoSPublish(frame) {
		return 0, false
	}
	_, h, err := record.FrameLength(frame)
	if err != nil || len(frame) < h+2 {
		return 0, false
	}
	at := h + 2 + (int(frame[h])<<8 | int(frame[h+1]))
	if len(frame) < at+2 {
		return 0, false
	}
	return uint16(frame[at])<<8 | uint16(frame[at+1]), true
}

// ackID returns the packet ID of a frame that ends a QoS flow of the
// broker's: PUBACK, PUBCOMP, or PUBREC with a reason code of 0x80 or more.
func ackID(frame []byte) (uint16, bool) {
	typ := record.PacketType(frame[0] >> 4)
	if typ != record.TypePuback && typ != record.TypePubcomp && typ != record.TypePubrec {
		return 0, false
	}
	_, h, err := record.FrameLength(frame)
	if err != nil || len(frame) < h+2 {
		return 0, false
	}
	if typ == record.TypePubrec && (len(frame) < h+3 || frame[h+2] < 0x80) {
		return 0, false
	}
	return uint16(frame[h])<<8 | uint16(frame[h+1]), true
}

// SetReceiveMaximum has the tap enforce the Receive Maximum the client
// asked for in its CONNECT; 0 or 65535 mean no limit. The broker calls it
// before any message can be routed to the client.
func (t *Conn) SetReceiveMaximum(n uint16) { t.window.setReceiveMaximum(n) }
