package mqtttest

import (
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Backpressure. mochi never slows a publisher down: a message for a client
// that reads or acknowledges slowly joins that client's queue, and when the
// queue is full (the in-flight limit, the write queue) the message is
// dropped. A test broker must not lose messages on its own, so before mochi
// routes a message, the hook waits while a connected subscriber has
// WithBackpressure messages unacknowledged: the publisher's PUBACK comes
// later, as it would from a real broker behind a slow TCP connection.
//
// The wait never deadlocks the broker. It is skipped for a subscriber whose
// own connection is having a packet handled that may route a message (the
// subscriber may be the publisher, or be waiting on this one), and it ends
// when the subscriber acknowledges a message, disconnects, or is taken
// over. A subscriber that acknowledges nothing for backpressureStall (a
// client that stopped reading, or one waiting for this very publisher) is
// marked stalled, and nobody waits for it until it catches up: from then on
// its messages queue up to the in-flight limit, and a message beyond it is
// dropped and recorded.

// backpressureStall is how long a publisher waits for a subscriber that
// acknowledges nothing before it stops waiting.
const backpressureStall = 2 * time.Second

// flowGate is the backpressure state of one connection.
type flowGate struct {
	stalled atomic.Bool  // the client acknowledged nothing for backpressureStall; nobody waits for it
	waiting atomic.Int32 // publishers waiting for it

	mu      sync.Mutex
	changed chan struct{} // closed when the client acknowledges a message; nil when nobody waits
}

// acked wakes the publishers waiting for the client: it acknowledged a
// message. It costs one atomic load when nobody waits.
func (g *flowGate) acked() {
	if g.waiting.Load() == 0 {
		return
	}
	g.mu.Lock()
	if g.changed != nil {
		close(g.changed)
		g.changed = nil
	}
	g.mu.Unlock()
}

// next returns a channel closed by the next acked.
func (g *flowGate) next() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.changed == nil {
		g.changed = make(chan struct{})
	}
	return g.changed
}

// waitForSubscribers waits, for a message from cl on topic, until every
// connected subscriber has fewer than the broker's backpressure window of
// messages in flight (see above).
func (h *hook) waitForSubscribers(cl *mqtt.Client, topic string) {
	window := h.b.cfg.backpressure
	if window == 0 {
		return
	}
	for _, id := range h.subscribersOf(topic).clients {
		if id == cl.ID {
			continue
		}
		if sub, ok := h.srv.Clients.Get(id); ok {
			if t := tapOf(sub); t != nil {
				t.waitBelow(sub, window)
			}
		}
	}
}

// waitBelow waits until cl, the client on this connection, has fewer than
// window messages in flight, unless that cannot be waited for.
func (t *brokerConn) waitBelow(cl *mqtt.Client, window int) {
	g := &t.flow
	inflight := cl.State.Inflight
	if inflight.Len() < window {
		g.stalled.Store(false)
		return
	}
	if g.stalled.Load() || t.MayRoute() || cl.Closed() {
		return
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	t.seams.atClient(func(s *seams) func(*mqtt.Client) { return s.backpressure }, cl)
	stall := time.NewTimer(backpressureStall)
	defer stall.Stop()
	for {
		ch := g.next()
		if inflight.Len() < window || cl.Closed() || t.MayRoute() {
			return
		}
		select {
		case <-ch:
		case <-t.Dead():
			return
		case <-stall.C:
			g.stalled.Store(true)
			return
		}
	}
}

// OnQosComplete wakes the publishers waiting for cl: it acknowledged a message.
func (h *hook) OnQosComplete(cl *mqtt.Client, _ packets.Packet) {
	if t := tapOf(cl); t != nil {
		t.flow.acked()
	}
}
