package assert

import (
	"fmt"
	"slices"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// TopicMatches asserts that the topic filter matches topic by the MQTT
// rules, those of mqtttest.MatchTopic (the plain function): "+" is one
// level, a last "#" is the parent level and everything below it, and a
// filter starting with a wildcard does not match a topic starting with "$"
// [MQTT-4.7.1-2, MQTT-4.7.1-3, MQTT-4.7.2-1].
func TopicMatches(t TestingT, filter, topic string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if record.MatchTopic(filter, topic) {
		return true
	}
	r := newReport("TopicMatches", fmt.Sprintf("filter %q does not match topic %q", filter, topic))
	if !record.ValidFilter(filter) {
		r.add("why", "%q is not a valid topic filter", filter)
	}
	return r.fail(t)
}

// TopicNotMatches asserts that the topic filter does not match topic by the
// MQTT rules (see TopicMatches).
func TopicNotMatches(t TestingT, filter, topic string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !record.MatchTopic(filter, topic) {
		return true
	}
	return newReport("TopicNotMatches", fmt.Sprintf("filter %q matches topic %q", filter, topic)).fail(t)
}

// ReceivedAllAndOnly asserts, for a client subscribed to filter alone, that
// every PUBLISH a client sent the broker on a topic matching filter after
// clientID's subscription was acknowledged is delivered to clientID (by
// topic and payload, one delivery each) within timeout, and that nothing on
// a topic outside the filter is. It fails when nothing was published under
// the filter by the timeout: there would be nothing to check. Messages
// published by the broker itself (Broker.Publish) are not on the wire, so
// only the second half applies to them. It returns as soon as every message
// is delivered, so a message outside the filter delivered after that is not
// seen: wait for the flows to settle first.
func ReceivedAllAndOnly(t TestingT, src Source, clientID, filter string, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "ReceivedAllAndOnly")
	}
	if !validFilter(t, "ReceivedAllAndOnly", filter) {
		return false
	}
	var missing, outside []record.Record
	subscribed, published := false, 0
	recs, ok := watch(src, timeout, func(recs []record.Record) bool {
		missing, outside = nil, nil
		from, found := subackFor(recs, clientID, filter)
		subscribed = found
		if !found {
			return false
		}
		var pubs, got []record.Record
		for i := from; i < len(recs); i++ {
			r := &recs[i]
			switch {
			case isDelivery(r, clientID) && record.MatchTopic(filter, r.Topic):
				got = append(got, *r)
			case isDelivery(r, clientID):
				outside = append(outside, *r)
			case isPacket(r, record.TypePublish) && r.Dir == record.ToBroker && !r.Dup && record.MatchTopic(filter, r.Topic):
				pubs = append(pubs, *r)
			}
		}
		published = len(pubs)
		used := make([]bool, len(got))
		for _, p := range pubs {
			if !takeCopy(got, used, p) {
				missing = append(missing, p)
			}
		}
		return len(outside) > 0 || published > 0 && len(missing) == 0 // decided either way
	})
	if ok && len(outside) == 0 {
		return true
	}
	r := newReport("ReceivedAllAndOnly", fmt.Sprintf("%s did not receive exactly what was published under %q", clientID, filter)).
		add("want", "every PUBLISH on %q after %s's SUBACK delivered to %s, nothing else", filter, clientID, clientID)
	switch {
	case !subscribed:
		r.add("seen", "no SUBACK to %s for a SUBSCRIBE to %q", clientID, filter)
	case published == 0 && len(outside) == 0:
		r.headline = fmt.Sprintf("nothing was published under %q after %s's SUBACK, within %v: nothing to check", filter, clientID, timeout)
	default:
		if len(missing) > 0 {
			r.add("missing", "%s", listPackets("PUBLISH not delivered to "+clientID, true, missing))
			r.noteDrops(keep(brokerDrops(recs, clientID, filter, AnyPayload), func(d *record.Record) bool {
				return slices.ContainsFunc(missing, func(m record.Record) bool { return m.Topic == d.Topic && string(m.Payload) == string(d.Payload) })
			}))
		}
		if len(outside) > 0 {
			r.add("outside", "%s", listPublishes(clientID, outside))
		}
	}
	return r.showClient(src, recs, clientID).fail(t)
}

// takeCopy marks as used the first delivery in got, not used yet, that
// came after pub with its topic and payload, and reports whether there was
// one.
func takeCopy(got []record.Record, used []bool, pub record.Record) bool {
	for i, g := range got {
		if !used[i] && g.Seq > pub.Seq && g.Topic == pub.Topic && string(g.Payload) == string(pub.Payload) {
			used[i] = true
			return true
		}
	}
	return false
}

// subackFor finds the SUBACK that granted clientID's latest SUBSCRIBE to
// filter, and returns the index of the record after it.
func subackFor(recs []record.Record, clientID, filter string) (int, bool) {
	for i := len(recs) - 1; i >= 0; i-- {
		s := &recs[i]
		if !isPacket(s, record.TypeSubscribe) || s.Dir != record.ToBroker || s.ClientID != clientID {
			continue
		}
		idx := filterIndex(s.Subscriptions, filter)
		if idx < 0 {
			continue
		}
		for j := i + 1; j < len(recs); j++ {
			a := &recs[j]
			if isPacket(a, record.TypeSuback) && a.Conn == s.Conn && a.PacketID == s.PacketID {
				if idx < len(a.ReasonCodes) && a.ReasonCodes[idx] < 0x80 {
					return j + 1, true
				}
				return 0, false
			}
		}
		return 0, false
	}
	return 0, false
}

func filterIndex(subs []record.Subscription, filter string) int {
	for i, s := range subs {
		if s.Filter == filter {
			return i
		}
	}
	return -1
}
