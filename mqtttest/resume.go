package mqtttest

import (
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// When a connection resumes a session, mochi writes the CONNACK and then
// sends every message of the session again (ResendInflightMessages, with
// DUP), while messages routed to the client meanwhile go out through its
// write queue. So a new message could reach the client before the resends,
// out of order [MQTT-4.6.0-6], and a message routed after the client was
// registered but before mochi listed the session's messages was both resent
// and written from the queue: twice, the second copy without DUP.
//
// So the tap holds back each QoS 1 or 2 PUBLISH without DUP from just
// before mochi registers the resuming client until it has sent the
// session's messages again (OnSessionEstablished), noting the packet IDs
// of the resends and of the messages routed to the client meanwhile
// (OnQosPublish). Then it works out which resends also sit on the write
// queue (stale): sent again, routed meanwhile, and still in the session.
// It sends what it held, in order, except those copies, and leaves out the
// first PUBLISH without DUP with each stale packet ID still to come from
// the queue. The queue is first in,
// first out, and a packet ID is used again only after the client has
// acknowledged it, which mochi reads only after that, so the copy comes
// before any new message with its packet ID. (A takeover that ends the
// connection meanwhile clears the session, and then nothing of QoS 1 or 2
// is written to the connection any more: takeover.go.)
//
// A held message is in the session all along, so a connection that ends
// with messages held loses none: they are sent again when the session
// resumes, or recorded as dropped when it ends. QoS 0 messages are not
// held: no order is promised between messages of different QoS.
type resumeGate struct {
	on      atomic.Bool // holding or leaving out: frames to the client go through take
	mu      sync.Mutex
	holding bool                // until mochi has sent the session again
	routed  map[uint16]struct{} // packet IDs of the messages routed to the client while holding
	resent  map[uint16]struct{} // packet IDs of the PUBLISH packets sent again
	queue   [][]byte            // held frames, oldest first
	stale   map[uint16]struct{} // packet IDs whose copy on the write queue is still to come
}

// close starts holding PUBLISH packets back.
func (g *resumeGate) close() {
	g.mu.Lock()
	g.holding = true
	g.routed, g.resent = map[uint16]struct{}{}, map[uint16]struct{}{}
	g.mu.Unlock()
	g.on.Store(true)
}

// routedTo notes the packet ID of a message routed to the client: put in
// its session, and on its write queue.
func (g *resumeGate) routedTo(id uint16) {
	g.mu.Lock()
	if g.holding {
		g.routed[id] = struct{}{}
	}
	g.mu.Unlock()
}

// take decides on a frame to the client while the gate is on: it holds a
// QoS 1 or 2 PUBLISH without DUP, or leaves out a stale copy (true), and
// notes the packet ID of a PUBLISH sent again.
func (g *resumeGate) take(frame []byte) bool {
	if !g.on.Load() {
		return false
	}
	id, ok := publishID(frame)
	if !ok {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	dup := frame[0]&0x08 != 0
	switch {
	case g.holding && dup:
		g.resent[id] = struct{}{}
		return false
	case g.holding:
		g.queue = append(g.queue, append([]byte(nil), frame...))
		return true
	case dup:
		return false
	}
	if _, ok := g.stale[id]; !ok {
		return false
	}
	delete(g.stale, id)
	if len(g.stale) == 0 {
		g.stale = nil
		g.on.Store(false)
	}
	return true
}

// findStale works out which packet IDs were sent again and also sit on the
// write queue: routed to the client while holding, and in its session now
// (inSession). The caller holds routing's write lock, so every message
// routed to the client is on the queue by now.
func (g *resumeGate) findStale(inSession func(uint16) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.holding {
		return
	}
	g.stale = map[uint16]struct{}{}
	for id := range g.resent {
		if _, ok := g.routed[id]; ok && inSession(id) {
			g.stale[id] = struct{}{}
		}
	}
}

// open stops holding PUBLISH packets back and returns those held, oldest
// first, except the stale copies, which it leaves out. The gate stays on
// while stale copies are still to come from the write queue.
func (g *resumeGate) open() [][]byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out [][]byte
	for _, f := range g.queue {
		if id, ok := publishID(f); ok {
			if _, stale := g.stale[id]; stale {
				delete(g.stale, id)
				continue
			}
		}
		out = append(out, f)
	}
	g.holding, g.queue, g.routed, g.resent = false, nil, nil, nil
	if len(g.stale) == 0 {
		g.stale = nil
		g.on.Store(false)
	}
	return out
}

// OnQosPublish sees each QoS 1 or 2 message mochi puts in a client's session
// or sends again: it notes those routed to a client whose session resumes.
func (h *hook) OnQosPublish(cl *mqtt.Client, pk packets.Packet, _ int64, _ int) {
	if pk.FixedHeader.Type != packets.Publish || pk.FixedHeader.Dup {
		return
	}
	if t := tapOf(cl); t != nil && t.resume.on.Load() {
		t.resume.routedTo(pk.PacketID)
	}
}

// resumed runs once mochi has sent a resumed session's messages again, and
// before it reads from the client: it sends what the resume gate held, each
// recorded as it is sent, through the faults and the client's Receive
// Maximum. It does nothing when the gate is not holding.
func (h *hook) resumed(cl *mqtt.Client, t *brokerConn) {
	if !t.resume.on.Load() {
		return
	}
	h.route.mu.Lock() // routing under way finishes: what it routed to cl is on the queue
	t.resume.findStale(func(id uint16) bool {
		_, ok := cl.State.Inflight.Get(id)
		return ok
	})
	h.route.mu.Unlock()
	t.beginWrites()
	defer t.endWrites()
	frames := t.resume.open()
	if t.writesEnded() {
		return // the connection is gone; the messages are in the session
	}
	t.werr = nil
	for _, f := range frames {
		if !t.window.hold(f) {
			t.sendHeld(f)
		}
	}
	t.flushOut()
}
