package mqtttest

import (
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// subscribed remembers, per topic, whether a subscription matches it, so
// that the check of each message for a subscriber (checkSubscribers) costs
// a map lookup rather than a walk of mochi's topic tree, which allocates a
// dozen maps. mochi calls a hook around every change to the subscriptions
// (OnSubscribe, OnSubscribed, OnUnsubscribe, OnUnsubscribed, the last also
// when a session ends or expires), and each one forgets everything.
type subscribed struct {
	mu    sync.RWMutex
	gen   uint64          // changes with every change to the subscriptions
	known map[string]bool // topic → a subscription matches it
}

// subscribedCacheSize bounds how many topics are remembered.
const subscribedCacheSize = 4096

// any reports whether a subscription matches topic, asking mochi (ask) when
// it does not know.
func (c *subscribed) any(topic string, ask func() bool) bool {
	c.mu.RLock()
	has, ok := c.known[topic]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return has
	}
	has = ask()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen { // no change since mochi was asked
		if c.known == nil || len(c.known) >= subscribedCacheSize {
			c.known = map[string]bool{}
		}
		c.known[topic] = has
	}
	return has
}

// changed forgets everything: a subscription came or went.
func (c *subscribed) changed() {
	c.mu.Lock()
	c.gen++
	c.known = nil
	c.mu.Unlock()
}

// OnUnsubscribe forgets what topics have subscribers: a client unsubscribes.
func (h *hook) OnUnsubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	h.subscribed.changed()
	return pk
}
