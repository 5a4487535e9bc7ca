package mqtttest

import (
	"fmt"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

// DisconnectMode says how Broker.Disconnect ends a connection. Use Abrupt
// or ServerDisconnect.
type DisconnectMode struct {
	abrupt bool
	code   byte
}

// Abrupt closes the client's socket without any DISCONNECT, as a crash or a
// lost network would: the broker publishes the client's will.
var Abrupt = DisconnectMode{abrupt: true}

// ServerDisconnect makes the broker send DISCONNECT with the v5 reason code
// (e.g. 0x98 administrative action) and close the connection. MQTT 3 has no
// server DISCONNECT, so a v3 client's connection is just closed. Either way
// the client did not send DISCONNECT, so its will is published.
func ServerDisconnect(reasonCode byte) DisconnectMode {
	return DisconnectMode{code: reasonCode}
}

// Disconnect ends the connection of the client with this ID, as mode says,
// and returns once the broker has handled the loss: the will, if any, is
// published and Clients shows the client offline. It returns an
// *UnknownClientError for an ID the broker does not know, and an error for a
// client that is offline.
func (b *Broker) Disconnect(clientID string, mode DisconnectMode) error {
	t, err := b.disconnect(clientID, mode)
	if err != nil {
		return err
	}
	select {
	case <-t.Done():
		return nil
	case <-time.After(disconnectWait):
		return fmt.Errorf("mqtttest: Disconnect: the broker had not finished with client %q after %v: %s", clientID, disconnectWait, t.State())
	}
}

// disconnectWait bounds how long Disconnect waits for the broker.
const disconnectWait = 10 * time.Second

func (b *Broker) disconnect(clientID string, mode DisconnectMode) (*brokerConn, error) {
	cl, err := b.client(clientID)
	if err != nil {
		return nil, err
	}
	t := tapOf(cl)
	if t == nil || cl.Closed() {
		return nil, fmt.Errorf("mqtttest: Disconnect: client %q is offline (the broker keeps its session), there is no connection to end", clientID)
	}
	if mode.abrupt {
		t.Cut(ClosedByTest, "closed abruptly by Broker.Disconnect")
		return t, nil
	}
	code := packets.Code{Code: mode.code, Reason: "Broker.Disconnect"}
	if cl.Properties.ProtocolVersion < 5 {
		t.ExpectClose(ClosedByBroker, "closed by Broker.Disconnect (MQTT 3 has no server DISCONNECT)")
		cl.Stop(code)
		return t, nil
	}
	t.ExpectClose(ClosedByBroker, fmt.Sprintf("server DISCONNECT rc=0x%02x by Broker.Disconnect", mode.code))
	t.LimitWrites(shutdownDeadline())         // a client that stopped reading cannot block the DISCONNECT,
	t.MarkDead()                              // nor a fault's delay of a write under way: it ends now
	_ = b.server().DisconnectClient(cl, code) // it returns the code itself for error codes
	return t, nil
}
