package fake

import (
	"fmt"
	"strings"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/mqtt-testkit/testkit/record"
)

// conversationTail is how many packets failure messages list.
const conversationTail = 40

// Expect returns the oldest packet received and not yet taken by an earlier
// Expect (or Connect, Subscribe, ...) that matches every matcher, waiting
// (Timeout) for one to arrive if there is none yet; with no matchers, the
// oldest packet not yet taken. The packet is taken: the next Expect does not
// see it again. Packets that did not match stay for later calls. A packet
// reaches Expect only after the client has answered it as the ack policy
// says (or, for CloseWhen, closed the connection), so once Expect returns a
// QoS 1 PUBLISH, its PUBACK has been written. The test
// fails when none comes in time or the connection ends first, with a message
// that names the matchers and lists what the client sent and received.
func (c *Client) Expect(m ...record.Matcher) record.Record {
	c.t.Helper()
	c.reportBackground()
	if c.badMatchers("Expect", m) {
		return record.Record{}
	}
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		for i, r := range c.pending {
			if matchAll(r, m) {
				c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
				c.mu.Unlock()
				return r
			}
		}
		ended, reason, changed := c.ended, c.reason, c.changed
		c.mu.Unlock()
		if ended {
			c.fatalf("Expect(%s): the connection ended (%s) before a matching packet arrived", describe(m), reason)
			return record.Record{}
		}
		select {
		case <-changed:
		case <-timer.C:
			c.fatalf("Expect(%s): no matching packet within %v", describe(m), c.timeout)
			return record.Record{}
		}
	}
}

// ExpectNothing fails the test, as soon as it happens, if a packet that
// matches every matcher is received (or was received and not yet taken by
// Expect) within d. With no matchers any packet fails it. It returns early,
// without failing, when the connection ends, as nothing more can come.
//
// On an accepted connection it first sends PINGREQ and waits (up to the
// client's Timeout, not counted in d) for the PINGRESP, which it keeps from
// Expect, Received and CloseWhen: a broker handles a client's packets in
// order, so its answers to what the client sent before (acknowledgements,
// SUBACK, ...) have arrived before d starts. That PINGREQ counts as
// activity for the broker's keepalive, and an mqtttest broker records it
// (fault rules see it too). Messages the broker routes to the client are
// not ordered with its PINGRESP (mochi writes them from another goroutine):
// against an mqtttest broker, call Broker.Settle first to be sure they have
// been sent.
func (c *Client) ExpectNothing(d time.Duration, m ...record.Matcher) {
	c.t.Helper()
	c.reportBackground()
	if c.badMatchers("ExpectNothing", m) {
		return
	}
	if c.matchPending(d, m) {
		return
	}
	c.barrier()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		if c.matchPending(d, m) {
			return
		}
		c.mu.Lock()
		ended, changed := c.ended, c.changed
		c.mu.Unlock()
		if ended {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			return
		}
	}
}

// badMatchers fails the test, and reports true, when the matchers can
// match nothing (an invalid topic filter: mqtttest.Matcher.Err).
func (c *Client) badMatchers(call string, m []record.Matcher) bool {
	c.t.Helper()
	if err := record.All(m...).Err(); err != nil {
		c.fatalf("%s(%s): %v", call, describe(m), err)
		return true
	}
	return false
}

// matchPending fails the test if a pending packet matches every matcher,
// and reports whether it did.
func (c *Client) matchPending(d time.Duration, m []record.Matcher) bool {
	c.t.Helper()
	c.mu.Lock()
	for _, r := range c.pending {
		if matchAll(r, m) {
			c.mu.Unlock()
			c.fatalf("ExpectNothing(%v, %s): received %s", d, describe(m), r.Line())
			return true
		}
	}
	c.mu.Unlock()
	return false
}

// barrier sends PINGREQ on an accepted connection and waits, up to the
// Timeout, for its PINGRESP, which never reaches pending, received or
// CloseWhen. A PINGRESP that comes later is still kept from them, and does
// not count for a later barrier: each waits for its own.
func (c *Client) barrier() {
	c.mu.Lock()
	if !c.accepted || c.ended {
		c.mu.Unlock()
		return
	}
	c.pingsOwed++
	mine := c.pingsTaken + c.pingsOwed // the PINGRESPs taken once this one is
	c.mu.Unlock()
	ping, _ := encode(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}}, c.version)
	if c.write(ping) != nil {
		return // the connection is gone; the reader says how
	}
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		answered, ended, changed := c.pingsTaken >= mine, c.ended, c.changed
		c.mu.Unlock()
		if answered || ended {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			return
		}
	}
}

// ExpectClosed waits (Timeout) until the connection has ended, closed by the
// broker or by the client itself (CloseWhen, Close), and returns the packets
// received and not yet taken by Expect, e.g. the broker's v5 DISCONNECT.
// They stay available to Expect. The test fails if the connection is still
// open after the Timeout.
func (c *Client) ExpectClosed() []record.Record {
	c.t.Helper()
	c.reportBackground()
	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		c.fatalf("ExpectClosed: the connection is still open after %v", c.timeout)
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]record.Record(nil), c.pending...)
}

// conversation lists the last packets the client sent and received, and
// whether the connection has ended.
func (c *Client) conversation() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	log := c.log
	fmt.Fprintf(&b, "sent and received (%d packets):\n", len(log))
	if len(log) > conversationTail {
		fmt.Fprintf(&b, "  … %d earlier packets not shown\n", len(log)-conversationTail)
		log = log[len(log)-conversationTail:]
	}
	for _, r := range log {
		b.WriteString("  " + r.Line() + "\n")
	}
	if c.ended {
		b.WriteString("connection ended: " + c.reason)
	} else {
		b.WriteString("connection open")
	}
	return b.String()
}
