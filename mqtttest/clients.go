package mqtttest

import (
	"fmt"
	"sort"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
)

// ClientInfo describes a client the broker knows: connected, or offline with
// a session it keeps.
type ClientInfo struct {
	ID              string
	ProtocolVersion byte   // 3 (3.1), 4 (3.1.1) or 5
	CleanStart      bool   // CleanSession in v3.1.1, from the last CONNECT
	SessionExpiry   uint32 // v5, seconds, from the last CONNECT
	Connected       bool   // false: offline, the broker keeps its session
	Subscriptions   []Subscription

	// Inflight counts the QoS 1 and 2 messages to the client that the
	// broker keeps until they are acknowledged: sent and waiting for PUBACK
	// or PUBCOMP, or held while the client is offline. mochi keeps both in
	// one list and sends all of them when the session resumes.
	Inflight int
	// Queued counts the packets on a connected client's write queue that
	// the broker has not finished writing.
	Queued int
}

// Clients returns the clients the broker knows now, sorted by ID.
func (b *Broker) Clients() []ClientInfo {
	var out []ClientInfo
	for id, cl := range b.server().Clients.GetAll() {
		if cl.Net.Inline {
			continue
		}
		info := b.session(id)
		info.Connected = !cl.Closed()
		info.Inflight = cl.State.Inflight.Len()
		if info.Connected {
			info.Queued = int(queuedCount(cl))
		}
		for _, s := range cl.State.Subscriptions.GetAll() {
			info.Subscriptions = append(info.Subscriptions, Subscription{
				Filter: s.Filter, QoS: s.Qos, NoLocal: s.NoLocal,
				RetainAsPublished: s.RetainAsPublished, RetainHandling: s.RetainHandling,
			})
		}
		sort.Slice(info.Subscriptions, func(i, j int) bool { return info.Subscriptions[i].Filter < info.Subscriptions[j].Filter })
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// connects is what each client's last CONNECT said, by client ID, for
// Broker.Clients. It is kept apart from mochi's client because mochi changes
// a client's properties without a lock, and across Restart.
type connects struct {
	mu   sync.Mutex
	byID map[string]ClientInfo
}

// note keeps what a CONNECT said.
func (c *connects) note(info ClientInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]ClientInfo{}
	}
	c.byID[info.ID] = info
}

// session returns what id's last CONNECT said.
func (b *Broker) session(id string) ClientInfo {
	if info, ok := b.connects.get(id); ok {
		return info
	}
	return ClientInfo{ID: id}
}

// get returns what id's last CONNECT said, if it connected.
func (c *connects) get(id string) (ClientInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	info, ok := c.byID[id]
	return info, ok
}

// OnSessionEstablished notes the CONNECT for Broker.Clients, and sends the
// messages held while mochi sent a resumed session's messages again
// (resume.go).
func (h *hook) OnSessionEstablished(cl *mqtt.Client, pk packets.Packet) {
	if t := tapOf(cl); t != nil {
		h.resumed(cl, t)
	}
	h.b.connects.note(ClientInfo{
		ID: cl.ID, ProtocolVersion: pk.ProtocolVersion, CleanStart: pk.Connect.Clean,
		SessionExpiry: pk.Properties.SessionExpiryInterval,
	})
}

// WaitOffline returns once the broker has finished with every connection
// of the client with this ID: it has noticed the connection is gone and
// published the will, if there is one, and then settled (Settle), so the
// will's deliveries are written. Clients then shows the client offline (or
// not at all, for a session that ended with the connection). When the
// client is offline already it only settles. It returns an
// *UnknownClientError for an ID that never connected, and an error that
// says what the connection is doing if it is still open after timeout.
func (b *Broker) WaitOffline(clientID string, timeout time.Duration) error {
	var conns []*tap.Conn
	b.eachConn(func(t *tap.Conn) {
		if t.Name() == clientID {
			conns = append(conns, t)
		}
	})
	if _, ok := b.connects.get(clientID); !ok && len(conns) == 0 {
		return &UnknownClientError{ID: clientID, Known: b.clientIDs()}
	}
	deadline := time.Now().Add(timeout)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for _, t := range conns {
		select {
		case <-t.Done():
		case <-timer.C:
			return fmt.Errorf("mqtttest: WaitOffline: client %q is still connected after %v: %s", clientID, timeout, t.State())
		}
	}
	return b.settle(time.Until(deadline))
}

// client returns mochi's client id, or an error that says what is known.
func (b *Broker) client(id string) (*mqtt.Client, error) {
	cl, ok := b.server().Clients.Get(id)
	if !ok || cl.Net.Inline {
		return nil, &UnknownClientError{ID: id, Known: b.clientIDs()}
	}
	return cl, nil
}

func (b *Broker) clientIDs() []string {
	var ids []string
	for _, c := range b.Clients() {
		ids = append(ids, c.ID)
	}
	return ids
}
