package assert

import (
	"fmt"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// lastConnack returns the latest CONNACK to clientID.
func lastConnack(recs []record.Record, clientID string) (record.Record, bool) {
	for i := len(recs) - 1; i >= 0; i-- {
		if r := &recs[i]; isPacket(r, record.TypeConnack) && r.ClientID == clientID {
			return *r, true
		}
	}
	return record.Record{}, false
}

// SessionPresent asserts that the latest CONNACK to clientID accepted the
// connection with session present set: the broker resumed a session it
// kept [MQTT-3.2.2-2].
func SessionPresent(t TestingT, src Source, clientID string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "SessionPresent")
	}
	return sessionPresent(t, "SessionPresent", src, clientID, true)
}

// SessionNotPresent asserts that the latest CONNACK to clientID accepted the
// connection with session present clear: a new session, as after a clean
// start or when the broker lost the old one [MQTT-3.2.2-1, MQTT-3.2.2-3].
func SessionNotPresent(t TestingT, src Source, clientID string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "SessionNotPresent")
	}
	return sessionPresent(t, "SessionNotPresent", src, clientID, false)
}

func sessionPresent(t TestingT, name string, src Source, clientID string, want bool) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	recs := src.Records()
	ack, ok := lastConnack(recs, clientID)
	if ok && ack.ReasonCode == 0 && ack.SessionPresent == want {
		return true
	}
	r := newReport(name, "")
	switch {
	case !ok:
		r.headline = fmt.Sprintf("no CONNACK to %s is recorded", clientID)
	case ack.ReasonCode != 0:
		r.headline = fmt.Sprintf("the broker refused %s: CONNACK reason code 0x%02x", clientID, ack.ReasonCode)
	default:
		r.headline = fmt.Sprintf("CONNACK to %s has session present = %v", clientID, ack.SessionPresent)
	}
	r.add("want", "CONNACK to %s, accepted, session present = %v", clientID, want)
	if ok {
		r.add("seen", "%s", ack.Line())
	}
	return r.showClient(src, recs, clientID).fail(t)
}

// Subscribed asserts that clientID's latest SUBSCRIBE to filter is granted
// QoS qos by the SUBACK, already or within timeout, and that no
// UNSUBSCRIBE of filter followed it.
func Subscribed(t TestingT, src Source, clientID, filter string, qos byte, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "Subscribed")
	}
	if !validFilter(t, "Subscribed", filter) {
		return false
	}
	var sub, ack, unsub *record.Record
	recs, _ := watch(src, timeout, func(recs []record.Record) bool {
		sub, ack, unsub = subscription(recs, clientID, filter)
		return ack != nil
	})
	var granted byte = 0xff
	if ack != nil {
		if i := filterIndex(sub.Subscriptions, filter); i < len(ack.ReasonCodes) {
			granted = ack.ReasonCodes[i]
		}
	}
	if ack != nil && granted == qos && unsub == nil {
		return true
	}
	r := newReport("Subscribed", "").add("want", "%s subscribed to %q, granted QoS %d", clientID, filter, qos)
	switch {
	case sub == nil:
		r.headline = fmt.Sprintf("%s sent no SUBSCRIBE to %q", clientID, filter)
	case ack == nil:
		r.headline = fmt.Sprintf("no SUBACK to %s's SUBSCRIBE id=%d within %v", clientID, sub.PacketID, timeout)
	case unsub != nil:
		r.headline = fmt.Sprintf("%s unsubscribed from %q", clientID, filter)
		r.add("seen", "%s", unsub.Line())
	case granted >= 0x80:
		r.headline = fmt.Sprintf("the broker refused %s's subscription to %q: reason code 0x%02x", clientID, filter, granted)
	default:
		r.headline = fmt.Sprintf("%s was granted QoS %d on %q, not %d", clientID, granted, filter, qos)
	}
	return r.showClient(src, recs, clientID).fail(t)
}

// subscription finds clientID's latest SUBSCRIBE to filter, its SUBACK and
// a later UNSUBSCRIBE of the filter.
func subscription(recs []record.Record, clientID, filter string) (sub, ack, unsub *record.Record) {
	for i := range recs {
		r := &recs[i]
		if r.ClientID != clientID {
			continue
		}
		switch {
		case isPacket(r, record.TypeSubscribe) && r.Dir == record.ToBroker && filterIndex(r.Subscriptions, filter) >= 0:
			sub, ack, unsub = r, nil, nil
		case isPacket(r, record.TypeSuback) && sub != nil && ack == nil && r.Conn == sub.Conn && r.PacketID == sub.PacketID:
			ack = r
		case isPacket(r, record.TypeUnsubscribe) && r.Dir == record.ToBroker && sub != nil && filterIndex(r.Subscriptions, filter) >= 0:
			unsub = r
		}
	}
	return sub, ack, unsub
}
