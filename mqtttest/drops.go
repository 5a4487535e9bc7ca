package mqtttest

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mqtt-testkit/testkit/record"
)

// Every message the broker drops by itself is a record (EventDrop), so that
// a test that lost a message can tell the broker's doing from its client's.
// mochi reports some drops through hooks, which the methods below receive,
// and the rest only in its log (droplog.go), which undelivered receives.

// recordDrop records that the broker dropped pk, with qos the QoS it had
// for clientID. dir is ToClient for a message on its way to clientID and
// ToBroker for one clientID published ("" for Broker.Publish).
func (b *Broker) recordDrop(dir Direction, clientID string, pk *packets.Packet, qos byte, reason string) {
	r := Record{
		Event: EventDrop, Type: TypePublish, Dir: dir, ClientID: clientID, Topic: pk.TopicName,
		Payload: bytes.Clone(pk.Payload), QoS: qos, Retain: pk.FixedHeader.Retain, Reason: reason,
	}
	if dir == ToClient {
		r.PacketID = pk.PacketID
	}
	b.w.Add(r)
}

// drop records a drop the server reports, unless Restart has retired the
// server: what it held then is the new server's now, or recorded by Restart.
func (h *hook) drop(dir Direction, clientID string, pk *packets.Packet, qos byte, reason string) {
	if !h.retired.Load() {
		h.b.recordDrop(dir, clientID, pk, qos, reason)
	}
}

// retire stops the hook recording drops: Restart has stopped its server.
func (h *hook) retire() { h.retired.Store(true) }

// publisherID is the client ID drops name for a message cl published: ""
// for Broker.Publish.
func publisherID(cl *mqtt.Client) string {
	if cl.Net.Inline {
		return ""
	}
	return cl.ID
}

// refusedPublish records a PUBLISH that mochi drops without a word: one
// WithACL refuses (a refused QoS 0 message gets no answer), and one to a
// $SYS topic, which mochi neither routes nor acknowledges.
func (h *hook) refusedPublish(cl *mqtt.Client, pk *packets.Packet) {
	if pk.FixedHeader.Type != packets.Publish || cl.Net.Inline || !record.ValidTopic(pk.TopicName) {
		return // a wildcard topic is a protocol error: the record of the packet is malformed
	}
	switch {
	case !mqtt.IsValidFilter(pk.TopicName, true):
		h.drop(ToBroker, cl.ID, pk, pk.FixedHeader.Qos, "not routed and not acknowledged: clients may not publish to $SYS topics")
	case len(h.b.cfg.acl) > 0 && !h.b.aclAllows(pk.TopicName, true):
		h.drop(ToBroker, cl.ID, pk, pk.FixedHeader.Qos, "refused by WithACL: publishing to "+pk.TopicName+" is denied")
	}
}

// checkSubscribers records pk, which publisherID published, if no
// subscription matches it (unless it is retained: the broker keeps it), and
// for each subscriber that mochi's topic index holds but its client list
// does not. It runs as routing starts (route.go), so it sees the
// subscriptions mochi routes to, bar a SUBSCRIBE or UNSUBSCRIBE that a
// client sends, or a session that ends, at that very moment.
func (h *hook) checkSubscribers(publisherID string, pk *packets.Packet) {
	subs := h.subscribersOf(pk.TopicName)
	if !subs.any && !pk.FixedHeader.Retain {
		h.drop(ToBroker, publisherID, pk, pk.FixedHeader.Qos, "no subscriber matched")
	}
	for _, id := range subs.clients { // mochi skips a subscriber it no longer knows without a word
		if _, ok := h.srv.Clients.Get(id); !ok {
			h.drop(ToClient, id, pk, h.deliveredQoS(id, pk), "the topic index holds a subscription of this client, but the broker no longer knows the client")
		}
	}
}

// notRouted records a PUBLISH mochi took in but did not route, if it was
// one: mochi could not acknowledge it, or the client broke the Receive
// Maximum. (A publish WithACL refused was recorded on arrival.)
func (h *hook) notRouted(cl *mqtt.Client, pk packets.Packet, err error) {
	if cl.Net.Inline || pk.FixedHeader.Type != packets.Publish || !h.b.aclAllows(pk.TopicName, true) {
		return
	}
	reason := fmt.Sprintf("not routed: the broker could not acknowledge it (%v); a client with a session sends it again", err)
	if errors.Is(err, packets.ErrReceiveMaximum) {
		reason = fmt.Sprintf("not routed: the client had more unacknowledged QoS 2 messages than the broker's Receive Maximum of %d [MQTT-3.3.4-9]",
			h.srv.Options.Capabilities.ReceiveMaximum)
	} else if pk.FixedHeader.Qos == 2 {
		forgetPubrec(h.srv, cl, pk.PacketID)
	}
	h.drop(ToBroker, cl.ID, &pk, pk.FixedHeader.Qos, reason)
}

// forgetPubrec takes out of cl's session the PUBREC mochi kept for a QoS 2
// message it could not acknowledge, and so did not route. mochi would send
// that PUBREC again when the session resumes, and answer the client's
// PUBLISH sent again (DUP, same packet ID) as one it already had, routing
// nothing: the message would be lost (TestQoS2ResentAfterUnwrittenPubrec).
// Without it, the PUBLISH sent again is routed, once.
func forgetPubrec(srv *mqtt.Server, cl *mqtt.Client, id uint16) {
	if pk, ok := cl.State.Inflight.Get(id); ok && pk.FixedHeader.Type == packets.Pubrec && cl.State.Inflight.Delete(id) {
		atomic.AddInt64(&srv.Info.Inflight, -1)
		cl.State.Inflight.IncreaseReceiveQuota()
	}
}

// undelivered records a message mochi could not deliver to clientID, as
// its log reports it (droplog.go). pk is the message as published, or, when
// written is true, as it was being written to the client.
func (h *hook) undelivered(clientID string, pk *packets.Packet, err error, written bool) {
	caps := h.srv.Options.Capabilities
	qos := pk.FixedHeader.Qos
	if !written { // the message as published: its packet ID is the publisher's
		qos = h.deliveredQoS(clientID, pk)
		c := *pk
		c.PacketID = 0
		pk = &c
	}
	var reason string
	switch {
	case written && errors.Is(err, packets.ErrPacketTooLarge):
		reason = "larger than the Maximum Packet Size the client allows [MQTT-3.1.2-25]"
	case written && qos > 0:
		return // still in flight: sent again when the session resumes, or dropped with it
	case written:
		reason = fmt.Sprintf("not written: %v (QoS 0 messages are not kept)", err)
	case errors.Is(err, packets.ErrNotAuthorized) && !h.b.aclAllows(pk.TopicName, false):
		reason = "refused by WithACL: delivery on " + pk.TopicName + " is denied"
	case errors.Is(err, packets.ErrNotAuthorized): // refused by OnACLCheck: see hook.superseded
		reason = "the client's session was being taken over, or had ended or expired, as the message was routed"
	case errors.Is(err, packets.ErrPendingClientWritesExceeded):
		reason = fmt.Sprintf("the client's write queue was full (%d messages, WithMaxPendingWrites)", caps.MaximumClientWritesPending)
	case errors.Is(err, packets.ErrQuotaExceeded):
		reason = fmt.Sprintf("the client had %d messages in flight, the limit (WithMaxInflight)", caps.MaximumInflight)
		if cl, ok := h.srv.Clients.Get(clientID); ok && cl.State.Inflight.Len() < int(caps.MaximumInflight) {
			reason = "every packet identifier of the client is in use"
		}
	case errors.Is(err, packets.CodeDisconnect):
		if qos > 0 {
			return // queued for the offline session
		}
		reason = "the client is not connected, and QoS 0 messages are not queued"
	default:
		reason = err.Error()
	}
	h.drop(ToClient, clientID, pk, qos, reason)
}

// deliveredQoS returns the QoS pk has for clientID: the lower of its own and
// that of clientID's subscriptions that match it [MQTT-3.8.4-8].
func (h *hook) deliveredQoS(clientID string, pk *packets.Packet) byte {
	s := h.srv.Topics.Subscribers(pk.TopicName)
	var sub byte
	if sb, ok := s.Subscriptions[clientID]; ok {
		sub = sb.Qos
	}
	for _, group := range s.Shared {
		if sb, ok := group[clientID]; ok {
			sub = max(sub, sb.Qos)
		}
	}
	return min(pk.FixedHeader.Qos, sub, h.srv.Options.Capabilities.MaximumQos)
}

// OnQosDropped records a QoS 1 or 2 message mochi dropped from a session:
// it expired, or the session ended. mochi also calls it for acknowledgement
// flows a client refused, and a second time, with only the packet ID, for
// each expired message; neither is a message lost.
func (h *hook) OnQosDropped(cl *mqtt.Client, pk packets.Packet) {
	if pk.FixedHeader.Type != packets.Publish {
		return
	}
	var reason string
	switch {
	case pk.Expiry > 0 && pk.Expiry < time.Now().Unix():
		reason = fmt.Sprintf("its Message Expiry Interval of %d s passed before delivery [MQTT-3.3.2-5]", pk.Properties.MessageExpiryInterval)
	default:
		var carried bool
		reason, carried = h.sessionEnd(cl)
		if carried {
			return // taken over: the new connection has it
		}
	}
	h.drop(ToClient, cl.ID, &pk, pk.FixedHeader.Qos, reason)
}

// OnClientExpired records the messages queued for an offline session that
// expires. Holding routing's write lock (route.go), it marks the client
// expired, so that a message routed to it from now on, before mochi
// unregisters it, is refused and recorded rather than queued in a session
// nobody holds, and it removes the session's subscriptions, which mochi
// leaves in its topic index: once the drops are recorded, a new message
// finds no subscriber.
func (h *hook) OnClientExpired(cl *mqtt.Client) {
	reason := fmt.Sprintf("the offline session expired (Session Expiry Interval %d s) with the message queued", cl.Properties.Props.SessionExpiryInterval)
	if cl.Properties.ProtocolVersion < 5 {
		reason = "the offline session expired with the message queued"
	}
	if !h.route.mu.TryLock() { // routing under way finishes first
		h.b.cfg.seams.at(func(s *seams) func() { return s.expiryWaits })
		h.route.mu.Lock()
	}
	h.takeovers.expired.Store(cl, true)
	h.srv.UnsubscribeClient(cl)
	h.recordQueued(cl, reason)
	for _, pk := range cl.State.Inflight.GetAll(false) { // recorded as dropped: nothing may carry them over now
		cl.State.Inflight.Delete(pk.PacketID)
	}
	h.route.mu.Unlock()
	h.b.inbound.forget(cl.ID)
}

// OnRetainedExpired records a retained message that expired.
func (h *hook) OnRetainedExpired(topic string) {
	h.drop(ToBroker, "", &packets.Packet{TopicName: topic, FixedHeader: packets.FixedHeader{Retain: true}}, 0,
		"the retained message's Message Expiry Interval passed [MQTT-3.3.2-5]")
}

// recordQueued records each message queued for cl, which is about to be lost.
func (h *hook) recordQueued(cl *mqtt.Client, reason string) {
	for _, pk := range cl.State.Inflight.GetAll(false) {
		if pk.FixedHeader.Type == packets.Publish {
			h.drop(ToClient, cl.ID, &pk, pk.FixedHeader.Qos, reason)
		}
	}
}

// reasonSessionEnded says why the session of cl ends with its connection.
func reasonSessionEnded(cl *mqtt.Client) string {
	if cl.Properties.ProtocolVersion < 5 {
		return "the session ended with its connection (clean session)"
	}
	return "the session ended with its connection (Session Expiry Interval 0)"
}
