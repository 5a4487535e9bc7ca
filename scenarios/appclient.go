package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// client is a client under test in a scenario: the adapter's Client, with what
// its application received, and methods that fail the scenario on an error.
type client struct {
	Client
	s       *env
	cfg     Config
	stopped bool // disconnected or killed; only the scenario's goroutine uses it

	mu       sync.Mutex
	got      []Message
	changed  chan struct{} // closed and replaced when a message arrives
	barriers int
}

// ID is the client's identifier.
func (c *client) ID() string { return c.cfg.ClientID }

// Connect connects, failing the scenario on an error, and returns the
// Session Present flag.
func (c *client) Connect() bool {
	present, err := c.Client.Connect(c.s.Ctx)
	if err != nil {
		c.s.Fatalf("%s: connect: %v", c.cfg.ClientID, err)
	}
	c.stopped = false
	return present
}

// Subscribe subscribes to filter at qos, failing the scenario on an error.
func (c *client) Subscribe(filter string, qos byte) {
	c.SubscribeWith(Subscription{Filter: filter, QoS: qos})
}

// SubscribeWith subscribes with options, failing the scenario on an error.
func (c *client) SubscribeWith(sub Subscription) {
	if err := c.Client.Subscribe(c.s.Ctx, sub); err != nil {
		c.s.Fatalf("%s: subscribe to %s: %v", c.cfg.ClientID, sub.Filter, err)
	}
}

// Unsubscribe unsubscribes, failing the scenario on an error.
func (c *client) Unsubscribe(filter string) {
	if err := c.Client.Unsubscribe(c.s.Ctx, filter); err != nil {
		c.s.Fatalf("%s: unsubscribe from %s: %v", c.cfg.ClientID, filter, err)
	}
}

// Publish hands a message to the library; the channel reports its completion.
func (c *client) Publish(topic, payload string, qos byte, retain bool) <-chan error {
	return c.Client.Publish(c.s.Ctx, Message{Topic: topic, Payload: []byte(payload), QoS: qos, Retain: retain})
}

// PublishWait publishes and waits for the library to report the message
// complete, failing the scenario on an error.
func (c *client) PublishWait(topic, payload string, qos byte, retain bool) {
	c.Complete(c.Publish(topic, payload, qos, retain), topic)
}

// Complete waits for a publication's completion, failing the scenario on
// an error or at the deadline.
func (c *client) Complete(done <-chan error, what string) {
	select {
	case err := <-done:
		if err != nil {
			c.s.Fatalf("%s: publish %s: %v", c.cfg.ClientID, what, err)
		}
	case <-c.s.Ctx.Done():
		c.s.Fatalf("%s: publish %s: not complete at the scenario's deadline", c.cfg.ClientID, what)
	}
}

// Disconnect disconnects cleanly, failing the scenario on an error.
func (c *client) Disconnect() {
	c.stopped = true
	if err := c.Client.Disconnect(c.s.Ctx); err != nil {
		c.s.Fatalf("%s: disconnect: %v", c.cfg.ClientID, err)
	}
	c.s.waitOffline(c.cfg.ClientID) // a library may return before its DISCONNECT is out
}

// Kill kills the client's process (Client.Kill) and waits until the broker
// has handled the lost connection, will included.
func (c *client) Kill() {
	c.stopped = true
	c.Client.Kill()
	c.s.waitOffline(c.cfg.ClientID)
}

// Restart kills the client's process and makes a new client object with
// the same configuration changed by set: the process started again, with
// the same store. It does not connect.
func (c *client) Restart(set ...func(*Config)) *client {
	if !c.stopped {
		c.Kill()
	}
	cfg := c.cfg
	for _, f := range set {
		f(&cfg)
	}
	return c.s.make(cfg)
}

// deliver is Config.Deliver: the application got m.
func (c *client) deliver(m Message) {
	m.Payload = append([]byte(nil), m.Payload...)
	c.mu.Lock()
	c.got = append(c.got, m)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// all returns everything the application got, barriers included.
func (c *client) all() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.got...)
}

// Got returns the messages the application got on topics matching filter,
// in order, barriers left out.
func (c *client) Got(filter string) []Message {
	var ms []Message
	for _, m := range c.all() {
		if mqtttest.MatchTopic(filter, m.Topic) && !isBarrier(m) {
			ms = append(ms, m)
		}
	}
	return ms
}

// Await waits until the application has got n messages on topics matching
// filter, and returns them; at the deadline the scenario fails with what it
// got.
func (c *client) Await(n int, filter string) []Message {
	for {
		c.mu.Lock()
		changed := c.changed
		c.mu.Unlock()
		if got := c.Got(filter); len(got) >= n {
			return got
		}
		select {
		case <-changed:
		case <-c.s.Ctx.Done():
			c.s.Fatalf("%s: the application got %d message(s) on %s, want %d: %s", c.cfg.ClientID, len(c.Got(filter)), filter, n, messages(c.Got(filter)))
		}
	}
}

// barrierPrefix starts the payload of a barrier message.
const barrierPrefix = "scenarios:barrier:"

func isBarrier(m Message) bool { return strings.HasPrefix(string(m.Payload), barrierPrefix) }

// Barrier makes sure the application has been handed everything the
// broker sent the client before now: the broker publishes a QoS 1 marker on
// topic (which the client must be subscribed to), and Barrier waits for the
// application to get it. Libraries hand messages over in order, so
// whatever has not reached the application by then was not going to.
func (c *client) Barrier(topic string) {
	c.s.Settle()
	c.mu.Lock()
	c.barriers++
	payload := fmt.Sprintf("%s%d", barrierPrefix, c.barriers)
	c.mu.Unlock()
	c.s.Publish(topic, payload, 1, false)
	for {
		c.mu.Lock()
		changed := c.changed
		c.mu.Unlock()
		for _, m := range c.all() {
			if string(m.Payload) == payload {
				return
			}
		}
		select {
		case <-changed:
		case <-c.s.Ctx.Done():
			c.s.Fatalf("%s: the barrier message on %s never reached the application", c.cfg.ClientID, topic)
		}
	}
}

// String is a message as a failure report shows it.
func (m Message) String() string {
	flags := ""
	if m.Retain {
		flags += " retain"
	}
	if m.Dup {
		flags += " dup"
	}
	return fmt.Sprintf("%s %q q%d%s", m.Topic, m.Payload, m.QoS, flags)
}

func messages(ms []Message) string {
	if len(ms) == 0 {
		return "none"
	}
	var parts []string
	for _, m := range ms {
		parts = append(parts, m.String())
	}
	return strings.Join(parts, "; ")
}

// waitOffline waits until the broker has handled id's lost connection, if
// it ever had one.
func (s *env) waitOffline(id string) {
	var unknown *mqtttest.UnknownClientError
	timeout := DefaultTimeout
	if dl, ok := s.Ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if err := s.Broker.WaitOffline(id, timeout); err != nil && !errors.As(err, &unknown) {
		s.Fatalf("waiting for the broker to see %s offline: %v", id, err)
	}
}
