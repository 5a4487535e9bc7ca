package mqtttest

import (
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
)

// seams are the racy points where this package's tests hold the broker, to
// reproduce a race deterministically instead of by chance. Each is nil,
// and costs a nil check, outside those tests. They are set with withSeams
// before the broker starts.
type seams struct {
	tap.Seams                                           // the tap's own
	publishing    func()                                // Broker.Publish holds the broker's lock and is about to route
	restartWaits  func()                                // Restart must wait for a Broker.Publish under way
	delivering    func(cl *mqtt.Client)                 // mochi has looked a subscriber up and is about to add a message to its session
	routingWaits  func()                                // a takeover must wait for routing under way
	ackWritten    func(cl *mqtt.Client)                 // the PUBACK or PUBREC of a client's PUBLISH is written, and mochi is about to route it
	sessionEnding func(cl *mqtt.Client)                 // mochi has decided that cl's session ends, and is about to unregister cl
	idWaits       func()                                // a takeover must wait for the end of a connection with the same client ID
	handling      func(cl *mqtt.Client, typ PacketType) // mochi has read a packet from cl and is about to handle it
	handledWaits  func()                                // a takeover must wait for the old connection to handle what it read
	resending     func(cl *mqtt.Client)                 // a resumed session's CONNACK is written, and mochi is about to send its messages again
	routeWaits    func()                                // a message waits for a takeover to end before it is routed
	encoding      func(cl *mqtt.Client, typ PacketType) // mochi encodes a packet for cl, before it takes cl's lock to write it
	expiryWaits   func()                                // a session's expiry must wait for routing under way
	backpressure  func(cl *mqtt.Client)                 // a message waits for cl to acknowledge one (flow.go)
}

// withSeams gives the broker a test's seams.
func withSeams(s *seams) Option {
	return optionFunc(func(c *config) error { c.seams = s; return nil })
}

// at calls the seam fn picks, if it is set.
func (s *seams) at(fn func(*seams) func()) {
	if s != nil {
		if f := fn(s); f != nil {
			f()
		}
	}
}

// atClient calls the seam fn picks with cl, if it is set.
func (s *seams) atClient(fn func(*seams) func(*mqtt.Client), cl *mqtt.Client) {
	if s != nil {
		if f := fn(s); f != nil {
			f(cl)
		}
	}
}

// tap returns the tap's seams, or nil.
func (s *seams) tap() *tap.Seams {
	if s == nil {
		return nil
	}
	return &s.Seams
}
