package tap

import (
	"sync"
	"sync/atomic"
)

// resumeGate holds back what mochi writes to a client whose session
// resumes, until mochi has sent the session's messages again: each QoS 1 or
// 2 PUBLISH without DUP, from StartResume until SendResumed, noting the
// packet IDs of the resends and of the messages routed to the client
// meanwhile (RoutedTo). FindStale then works out which resends also sit on
// mochi's write queue (sent again, routed meanwhile, still in the
// session), and SendResumed sends what was held, in order, leaving those
// copies out, and leaves out the first PUBLISH without DUP with each stale
// packet ID still to come from the queue. mqtttest's resume.go says why.
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

// StartResume starts holding PUBLISH packets back: the broker is about to
// register a client that resumes a session.
func (t *Conn) StartResume() { t.resume.close() }

// Resuming reports whether the gate holds PUBLISH packets back or leaves
// stale copies out.
func (t *Conn) Resuming() bool { return t.resume.on.Load() }

// RoutedTo notes the packet ID of a QoS 1 or 2 message the broker routed to
// the client (put in its session, and on its write queue).
func (t *Conn) RoutedTo(id uint16) { t.resume.routedTo(id) }

// FindStale works out which packet IDs were sent again and also sit on the
// write queue (inSession says whether the session holds a packet ID). The
// caller makes sure every message routed to the client is on the queue by
// now.
func (t *Conn) FindStale(inSession func(uint16) bool) { t.resume.findStale(inSession) }

// SendResumed stops holding back and sends what was held, each recorded as
// it is sent, through the faults and the client's Receive Maximum. It
// writes nothing once the connection is cut or a write failed: the
// messages are in the session.
func (t *Conn) SendResumed() {
	t.beginWrites()
	defer t.endWrites()
	frames := t.resume.open()
	if t.writesEnded() {
		return
	}
	t.werr = nil
	for _, f := range frames {
		if !t.window.hold(f) {
			t.sendHeld(f)
		}
	}
	t.flushOut()
}
