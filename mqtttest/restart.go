package mqtttest

import (
	"fmt"
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Restart stops the broker and starts it again on the same addresses, as a
// broker process restart would. Every client sees its connection end (v5
// clients get DISCONNECT 0x8B) and reconnects as it would in production.
// With keepSessions the new broker starts with what the old one held:
// persistent sessions, their subscriptions, their queued and in-flight QoS
// 1 and 2 messages, and retained messages, handed over through mochi's
// storage hook interface. Without it the new broker starts empty, as one
// without persistence does. Like a graceful shutdown, the old broker
// publishes the wills of the clients it disconnects (a retained will is kept
// with the sessions). The recorder, fault rules and options carry over, and
// the restart is a record. On error the broker is closed.
func (b *Broker) Restart(keepSessions bool) error {
	if !b.mu.TryLock() { // a Broker.Publish under way finishes first
		b.cfg.seams.at(func(s *seams) func() { return s.restartWaits })
		b.mu.Lock()
	}
	defer b.mu.Unlock()
	if b.closed.Load() {
		return errClosed
	}
	what := "sessions lost"
	if keepSessions {
		what = "sessions kept"
	}
	b.w.Add(Record{Event: EventRestart, Reason: what})
	tcpAddr, tlsAddr, wsAddr := addrOf(b.tcp), addrOf(b.tlsL), addrOf(b.wsL)
	<-b.served        // mochi's Serve has returned (serve)
	_ = b.srv.Close() // our listeners close and wait for every connection
	b.hook.retire()
	var snap *snapshot
	if keepSessions {
		snap = takeSnapshot(b.srv)
	} else {
		b.dropAll(b.srv)
	}
	err := b.listen(tcpAddr, tlsAddr, wsAddr)
	if err == nil {
		err = b.serve(snap)
	}
	if err != nil {
		b.closeOnce.Do(func() { // what Close does, but for mochi's Close: the server is down already, and a second Close panics
			b.closed.Store(true)
			b.logs.close()
			b.ended()
		})
		return fmt.Errorf("mqtttest: Restart: %w (the broker is closed)", err)
	}
	return nil
}

// dropAll records the messages a stopped server held, which a restart
// without sessions loses: those queued for each session, and the retained
// ones.
func (b *Broker) dropAll(s *mqtt.Server) {
	const reason = "the broker restarted without sessions (Restart(false))"
	for id, cl := range s.Clients.GetAll() {
		for _, pk := range cl.State.Inflight.GetAll(false) {
			if pk.FixedHeader.Type == packets.Publish && !cl.Net.Inline {
				b.recordDrop(ToClient, id, &pk, pk.FixedHeader.Qos, reason)
			}
		}
	}
	for _, pk := range s.Topics.Messages("#") {
		if !strings.HasPrefix(pk.TopicName, "$") {
			origin := pk.Origin
			if origin == mqtt.InlineClientId {
				origin = ""
			}
			b.recordDrop(ToBroker, origin, &pk, pk.FixedHeader.Qos, "the retained message was lost: "+reason)
		}
	}
	b.inbound.forgetAll()
}

func addrOf(l *listener) string {
	if l == nil {
		return ""
	}
	return l.Address()
}

// snapshot is what a stopped mochi server held that a restart keeps,
// handed to the new server through mochi's storage hook interface.
type snapshot struct {
	mqtt.HookBase
	clients  []storage.Client
	subs     []storage.Subscription
	inflight []storage.Message
	retained []storage.Message
}

// takeSnapshot copies the sessions and retained messages of a stopped server.
// Sessions that end with their connection are gone by then.
func takeSnapshot(s *mqtt.Server) *snapshot {
	snap := new(snapshot)
	for id, cl := range s.Clients.GetAll() {
		if cl.Net.Inline {
			continue
		}
		p := cl.Properties
		snap.clients = append(snap.clients, storage.Client{
			ID: id, Listener: cl.Net.Listener, Username: p.Username, Clean: p.Clean, ProtocolVersion: p.ProtocolVersion,
			Properties: storage.ClientProperties{
				SessionExpiryInterval: p.Props.SessionExpiryInterval, SessionExpiryIntervalFlag: p.Props.SessionExpiryIntervalFlag,
				AuthenticationMethod: p.Props.AuthenticationMethod, AuthenticationData: p.Props.AuthenticationData,
				RequestProblemInfo: p.Props.RequestProblemInfo, RequestProblemInfoFlag: p.Props.RequestProblemInfoFlag,
				RequestResponseInfo: p.Props.RequestResponseInfo, ReceiveMaximum: p.Props.ReceiveMaximum,
				TopicAliasMaximum: p.Props.TopicAliasMaximum, User: p.Props.User, MaximumPacketSize: p.Props.MaximumPacketSize,
			},
			Will: storage.ClientWill(p.Will),
		})
		for _, sub := range cl.State.Subscriptions.GetAll() {
			snap.subs = append(snap.subs, storage.Subscription{
				Client: id, Filter: sub.Filter, Identifier: sub.Identifier, RetainHandling: sub.RetainHandling,
				Qos: sub.Qos, RetainAsPublished: sub.RetainAsPublished, NoLocal: sub.NoLocal,
			})
		}
		for _, pk := range cl.State.Inflight.GetAll(false) {
			m := storedMessage(pk)
			m.Client = id
			snap.inflight = append(snap.inflight, m)
		}
	}
	for _, pk := range s.Topics.Messages("#") {
		if !strings.HasPrefix(pk.TopicName, "$") { // $SYS is the new server's own
			snap.retained = append(snap.retained, storedMessage(pk))
		}
	}
	return snap
}

// storedMessage converts a packet into mochi's storage form.
func storedMessage(pk packets.Packet) storage.Message {
	return storage.Message{
		FixedHeader: pk.FixedHeader, PacketID: pk.PacketID, TopicName: pk.TopicName, Payload: pk.Payload,
		Origin: pk.Origin, Created: pk.Created,
		Properties: storage.MessageProperties{
			PayloadFormat: pk.Properties.PayloadFormat, PayloadFormatFlag: pk.Properties.PayloadFormatFlag,
			MessageExpiryInterval: pk.Properties.MessageExpiryInterval, ContentType: pk.Properties.ContentType,
			ResponseTopic: pk.Properties.ResponseTopic, CorrelationData: pk.Properties.CorrelationData,
			SubscriptionIdentifier: pk.Properties.SubscriptionIdentifier, TopicAlias: pk.Properties.TopicAlias,
			User: pk.Properties.User,
		},
	}
}

// ID names the hook in mochi's logs.
func (s *snapshot) ID() string { return "mqtttest-restart" }

// Provides says the hook holds stored clients, subscriptions, in-flight and retained messages.
func (s *snapshot) Provides(b byte) bool {
	return b == mqtt.StoredClients || b == mqtt.StoredSubscriptions || b == mqtt.StoredInflightMessages || b == mqtt.StoredRetainedMessages
}

// StoredClients returns the persistent sessions of the old server.
func (s *snapshot) StoredClients() ([]storage.Client, error) { return s.clients, nil }

// StoredSubscriptions returns their subscriptions.
func (s *snapshot) StoredSubscriptions() ([]storage.Subscription, error) { return s.subs, nil }

// StoredInflightMessages returns their queued and in-flight messages.
func (s *snapshot) StoredInflightMessages() ([]storage.Message, error) { return s.inflight, nil }

// StoredRetainedMessages returns the retained messages.
func (s *snapshot) StoredRetainedMessages() ([]storage.Message, error) { return s.retained, nil }
