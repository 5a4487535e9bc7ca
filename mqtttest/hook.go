package mqtttest

import (
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// hook is our mochi hook on one server (Restart makes a new one with the new
// server). It applies WithAuth and WithACL (acl.go), notes each client's
// CONNECT for Broker.Clients (clients.go), names each tapped connection
// after its client, records the messages the server drops by itself
// (drops.go, droplog.go, connend.go, subcache.go), slows publishers down
// rather than let a slow subscriber's queue overflow (flow.go), and works
// around mochi's faults that lose or repeat messages (route.go, takeover.go,
// packetid.go, window.go). Without an auth hook mochi refuses every client;
// this one allows all by default. The hook methods that serve several of
// these are here; the others are in the file of what they serve.
type hook struct {
	mqtt.HookBase
	b          *Broker
	srv        *mqtt.Server
	route      routing
	takeovers  takeovers
	subscribed subscribed  // which topics have subscribers
	retired    atomic.Bool // Restart stopped the server (drops.go)
}

// ID names the hook in mochi's logs.
func (h *hook) ID() string { return "mqtttest" }

// Provides lists the hook methods mochi should call.
func (h *hook) Provides(b byte) bool {
	switch b {
	case mqtt.OnConnect, mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnDisconnect,
		mqtt.OnSessionEstablish, mqtt.OnSessionEstablished, mqtt.OnPacketEncode,
		mqtt.OnPacketRead, mqtt.OnPacketSent, mqtt.OnPacketProcessed, mqtt.OnPublish, mqtt.OnSubscribe, mqtt.OnSubscribed,
		mqtt.OnUnsubscribe, mqtt.OnUnsubscribed,
		mqtt.OnWill, mqtt.OnWillSent, mqtt.OnQosPublish, mqtt.OnQosComplete,
		mqtt.OnQosDropped, mqtt.OnClientExpired, mqtt.OnRetainedExpired:
		return true
	}
	return false
}

// OnConnect names the tapped connection after the client, before the
// CONNACK: mochi has by now assigned an ID to a v3 client that sent none. It
// also notes the client's keepalive (keepalive.go) and has the tap enforce
// its Receive Maximum.
func (h *hook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	if t := tapOf(cl); t != nil {
		t.SetClientID(cl.ID)
		t.keepalive.Store(uint32(cl.State.Keepalive))
	}
	useReceiveMaximum(cl, pk.Properties.ReceiveMaximum) // window.go
	return nil
}

// OnPacketRead sees each packet mochi reads from a client before mochi
// handles it: it records a PUBLISH WithACL refuses, and translates the
// packet identifiers of the client's QoS flows (packetid.go).
func (h *hook) OnPacketRead(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	h.refusedPublish(cl, &pk)
	h.translateIn(cl, &pk)
	if s := h.b.cfg.seams; s != nil && s.handling != nil {
		s.handling(cl, PacketType(pk.FixedHeader.Type))
	}
	return pk, nil
}

// OnPacketEncode sees each packet mochi writes to a client: it keeps MQTT
// 5's codes and packets from a client of an older protocol (v3compat.go),
// announces the Maximum Packet Size mochi leaves out (maxpacket.go),
// puts the client's own packet identifier back on the acknowledgements of
// the client's QoS flows, and ends a takeover's hold on routing once mochi
// has registered the new client, as it encodes its CONNACK (takeover.go).
func (h *hook) OnPacketEncode(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	fitV3(cl, &pk)
	announceMaxPacketSize(cl, &pk, h.srv.Options.Capabilities.MaximumPacketSize)
	if pk.FixedHeader.Type == packets.Connack {
		if t := tapOf(cl); t != nil {
			t.connackEncoded()
		}
	}
	h.translateOut(cl, &pk)
	if s := h.b.cfg.seams; s != nil && s.encoding != nil {
		s.encoding(cl, PacketType(pk.FixedHeader.Type))
	}
	return pk
}

// OnPublish runs just before mochi routes a message: it waits for
// subscribers that are behind (flow.go), and starts the routing (route.go),
// which for QoS 1 and 2 starts once the PUBACK or PUBREC is written.
func (h *hook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	h.waitForSubscribers(cl, pk.TopicName)
	if t := tapOf(cl); t != nil && pk.FixedHeader.Qos > 0 {
		t.route.awaitAck, t.route.pk = true, pk
		return pk, nil
	}
	h.startRouting(cl, &pk)
	return pk, nil
}

// OnPacketProcessed runs when mochi is done with a packet from cl: it ends
// the routing the packet started, and records a PUBLISH mochi did not route.
func (h *hook) OnPacketProcessed(cl *mqtt.Client, pk packets.Packet, err error) {
	h.endRouting(cl, pk)
	if err != nil {
		h.notRouted(cl, pk, err)
	}
}

// OnWillSent runs when mochi has routed a will: it ends the routing.
func (h *hook) OnWillSent(cl *mqtt.Client, pk packets.Packet) {
	h.endWillRouting(cl)
}

// OnDisconnect runs when a client's connection has ended, just before mochi
// decides whether its session ends too: it tells the tap why the broker
// stopped the client, and locks the client ID until the broker is done with
// the connection (takeover.go). Then the messages the connection leaves
// behind are accounted for (endConnection).
func (h *hook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	t := tapOf(cl)
	if t == nil {
		return
	}
	t.Stopped(cl.StopCause())
	if expire {
		t.setSessionEnd(reasonSessionEnded(cl))
	}
	unlockID := h.takeovers.ids.lock(cl.ID, func() {})
	t.OnFinish(func() {
		h.endConnection(cl, expire)
		unlockID()
	})
}

// OnUnsubscribed runs when subscriptions have gone: an UNSUBSCRIBE, or a
// session that ends or expires. It forgets which topics have subscribers
// (subcache.go), and is a seam for tests: when a session ends with its
// connection, mochi calls it between deciding so and unregistering the client.
func (h *hook) OnUnsubscribed(cl *mqtt.Client, pk packets.Packet) {
	h.subscribed.changed()
	h.b.cfg.seams.atClient(func(s *seams) func(*mqtt.Client) { return s.sessionEnding }, cl)
}
