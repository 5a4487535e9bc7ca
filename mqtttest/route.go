package mqtttest

import (
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// mochi routes a message in two steps: publishToSubscribers looks each
// subscriber up by client ID, then publishToClient adds the message to that
// client's session. Two things must not happen between the steps, or the
// message is lost without a trace:
//
//   - a takeover (takeover.go): inheritClientSession clones the old client's
//     in-flight messages, clears them, and only then registers the new
//     client, so a message added to the old client after the clone is gone;
//   - the end of a session with its connection: attachClient clears the
//     client's messages and unregisters it, and a message added after the
//     clear stays in a client nobody holds;
//   - the expiry of an offline session (drops.go, OnClientExpired), the same
//     way.
//
// So each path of mochi's that routes holds routing's read lock while it
// routes, and takeovers (until the new client is registered), the ends of
// connections and expiries take the write lock. Neither lock is held
// around a write to a socket (which a Delay fault can make long), and the
// read lock is taken after any backpressure wait (flow.go), so the write
// lock is never held up for long. Which hooks start and end each path:
//
//	client PUBLISH, QoS 0      OnPublish                 → OnPacketProcessed
//	client PUBLISH, QoS 1, 2   OnPacketSent (its ack)    → OnPacketProcessed
//	Broker.Publish             OnPublish                 → OnPacketProcessed
//	SUBSCRIBE                  OnSubscribe               → OnSubscribed (the subscription)
//	                           OnPacketSent (SUBACK)     → OnPacketProcessed (retained messages)
//	will, sent at once         OnWill                    → OnWillSent
//
// Two paths run on mochi's event loop with no hook before them: delayed
// wills and $SYS topics. A message they route to a client that is being
// taken over, or whose session has ended, is refused in OnACLCheck and
// recorded as a drop, instead of vanishing.
type routing struct {
	mu sync.RWMutex
}

// routeState is what a connection's own goroutine notes of the routing it
// does; only that goroutine touches it.
type routeState struct {
	awaitAck bool           // routing starts once the packet's acknowledgement is written
	pk       packets.Packet // the PUBLISH whose routing waits for its acknowledgement
	routing  bool           // it holds routing's read lock
}

// startRouting takes routing's read lock for a packet of cl's (the inline
// client's: for Broker.Publish) that mochi is about to route, and, for a
// PUBLISH (pk not nil), records it if nobody will receive it.
func (h *hook) startRouting(cl *mqtt.Client, pk *packets.Packet) {
	if !h.route.mu.TryRLock() { // a takeover or the end of a connection is under way
		h.b.cfg.seams.at(func(s *seams) func() { return s.routeWaits })
		h.route.mu.RLock()
	}
	if t := tapOf(cl); t != nil {
		t.route.routing = true
	}
	if pk != nil {
		h.checkSubscribers(publisherID(cl), pk)
	}
}

// OnPacketSent starts the routing that waited for an acknowledgement to be
// written: mochi routes a QoS 1 or 2 PUBLISH right after its PUBACK or
// PUBREC, and a subscription's retained messages right after its SUBACK.
//
// It also ends a takeover's hold on the client ID (takeover.go) once the new
// client's CONNACK is written: the client has its CONNACK before another
// takeover can end the connection.
func (h *hook) OnPacketSent(cl *mqtt.Client, pk packets.Packet, _ []byte) {
	switch pk.FixedHeader.Type {
	case packets.Connack:
		if t := tapOf(cl); t != nil {
			t.connackWritten()
			h.b.cfg.seams.atClient(func(s *seams) func(*mqtt.Client) { return s.resending }, cl)
		}
	case packets.Puback, packets.Pubrec, packets.Suback:
		if t := tapOf(cl); t != nil && t.route.awaitAck {
			t.route.awaitAck = false
			h.b.cfg.seams.atClient(func(s *seams) func(*mqtt.Client) { return s.ackWritten }, cl)
			if pk.FixedHeader.Type == packets.Suback {
				h.startRouting(cl, nil)
			} else {
				h.startRouting(cl, &t.route.pk)
			}
		}
	}
}

// OnSubscribe starts the routing of a SUBSCRIBE: mochi adds the
// subscriptions to the client's session. (It also forgets which topics have
// subscribers: subcache.go.)
func (h *hook) OnSubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	h.subscribed.changed()
	h.startRouting(cl, nil)
	return pk
}

// OnSubscribed pauses the routing of a SUBSCRIBE while mochi writes the
// SUBACK; it starts again once the SUBACK is written (OnPacketSent). (It
// also forgets which topics have subscribers: subcache.go.)
func (h *hook) OnSubscribed(cl *mqtt.Client, pk packets.Packet, reasonCodes []byte) {
	h.subscribed.changed()
	if t := tapOf(cl); t != nil && t.route.routing {
		t.route.routing = false
		h.route.mu.RUnlock()
		t.route.awaitAck = true
	}
}

// OnWill starts the routing of a will that is sent at once (a delayed will
// is routed later, from mochi's event loop).
func (h *hook) OnWill(cl *mqtt.Client, will mqtt.Will) (mqtt.Will, error) {
	if t := tapOf(cl); t != nil && cl.Properties.Will.WillDelayInterval == 0 {
		h.route.mu.RLock()
		t.willRouting.Store(true)
		h.checkSubscribers(cl.ID, &packets.Packet{
			FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: will.Qos, Retain: will.Retain},
			TopicName:   will.TopicName, Payload: will.Payload,
		})
	}
	return will, nil
}

// endRouting releases what startRouting took for pk, once mochi has handled it.
func (h *hook) endRouting(cl *mqtt.Client, pk packets.Packet) {
	t := tapOf(cl)
	switch {
	case cl.Net.Inline:
		if pk.FixedHeader.Type == packets.Publish {
			h.route.mu.RUnlock()
		}
	case t != nil:
		if t.route.routing {
			h.route.mu.RUnlock()
		}
		t.route.awaitAck, t.route.routing, t.route.pk = false, false, packets.Packet{}
	}
}

// endWillRouting releases what OnWill took.
func (h *hook) endWillRouting(cl *mqtt.Client) {
	if t := tapOf(cl); t != nil && t.willRouting.CompareAndSwap(true, false) {
		h.route.mu.RUnlock()
	}
}
