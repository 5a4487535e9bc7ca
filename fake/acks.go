package fake

import (
	"fmt"
	"strings"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// AckPolicy says how a Client acknowledges what the broker sends: PUBACK for
// a QoS 1 PUBLISH, PUBREC for a QoS 2 PUBLISH, PUBCOMP for a PUBREL, and
// PUBREL for the PUBREC that answers the client's own QoS 2 PUBLISH (unless
// that PUBREC carries a v5 failure reason code). Nothing else is answered
// automatically (no PINGREQ: see Client.Ping). Make one with AckAuto,
// AckNever, AckAfter or AckFirst (the zero AckPolicy is AckAuto); set it
// with Acks or Client.SetAcks.
type AckPolicy struct {
	kind  ackKind
	delay time.Duration
	n     int
}

type ackKind uint8

const (
	ackAuto ackKind = iota
	ackNever
	ackAfter
	ackFirst
)

// AckAuto acknowledges every packet that calls for it, at once. It is the default.
func AckAuto() AckPolicy { return AckPolicy{kind: ackAuto} }

// AckNever acknowledges nothing: QoS 1 and 2 flows stay open on the
// broker's side, and the client's own QoS 2 publishes never get a PUBREL.
func AckNever() AckPolicy { return AckPolicy{kind: ackNever} }

// AckAfter sends each acknowledgement d after the packet that calls for it
// arrived, from a timer, so the client goes on reading meanwhile. Close stops
// the timers of acknowledgements not yet sent.
func AckAfter(d time.Duration) AckPolicy { return AckPolicy{kind: ackAfter, delay: d} }

// AckFirst sends the first n acknowledgements at once and none after.
// PUBACK, PUBREC, PUBREL and PUBCOMP count alike, so n = 1 answers a QoS 2
// PUBLISH with PUBREC and its PUBREL with nothing. The count starts when the
// policy is set.
func AckFirst(n int) AckPolicy { return AckPolicy{kind: ackFirst, n: max(n, 0)} }

// String describes the policy, e.g. "AckAfter(50ms)".
func (p AckPolicy) String() string {
	switch p.kind {
	case ackNever:
		return "AckNever()"
	case ackAfter:
		return fmt.Sprintf("AckAfter(%v)", p.delay)
	case ackFirst:
		return fmt.Sprintf("AckFirst(%d)", p.n)
	}
	return "AckAuto()"
}

// SetAcks changes the client's ack policy from now on; AckFirst counts from
// here. Acknowledgements an earlier AckAfter has scheduled are still sent.
func (c *Client) SetAcks(p AckPolicy) {
	c.t.Helper()
	c.reportBackground()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acks, c.acked = p, 0
}

// CloseWhen makes the client close its socket abruptly, without DISCONNECT
// (so the broker publishes its will), as soon as it receives a packet that
// matches every matcher: before acknowledging that packet, and before reading
// anything after it. The packet is still received: Expect and Received see it.
// Examples: on the publishing side, CloseWhen(mqtttest.Type(mqtttest.TypePubrec))
// dies after PUBREC and never sends PUBREL; on the receiving side,
// CloseWhen(mqtttest.Type(mqtttest.TypePubrel)) sends PUBREC but never PUBCOMP.
// Each call adds a trigger; any one of them closes the connection. With no
// matchers the next packet closes it. Use ExpectClosed to wait for it.
//
// To die just after sending an acknowledgement rather than before, close on
// the broker's answer to it: CloseWhen(mqtttest.Type(mqtttest.TypePubcomp))
// sends PUBREL and dies before taking PUBCOMP in. For a death after an ack
// that gets no answer (PUBACK, PUBCOMP), Close once Expect has returned the
// packet: the ack has been written by then.
func (c *Client) CloseWhen(m ...record.Matcher) {
	c.t.Helper()
	c.reportBackground()
	if c.badMatchers("CloseWhen", m) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeWhen = append(c.closeWhen, m)
}

// ackTimer is an acknowledgement AckAfter has scheduled.
type ackTimer struct{ t *time.Timer }

// react decides, with c.mu held, what to do about a packet just received:
// close (a CloseWhen trigger matched: the returned reason is not empty), or
// acknowledge now (ack not nil) or later (scheduled here), or nothing.
func (c *Client) react(r record.Record) (ack []byte, closeReason string) {
	for _, ms := range c.closeWhen {
		if matchAll(r, ms) {
			return nil, fmt.Sprintf("closed by the client: CloseWhen(%s) matched %s", describe(ms), r.Line())
		}
	}
	if r.Malformed {
		return nil, ""
	}
	var t record.PacketType
	switch {
	case r.Type == record.TypePublish && r.QoS == 1:
		t = record.TypePuback
	case r.Type == record.TypePublish && r.QoS == 2:
		t = record.TypePubrec
	case r.Type == record.TypePubrec && r.ReasonCode < 0x80:
		t = record.TypePubrel
	case r.Type == record.TypePubrel:
		t = record.TypePubcomp
	default:
		return nil, ""
	}
	b, err := encode(ackPacket(t, r.PacketID), c.version)
	if err != nil {
		c.bgErrs = append(c.bgErrs, fmt.Sprintf("encoding %v for %s: %v", t, r.Line(), err))
		return nil, ""
	}
	switch c.acks.kind {
	case ackNever:
		return nil, ""
	case ackFirst:
		if c.acked >= c.acks.n {
			return nil, ""
		}
		c.acked++
	case ackAfter:
		c.schedule(c.acks.delay, b)
		return nil, ""
	}
	return b, ""
}

// schedule sends b after d, from a timer that Close stops. c.mu is held.
func (c *Client) schedule(d time.Duration, b []byte) {
	at := &ackTimer{}
	c.timers[at] = struct{}{}
	c.timerWG.Add(1)
	at.t = time.AfterFunc(d, func() {
		defer c.timerWG.Done()
		c.mu.Lock()
		delete(c.timers, at)
		c.mu.Unlock()
		c.write(b) // an error means the connection is gone: nothing to acknowledge any more
	})
}

// stopTimers stops the acknowledgements not yet sent and waits for those
// being sent.
func (c *Client) stopTimers() {
	c.mu.Lock()
	for at := range c.timers {
		if at.t.Stop() {
			c.timerWG.Done()
		}
		delete(c.timers, at)
	}
	c.mu.Unlock()
	c.timerWG.Wait()
}

// matchAll reports whether r matches every matcher.
func matchAll(r record.Record, ms []record.Matcher) bool { return record.All(ms...).Match(&r) }

// describe lists the matchers for messages; "any packet" for none.
func describe(ms []record.Matcher) string {
	if len(ms) == 0 {
		return "any packet"
	}
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, ", ")
}
