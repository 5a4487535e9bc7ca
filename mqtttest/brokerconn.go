package mqtttest

import (
	"sync"
	"sync/atomic"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
)

// brokerConn is a tapped connection as the broker serves it: mochi reads
// from and writes to the tap, and the hook keeps here what it notes on the
// connection while mochi serves it. The hook finds it with tapOf.
type brokerConn struct {
	*tap.Conn

	route       routeState    // routing this connection's goroutine does (route.go)
	willRouting atomic.Bool   // the client's will is being routed (route.go)
	flow        flowGate      // backpressure (flow.go)
	keepalive   atomic.Uint32 // the client's keepalive in seconds, once it is connected (keepalive.go)
	seams       *seams        // this package's tests only

	mu        sync.Mutex // guards the fields below
	ending    string     // why the client's session ends with the connection; "" while it does not
	atConnack func()     // run once, when the CONNACK is written or the broker is done with the connection
	atEncode  func()     // run once, when mochi encodes the CONNACK or the broker is done with the connection
}

// newBrokerConn wraps t for the broker, whose seams are s. What onConnack
// and onConnackEncoded ask for runs when the broker is done with the
// connection, if the CONNACK never comes, before anything else that
// t.OnFinish asks for.
func newBrokerConn(t *tap.Conn, s *seams) *brokerConn {
	c := &brokerConn{Conn: t, seams: s}
	t.OnFinish(func() {
		c.connackEncoded()
		c.connackWritten()
	})
	return c
}

// tapOf returns the connection of a client, or nil for a client without
// one (the inline client, a session loaded by Restart).
func tapOf(cl *mqtt.Client) *brokerConn {
	c, _ := cl.Net.Conn.(*brokerConn)
	return c
}

// setSessionEnd notes why the client's session ends with the connection.
func (c *brokerConn) setSessionEnd(reason string) {
	c.mu.Lock()
	c.ending = reason
	c.mu.Unlock()
}

// sessionEndReason returns what setSessionEnd noted.
func (c *brokerConn) sessionEndReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ending
}

// onConnack makes fn run once, when the broker writes the CONNACK or, if it
// never does, when it is done with the connection.
func (c *brokerConn) onConnack(fn func()) {
	c.mu.Lock()
	c.atConnack = fn
	c.mu.Unlock()
}

// connackWritten runs what onConnack asked for.
func (c *brokerConn) connackWritten() {
	c.mu.Lock()
	fn := c.atConnack
	c.atConnack = nil
	c.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// onConnackEncoded makes fn run once, when mochi encodes the CONNACK (it
// has registered the client by then) or, if it never does, when it is done
// with the connection.
func (c *brokerConn) onConnackEncoded(fn func()) {
	c.mu.Lock()
	c.atEncode = fn
	c.mu.Unlock()
}

// connackEncoded runs what onConnackEncoded asked for.
func (c *brokerConn) connackEncoded() {
	c.mu.Lock()
	fn := c.atEncode
	c.atEncode = nil
	c.mu.Unlock()
	if fn != nil {
		fn()
	}
}
