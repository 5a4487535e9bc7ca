package mqtttest

import (
	"reflect"
	"unsafe"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// endConnection accounts for the messages a connection leaves behind, once
// the broker is done with it (expire: its session ended with it):
//
//   - mochi queues each message for a connected client on a channel that the
//     client's writer goroutine empties; when the connection ends, the writer
//     stops and what is still queued is forgotten. QoS 1 and 2 messages are
//     in the session too, and are sent again if it resumes; a QoS 0 message
//     is gone, and is recorded as a drop here.
//   - when the session ended, mochi cleared its messages (OnQosDropped
//     recorded them), but a message routed to it after the clear stays in a
//     client nobody holds: it is recorded and removed here.
//
// It holds routing's write lock (route.go), so no routing under way can add
// to the queue or the session after it looked.
func (h *hook) endConnection(cl *mqtt.Client, expire bool) {
	h.route.mu.Lock()
	defer h.route.mu.Unlock()
	for _, pk := range queuedWrites(cl) {
		if pk.FixedHeader.Type == packets.Publish && pk.FixedHeader.Qos == 0 {
			h.drop(ToClient, cl.ID, pk, 0, "the connection closed with the message still waiting to be written (QoS 0 messages are not kept)")
		}
	}
	if !expire || cl.IsTakenOver() {
		return
	}
	h.b.inbound.forget(cl.ID)
	reason, _ := h.sessionEnd(cl)
	for _, pk := range cl.State.Inflight.GetAll(false) {
		if pk.FixedHeader.Type == packets.Publish {
			h.drop(ToClient, cl.ID, &pk, pk.FixedHeader.Qos, reason)
			cl.State.Inflight.Delete(pk.PacketID)
		}
	}
}

// outbound is mochi's ClientState.outbound field, or nil.
var outbound = stateField("outbound", reflect.Chan)

// queuedWrites takes what is left on a stopped client's write queue. mochi
// keeps the queue in an unexported field (ClientState.outbound, a channel of
// *packets.Packet) and drops its contents without a word when the client
// stops, so this reaches it through reflect. Receiving from a channel is safe
// while mochi's writer may still take one last packet: each packet goes to
// one of the two. TestMochiFields fails if mochi renames the field.
func queuedWrites(cl *mqtt.Client) []*packets.Packet {
	if outbound == nil {
		return nil
	}
	ch := reflect.NewAt(outbound.Type, unsafe.Add(unsafe.Pointer(&cl.State), outbound.Offset)).Elem()
	var out []*packets.Packet
	for {
		v, ok := ch.TryRecv()
		if !ok {
			return out
		}
		if pk, ok := v.Interface().(*packets.Packet); ok && pk != nil {
			out = append(out, pk)
		}
	}
}
