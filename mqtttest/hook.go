package mqtttest

import (
	"bytes"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// hook is the broker hook that applies WithAuth and WithACL, names each
// tapped connection after the client the broker accepted on it, and notes
// each client's CONNECT for Broker.Clients. Without an auth hook mochi
// refuses every client; this one allows all by default.
type hook struct {
	mqtt.HookBase
	users map[string]string
	acl   []ACLRule

	mu       sync.Mutex
	sessions map[string]ClientInfo // by client ID, from the last CONNECT
}

// ID names the hook in mochi's logs.
func (h *hook) ID() string { return "mqtttest" }

// Provides lists the hook methods mochi should call.
func (h *hook) Provides(b byte) bool {
	return b == mqtt.OnConnect || b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck ||
		b == mqtt.OnSessionEstablished || b == mqtt.OnDisconnect
}

// OnConnect names the tapped connection after the client, before the
// CONNACK: mochi has by now assigned an ID to a v3 client that sent none.
func (h *hook) OnConnect(cl *mqtt.Client, pk packets.Packet) error {
	if t, ok := cl.Net.Conn.(*tapConn); ok {
		t.setClientID(cl.ID)
	}
	return nil
}

// OnDisconnect tells the tap why the broker stopped the client.
func (h *hook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	if t, ok := cl.Net.Conn.(*tapConn); ok {
		t.stopped(cl.StopCause())
	}
}

// OnConnectAuthenticate applies WithAuth; without it every client is allowed.
func (h *hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	if h.users == nil {
		return true
	}
	want, ok := h.users[string(pk.Connect.Username)]
	return ok && pk.Connect.PasswordFlag && bytes.Equal([]byte(want), pk.Connect.Password)
}

// OnACLCheck applies WithACL to a publish (write) or a subscription or delivery.
func (h *hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	for _, r := range h.acl {
		if !r.allows(topic, write) {
			return false
		}
	}
	return true
}

// OnSessionEstablished notes the CONNECT for Broker.Clients.
func (h *hook) OnSessionEstablished(cl *mqtt.Client, pk packets.Packet) {
	h.mu.Lock()
	if h.sessions == nil {
		h.sessions = map[string]ClientInfo{}
	}
	h.sessions[cl.ID] = ClientInfo{
		ID: cl.ID, ProtocolVersion: pk.ProtocolVersion, CleanStart: pk.Connect.Clean,
		SessionExpiry: pk.Properties.SessionExpiryInterval,
	}
	h.mu.Unlock()
}
