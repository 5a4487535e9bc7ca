package assert_test

import (
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

func TestTopicMatches(t *testing.T) {
	for _, c := range []struct {
		filter, topic string
		match         bool
	}{
		{"sport/tennis/player1/#", "sport/tennis/player1", true}, // "#" includes the parent level [MQTT-4.7.1-2]
		{"sport/tennis/player1/#", "sport/tennis/player1/ranking/wimbledon", true},
		{"sport/+", "sport/", true},
		{"sport/+", "sport", false},
		{"+/+", "/finance", true},
		{"+", "/finance", false},
		{"#", "$SYS/broker/uptime", false}, // [MQTT-4.7.2-1]
		{"+/monitor/Clients", "$SYS/monitor/Clients", false},
		{"$SYS/#", "$SYS/broker/uptime", true},
		{"sport/#/ranking", "sport/x/ranking", false}, // invalid filter
		{"sport+", "sport+", false},                   // invalid filter
	} {
		match := func(tt assert.TestingT) bool { return assert.TopicMatches(tt, c.filter, c.topic) }
		notMatch := func(tt assert.TestingT) bool { return assert.TopicNotMatches(tt, c.filter, c.topic) }
		if c.match {
			passes(t, "TopicMatches "+c.filter+" "+c.topic, match)
			fails(t, "TopicNotMatches "+c.filter+" "+c.topic, notMatch, "assert.TopicNotMatches: filter", "matches topic")
			continue
		}
		msg := fails(t, "TopicMatches "+c.filter+" "+c.topic, match, "assert.TopicMatches: filter", "does not match topic")
		if !mqtttest.ValidFilter(c.filter) && !strings.Contains(msg, "is not a valid topic filter") {
			t.Errorf("the message for invalid filter %q does not say so:\n%s", c.filter, msg)
		}
		passes(t, "TopicNotMatches "+c.filter+" "+c.topic, notMatch)
	}
}

func TestReceivedAllAndOnly(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	only := connect(t, b, "only")
	only.sub(t, "home/+/temp", 1)
	more := connect(t, b, "more") // subscribed to more than the filter
	more.sub(t, "home/+/temp", 1)
	more.sub(t, "office/#", 1)
	lossy := connect(t, b, "lossy")
	lossy.sub(t, "home/+/temp", 1)
	inject(t, b, mqtttest.Drop(mqtttest.ClientID("lossy"), mqtttest.Dir(mqtttest.ToClient), mqtttest.Publish("home/b/temp")))

	pub := connect(t, b, "pub")
	pub.pub(t, "home/a/temp", 1, false, "20")
	pub.pub(t, "home/b/temp", 1, false, "21")
	pub.pub(t, "home/a/humidity", 1, false, "40")
	pub.pub(t, "office/printer", 1, false, "jammed")
	// The broker acknowledges a publish before it forwards it: wait for the
	// copy outside the filter, which ReceivedAllAndOnly does not wait for.
	waitFor(t, b, mqtttest.ClientID("more"), mqtttest.Dir(mqtttest.ToClient), mqtttest.Publish("office/printer"))

	passes(t, "ReceivedAllAndOnly", func(c assert.TestingT) bool {
		return assert.ReceivedAllAndOnly(c, rec, "only", "home/+/temp", waitTime)
	})
	fails(t, "ReceivedAllAndOnly, a message outside the filter", func(c assert.TestingT) bool {
		return assert.ReceivedAllAndOnly(c, rec, "more", "home/+/temp", waitTime)
	}, `more did not receive exactly what was published under "home/+/temp"`, "outside: 1 PUBLISH to more:", `office/printer "jammed"`)
	fails(t, "ReceivedAllAndOnly, a message lost", func(c assert.TestingT) bool {
		return assert.ReceivedAllAndOnly(c, rec, "lossy", "home/+/temp", shortWait)
	}, "missing: 1 PUBLISH not delivered to lossy:", `home/b/temp "21" q1 from pub`, "[fault: dropped]")
	connect(t, b, "idle").sub(t, "garden/#", 1)
	fails(t, "ReceivedAllAndOnly, nothing published", func(c assert.TestingT) bool {
		return assert.ReceivedAllAndOnly(c, rec, "idle", "garden/#", shortWait)
	}, `nothing was published under "garden/#" after idle's SUBACK, within 50ms: nothing to check`)
	fails(t, "ReceivedAllAndOnly, no subscription", func(c assert.TestingT) bool {
		return assert.ReceivedAllAndOnly(c, rec, "pub", "home/+/temp", shortWait)
	}, `seen: no SUBACK to pub for a SUBSCRIBE to "home/+/temp"`)
}

// TestReceivedAllAndOnlyCountsCopies checks that two identical publishes
// need two deliveries.
func TestReceivedAllAndOnlyCountsCopies(t *testing.T) {
	b := mqtttest.NewBroker(t)
	connect(t, b, "half").sub(t, "meter/#", 1)
	inject(t, b, mqtttest.Drop(mqtttest.ClientID("half"), mqtttest.Dir(mqtttest.ToClient), mqtttest.Publish("meter/#")).Nth(2))
	pub := connect(t, b, "pub")
	pub.pub(t, "meter/1", 1, false, "tick")
	pub.pub(t, "meter/1", 1, false, "tick")
	waitFor(t, b, mqtttest.ClientID("half"), mqtttest.Publish("meter/1"), mqtttest.After(waitFor(t, b, mqtttest.ClientID("half"), mqtttest.Publish("meter/1")).Seq))
	fails(t, "ReceivedAllAndOnly, one of two identical messages dropped", func(c assert.TestingT) bool {
		return assert.ReceivedAllAndOnly(c, b.Recorder(), "half", "meter/#", shortWait)
	}, "missing: 1 PUBLISH not delivered to half:", `meter/1 "tick" q1 from pub`)
}
