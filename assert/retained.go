package assert

import (
	"fmt"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// RetainedStore is a broker whose retained messages can be read:
// *mqtttest.Broker.
type RetainedStore interface {
	Retained(topic string) (record.Message, bool)
}

// Retained asserts that the broker holds a retained message for topic with
// a payload p matches [MQTT-3.3.1-5].
func Retained(t TestingT, b RetainedStore, topic string, p PayloadMatcher) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if b == nil {
		return newReport("Retained", "no broker: the RetainedStore is nil").fail(t)
	}
	m, ok := b.Retained(topic)
	if ok && p.Match(m.Payload) {
		return true
	}
	r := newReport("Retained", fmt.Sprintf("the broker does not retain the wanted message on %q", topic)).
		add("want", "retained on %q: %s", topic, p)
	if ok {
		r.add("seen", "retained on %q: %s q%d", topic, quote(m.Payload), m.QoS)
		if d := p.differs(m.Payload); d != "" {
			r.add("payload", "%s", d)
		}
	} else {
		r.add("seen", "no retained message on %q", topic)
	}
	return r.fail(t)
}

// NoRetained asserts that the broker holds no retained message for topic,
// e.g. after a retained PUBLISH with an empty payload cleared it
// [MQTT-3.3.1-10, MQTT-3.3.1-11].
func NoRetained(t TestingT, b RetainedStore, topic string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if b == nil {
		return newReport("NoRetained", "no broker: the RetainedStore is nil").fail(t)
	}
	m, ok := b.Retained(topic)
	if !ok {
		return true
	}
	return newReport("NoRetained", fmt.Sprintf("the broker retains a message on %q", topic)).
		add("want", "no retained message on %q", topic).
		add("seen", "retained on %q: %s q%d", topic, quote(m.Payload), m.QoS).fail(t)
}

// ReceivedRetained asserts that clientID receives, already or within
// timeout, a PUBLISH with the retain flag set on a topic matching filter,
// with a payload p matches: what a subscriber gets for a retained message
// when it subscribes [MQTT-3.3.1-6, MQTT-3.3.1-9].
func ReceivedRetained(t TestingT, src Source, clientID, filter string, p PayloadMatcher, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "ReceivedRetained")
	}
	if !validFilter(t, "ReceivedRetained", filter) {
		return false
	}
	recs, ok := watch(src, timeout, func(recs []record.Record) bool {
		return first(recs, func(r *record.Record) bool { return r.Retain && delivered(r, clientID, filter, p) }) != nil
	})
	if ok {
		return true
	}
	return newReport("ReceivedRetained", fmt.Sprintf("no retained PUBLISH on %q reached %s within %v", filter, describeClient(clientID), timeout)).
		add("want", "PUBLISH to %s on %q with retain=1, payload %s", describeClient(clientID), filter, p).
		add("seen", "%s", listPublishes(clientID, publishesTo(recs, clientID))).
		diffLast(keep(publishesTo(recs, clientID), func(r *record.Record) bool { return r.Retain }), filter, p).
		noteDrops(keep(brokerDrops(recs, clientID, filter, p), func(r *record.Record) bool { return r.Retain })).
		showClient(src, recs, clientID).fail(t)
}
