package mqtttest

import (
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// A takeover is a client connecting with the ID of a session the server
// holds. mochi (inheritClientSession) carries the old session over (clean
// start 0) or discards it; either way it clears the old client's messages.
// Five of mochi's races lose or repeat messages here, and the hook closes
// each:
//
//   - mochi reads and handles a connection's packets on one goroutine: an
//     acknowledgement read from the old connection but not handled yet is
//     not in the session the new connection takes, and the message is sent
//     again. The takeover waits until the old connection has handled what
//     it read (awaitHandled).
//   - A message routed to the old client while its session is being cloned
//     is lost: routing's write lock (route.go) is held from just before
//     mochi takes over until it has registered the new client, as it
//     encodes the CONNACK (not while the CONNACK is written, which a Delay
//     fault can make long).
//   - Once it has written the CONNACK, mochi sends the new client every
//     message of the session again, while messages routed to the client
//     meanwhile go out through its write queue: out of order, and twice if
//     routed before mochi listed the session's messages. The tap holds them
//     back until mochi has sent the session's messages again, and leaves
//     the second copies out (resume.go, and the gate in internal/tap/resume.go).
//   - When a connection whose session ends with it (clean session, or
//     session expiry 0) closes, attachClient checks IsTakenOver and then
//     deletes the client ID from the client list; a new client with that
//     ID registered in between is deleted instead, and silently receives
//     nothing more. The end of a connection and a takeover of its ID are
//     serialised by a lock per client ID, held from OnDisconnect until the
//     broker is done with the connection, and from OnSessionEstablish until
//     the new client's CONNACK is written.
//   - mochi writes the takeover's DISCONNECT while it holds no lock of its
//     own but ours; a client that stopped reading would stall every
//     routing. The hook ends the old connection itself first, with the
//     write bounded: v5 clients get DISCONNECT 0x8E, v3 clients are just
//     closed (MQTT 3 has no server DISCONNECT; mochi sends one anyway).
type takeovers struct {
	ids     idLocks
	byID    sync.Map // client ID → takeover, while mochi takes a session over
	expired sync.Map // *mqtt.Client → true: its offline session expired (drops.go)
}

// takeover is a session takeover under way.
type takeover struct {
	old     *mqtt.Client
	carried bool // the old session is carried over, not discarded
}

// OnSessionEstablish runs just before mochi looks for a session with cl's ID
// and takes it over: it serialises that with the end of the old connection
// until cl's CONNACK is written, and with routing until cl is registered.
func (h *hook) OnSessionEstablish(cl *mqtt.Client, pk packets.Packet) {
	t := tapOf(cl)
	if t == nil {
		return
	}
	unlockID := h.takeovers.ids.lock(cl.ID, func() { h.b.cfg.seams.at(func(s *seams) func() { return s.idWaits }) })
	t.onConnack(unlockID)
	old, ok := h.srv.Clients.Get(cl.ID)
	if !ok || old == cl {
		return
	}
	if !old.Closed() {
		h.awaitHandled(old)
		h.endTakenOver(old)
	}
	if !h.route.mu.TryLock() { // routing under way finishes first
		h.b.cfg.seams.at(func(s *seams) func() { return s.routingWaits })
		h.route.mu.Lock()
	}
	carried := !pk.Connect.Clean && !(old.Properties.Clean && old.Properties.ProtocolVersion < 5) // as inheritClientSession decides
	if !carried {
		h.b.inbound.forget(cl.ID)
	}
	h.takeovers.byID.Store(cl.ID, takeover{old: old, carried: carried})
	t.onConnackEncoded(func() {
		useReceiveMaximum(cl, cl.Properties.Props.ReceiveMaximum) // mochi set its quota anew for the session it gave cl
		if carried {
			t.StartResume()
		}
		h.takeovers.byID.Delete(cl.ID)
		h.route.mu.Unlock()
	})
}

// awaitHandled waits until the broker has handled every packet it read
// from old's connection: an acknowledgement the recording shows the broker
// read before the takeover is then out of the session the new connection
// takes, which would otherwise send the message again (mochi reads and
// handles packets on one goroutine, and a takeover does not wait for it).
// It waits no longer than a shutdown's writes: a packet whose handling is
// held up (by a subscriber that stopped reading, say) is then handled after
// the takeover, as mochi would.
func (h *hook) awaitHandled(old *mqtt.Client) {
	t := tapOf(old)
	if t == nil || t.Idle() {
		return
	}
	h.b.cfg.seams.at(func(s *seams) func() { return s.handledWaits })
	deadline := shutdownDeadline()
	for pause := 20 * time.Microsecond; !t.Idle() && time.Now().Before(deadline); pause = min(2*pause, time.Millisecond) {
		time.Sleep(pause) // a poll of a condition, not a guess at timing
	}
}

// endTakenOver ends the connection of a client whose session a new
// connection takes over [MQTT-3.1.4-3]. From now on the old connection gets
// no QoS 1 or 2 message: each is in the session the new connection takes,
// which sends it (mochi's writer could otherwise still write one to the
// old connection after the new one had it).
func (h *hook) endTakenOver(old *mqtt.Client) {
	t := tapOf(old)
	if t != nil {
		t.ExpectClose(ClosedByBroker, "session taken over by a new connection with the same client ID")
		t.LimitWrites(shutdownDeadline())
		t.TakeOver()
		t.MarkDead() // a fault delay on a write under way ends: what it holds is in the session
	}
	if old.Properties.ProtocolVersion < 5 {
		old.Stop(packets.ErrSessionTakenOver)
	} else {
		_ = h.srv.DisconnectClient(old, packets.ErrSessionTakenOver)
	}
	if t != nil { // a barrier: a write under way ends, recorded, before the new connection gets anything
		t.WriteBarrier()
	}
}

// superseded reports whether cl is a client a takeover is replacing or has
// replaced, or whose offline session expired: a message routed to it now
// would be lost.
func (h *hook) superseded(cl *mqtt.Client) bool {
	if cl.IsTakenOver() {
		return true
	}
	if _, ok := h.takeovers.expired.Load(cl); ok {
		return true
	}
	v, ok := h.takeovers.byID.Load(cl.ID)
	return ok && v.(takeover).old == cl
}

// sessionEnd says why the session of cl is ending, as OnQosDropped asks: a
// takeover that carries it over (carried), one that discards it, or the
// reason its connection noted.
func (h *hook) sessionEnd(cl *mqtt.Client) (reason string, carried bool) {
	if v, ok := h.takeovers.byID.Load(cl.ID); ok && v.(takeover).old == cl {
		if v.(takeover).carried {
			return "", true
		}
		return "the client connected again with clean start, which discards the session [MQTT-3.1.2-4]", false
	}
	if t := tapOf(cl); t != nil {
		if r := t.sessionEndReason(); r != "" {
			return r, false
		}
	}
	return "the session ended", false
}

// idLocks is a mutex per client ID.
type idLocks struct {
	mu    sync.Mutex
	locks map[string]*idLock
}

type idLock struct {
	sync.Mutex
	users int // holders and waiters; the entry goes when it reaches 0
}

// lock locks id and returns the function that unlocks it, which may be
// called more than once. It calls waits first if it has to wait.
func (l *idLocks) lock(id string, waits func()) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*idLock{}
	}
	k := l.locks[id]
	if k == nil {
		k = new(idLock)
		l.locks[id] = k
	}
	k.users++
	l.mu.Unlock()
	if !k.TryLock() {
		waits()
		k.Lock()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			k.Unlock()
			l.mu.Lock()
			if k.users--; k.users == 0 {
				delete(l.locks, id)
			}
			l.mu.Unlock()
		})
	}
}
