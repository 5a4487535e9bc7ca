package mqtttest

import (
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
// So the tap holds (tap.resumeGate) back each QoS 1 or 2 PUBLISH without DUP from just
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

// OnQosPublish sees each QoS 1 or 2 message mochi puts in a client's session
// or sends again: it notes those routed to a client whose session resumes.
func (h *hook) OnQosPublish(cl *mqtt.Client, pk packets.Packet, _ int64, _ int) {
	if pk.FixedHeader.Type != packets.Publish || pk.FixedHeader.Dup {
		return
	}
	if t := tapOf(cl); t != nil && t.Resuming() {
		t.RoutedTo(pk.PacketID)
	}
}

// resumed runs once mochi has sent a resumed session's messages again, and
// before it reads from the client: it sends what the resume gate held, each
// recorded as it is sent, through the faults and the client's Receive
// Maximum. It does nothing when the gate is not holding.
func (h *hook) resumed(cl *mqtt.Client, t *brokerConn) {
	if !t.Resuming() {
		return
	}
	h.route.mu.Lock() // routing under way finishes: what it routed to cl is on the queue
	t.FindStale(func(id uint16) bool {
		_, ok := cl.State.Inflight.Get(id)
		return ok
	})
	h.route.mu.Unlock()
	t.SendResumed()
}
