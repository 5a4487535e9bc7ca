package mqtttest

import (
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// subscribed remembers, per topic, which clients subscribe to it, so that
// what the hook checks of each message (checkSubscribers, backpressure)
// costs map lookups rather than a walk of mochi's topic tree, which
// allocates a dozen maps. mochi calls a hook around every change to the
// subscriptions (OnSubscribe, OnSubscribed, OnUnsubscribe, OnUnsubscribed,
// the last also when a session ends or expires), and each one forgets
// everything.
type subscribed struct {
	mu    sync.RWMutex
	gen   uint64               // changes with every change to the subscriptions
	known map[string]topicSubs // by topic
}

// topicSubs is what subscribes to a topic.
type topicSubs struct {
	any     bool     // some subscription matches: a client's, a shared or an inline one
	clients []string // the IDs of the clients with a (non-shared) subscription that matches
}

// subscribedCacheSize bounds how many topics are remembered.
const subscribedCacheSize = 4096

// of returns what subscribes to topic, asking mochi (ask) when it does not know.
func (c *subscribed) of(topic string, ask func() topicSubs) topicSubs {
	c.mu.RLock()
	subs, ok := c.known[topic]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		return subs
	}
	subs = ask()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen { // no change since mochi was asked
		if c.known == nil || len(c.known) >= subscribedCacheSize {
			c.known = map[string]topicSubs{}
		}
		c.known[topic] = subs
	}
	return subs
}

// changed forgets everything: a subscription came or went.
func (c *subscribed) changed() {
	c.mu.Lock()
	c.gen++
	c.known = nil
	c.mu.Unlock()
}

// subscribersOf returns what subscribes to topic.
func (h *hook) subscribersOf(topic string) topicSubs {
	return h.subscribed.of(topic, func() topicSubs {
		s := h.srv.Topics.Subscribers(topic)
		subs := topicSubs{any: len(s.Subscriptions)+len(s.Shared)+len(s.InlineSubscriptions) > 0}
		for id := range s.Subscriptions {
			subs.clients = append(subs.clients, id)
		}
		return subs
	})
}

// OnUnsubscribe forgets what topics have subscribers: a client unsubscribes.
func (h *hook) OnUnsubscribe(cl *mqtt.Client, pk packets.Packet) packets.Packet {
	h.subscribed.changed()
	return pk
}
