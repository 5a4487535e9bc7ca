package assert

import (
	"fmt"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// lastSession finds clientID's latest CONNECT and what became of its
// connection: the DISCONNECT it sent, if any, and the close record, if the
// connection has ended.
type lastSession struct {
	connect    record.Record
	disconnect *record.Record
	close      *record.Record
}

func findSession(recs []record.Record, clientID string) (lastSession, bool) {
	var s lastSession
	found := false
	for i := range recs {
		r := &recs[i]
		switch {
		case isPacket(r, record.TypeConnect) && r.Dir == record.ToBroker && r.ClientID == clientID:
			s, found = lastSession{connect: *r}, true
		case !found || r.Conn != s.connect.Conn:
		case isPacket(r, record.TypeDisconnect) && r.Dir == record.ToBroker:
			s.disconnect = r
		case r.Event == record.EventClose:
			s.close = r
		}
	}
	return s, found
}

// clean reports whether the connection ended with a DISCONNECT that
// discards the will: any in v3, reason code 0x00 in v5 (0x04 asks for the
// will) [MQTT-3.14.4-3].
func (s lastSession) clean() bool {
	return s.disconnect != nil && s.disconnect.ReasonCode != 0x04
}

func (s lastSession) ending() string {
	switch {
	case s.close == nil:
		return "the connection is still open"
	case s.disconnect != nil:
		return fmt.Sprintf("the client sent DISCONNECT (reason 0x%02x), then the connection closed", s.disconnect.ReasonCode)
	}
	return fmt.Sprintf("closed by %s without DISCONNECT: %s", s.close.ClosedBy, s.close.Reason)
}

func describeWill(w *record.Will) string {
	s := fmt.Sprintf("%q %s q%d", w.Topic, quote(w.Payload), w.QoS)
	if w.Retain {
		s += " retain"
	}
	if w.DelayInterval > 0 {
		s += fmt.Sprintf(" delay %ds", w.DelayInterval)
	}
	return s
}

// willDelivery reports whether r delivers w to a subscriber: its topic and
// payload, at no more than its QoS.
func willDelivery(r *record.Record, w *record.Will) bool {
	return isDelivery(r, "") && r.Topic == w.Topic && string(r.Payload) == string(w.Payload) && r.QoS <= w.QoS
}

// findWill returns the first delivery of the session's will after its
// connection closed that no client's PUBLISH accounts for. A device often
// publishes the same message as its will itself (retained "offline" before a
// clean shutdown): each PUBLISH of the will's topic and payload since the
// CONNECT (not counting DUP resends) accounts for one delivery to each
// subscriber, in order. Not taken for the will: DUP resends, and copies with
// the retain flag to a subscriber that subscribed after the close (the
// broker sends those for the new subscription, whoever published them).
func findWill(recs []record.Record, s lastSession) (record.Record, bool) {
	if s.close == nil || s.connect.Connect == nil || s.connect.Connect.Will == nil {
		return record.Record{}, false
	}
	w := s.connect.Connect.Will
	published := 0                      // PUBLISHes by clients of the will's topic and payload so far
	used := map[string]int{}            // how many of them each subscriber's deliveries used
	subscribedLate := map[string]bool{} // subscribers that subscribed after the close
	for i := range recs {
		r := &recs[i]
		if r.Seq <= s.connect.Seq {
			continue
		}
		switch {
		case isPacket(r, record.TypeSubscribe) && r.Dir == record.ToBroker && r.Seq > s.close.Seq:
			subscribedLate[r.ClientID] = true
		case isPacket(r, record.TypePublish) && r.Dir == record.ToBroker && !r.Dup &&
			r.Topic == w.Topic && string(r.Payload) == string(w.Payload):
			published++
		case willDelivery(r, w) && !r.Dup && !(r.Retain && subscribedLate[r.ClientID]):
			if used[r.ClientID] < published {
				used[r.ClientID]++
				continue
			}
			if r.Seq > s.close.Seq {
				return *r, true
			}
		}
	}
	return record.Record{}, false
}

// WillPublished asserts that the will in clientID's latest CONNECT is
// published after that connection ends without a DISCONNECT that discards
// it: within timeout, a subscriber receives the will's topic and payload at
// no more than its QoS, a delivery that no client's PUBLISH of the same
// message accounts for. A will has to be seen on the wire, so subscribe a
// client to its topic before the connection ends. A retained will is also
// retained by the broker; check that with Retained.
func WillPublished(t TestingT, src Source, clientID string, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "WillPublished")
	}
	var s lastSession
	var found bool
	var got *record.Record
	recs, _ := watch(src, timeout, func(recs []record.Record) bool {
		got = nil
		s, found = findSession(recs, clientID)
		if !found || s.connect.Connect == nil || s.connect.Connect.Will == nil || s.close == nil || s.clean() {
			return found && (s.connect.Connect == nil || s.connect.Connect.Will == nil || s.clean())
		}
		if r, ok := findWill(recs, s); ok {
			got = &r
			return true
		}
		return false
	})
	if got != nil {
		return true
	}
	r := newReport("WillPublished", fmt.Sprintf("the will of %s was not published within %v", clientID, timeout))
	switch {
	case !found:
		r.add("seen", "no CONNECT from %s", clientID)
	case s.connect.Connect == nil || s.connect.Connect.Will == nil:
		r.add("seen", "%s's CONNECT carries no will", clientID)
	default:
		w := s.connect.Connect.Will
		r.add("want", "will %s delivered to a subscriber after the connection ends", describeWill(w)).
			add("ended", "%s", s.ending())
		if s.close != nil && !s.clean() {
			r.add("seen", "no client received %q %s", w.Topic, quote(w.Payload))
			r.noteDrops(brokerDrops(recs, "", w.Topic, PayloadBytes(w.Payload)))
			if w.DelayInterval > 0 {
				r.add("note", "the will is delayed by %ds; the timeout must cover it", w.DelayInterval)
			}
		}
	}
	return r.show(src, recs, "records of "+clientID+" and deliveries on its will topic", willRecords(recs, clientID, s)).fail(t)
}

// willRecords returns the records of clientID's connections and the
// deliveries on its will's topic.
func willRecords(recs []record.Record, clientID string, s lastSession) []record.Record {
	mine := clientRecords(recs, clientID)
	if s.connect.Connect == nil || s.connect.Connect.Will == nil {
		return mine
	}
	topic := s.connect.Connect.Will.Topic
	var out []record.Record
	// Merge, in recording order; k is the next record of mine.
	k := 0
	for i := range recs {
		r := &recs[i]
		switch {
		case k < len(mine) && mine[k].Seq == r.Seq:
			out = append(out, *r)
			k++
		case isDelivery(r, "") && r.Topic == topic:
			out = append(out, *r)
		}
	}
	return out
}

// NoWill asserts that clientID's latest connection ended (it waits for
// that up to d, or a second if longer, and 10 s more once the DISCONNECT
// is recorded) with a DISCONNECT that discards the will, and that the will
// in its CONNECT is
// not delivered to any client [MQTT-3.1.2-10]: once the connection has
// ended, it waits until the broker has finished with it (Recorder.Settle),
// then watches for d more. It fails at once when the will is delivered, and
// when the CONNECT carried no will (there would be nothing to check).
func NoWill(t TestingT, src Source, clientID string, d time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "NoWill")
	}
	var s lastSession
	var found bool
	var got *record.Record
	look := func(ended bool) func([]record.Record) bool {
		return func(recs []record.Record) bool {
			s, found = findSession(recs, clientID)
			if !found {
				return false
			}
			if s.connect.Connect == nil || s.connect.Connect.Will == nil {
				return true
			}
			if r, ok := findWill(recs, s); ok {
				got = &r
				return true
			}
			return ended && s.close != nil
		}
	}
	end := max(d, time.Second) // the connection's end: only the window after it is d
	recs, _ := watch(src, end, look(true))
	if found && got == nil && s.close == nil && s.disconnect != nil { // the client has sent DISCONNECT: its close must come
		end += settleTimeout
		recs, _ = watch(src, settleTimeout, look(true))
	}
	if found && got == nil && s.close != nil && s.clean() && s.connect.Connect != nil && s.connect.Connect.Will != nil {
		if !barrier(t, "NoWill", src) {
			return false
		}
		recs, _ = watch(src, d, look(false))
	}
	r := newReport("NoWill", "")
	switch {
	case !found:
		r.headline = fmt.Sprintf("no CONNECT from %s", clientID)
	case s.connect.Connect == nil || s.connect.Connect.Will == nil:
		r.headline = fmt.Sprintf("%s's CONNECT carries no will: nothing to check", clientID)
	case got != nil:
		r.headline = fmt.Sprintf("the will of %s was published", clientID)
		r.add("want", "no will after a clean DISCONNECT").add("ended", "%s", s.ending()).add("seen", "%s", got.Line())
	case s.close == nil || !s.clean():
		r.headline = fmt.Sprintf("%s's connection did not end with a clean DISCONNECT within %v", clientID, end)
		r.add("want", "DISCONNECT from %s, then no will", clientID).add("seen", "%s", s.ending())
	default:
		return true
	}
	return r.show(src, recs, "records of "+clientID+" and deliveries on its will topic", willRecords(recs, clientID, s)).fail(t)
}
