package assert

import (
	"fmt"
	"strings"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// isDelivery reports whether r is a PUBLISH from the broker to clientID
// ("": any client) that a fault did not withhold.
func isDelivery(r *record.Record, clientID string) bool {
	return r.Dir == record.ToClient && isPacket(r, record.TypePublish) && (clientID == "" || r.ClientID == clientID)
}

// isPacket reports whether r is a well-formed packet of type typ that a
// fault did not withhold from its destination.
func isPacket(r *record.Record, typ record.PacketType) bool {
	return r.Event == record.EventPacket && r.Type == typ && !r.Malformed && !r.Withheld
}

// delivered reports whether r is a PUBLISH from the broker to clientID ("":
// any client) on a topic filter matches, with a payload p matches.
func delivered(r *record.Record, clientID, filter string, p PayloadMatcher) bool {
	return isDelivery(r, clientID) && record.MatchTopic(filter, r.Topic) && p.Match(r.Payload)
}

// publishesTo returns the PUBLISH packets the broker sent to clientID ("":
// any client).
func publishesTo(recs []record.Record, clientID string) []record.Record {
	return keep(recs, func(r *record.Record) bool { return isDelivery(r, clientID) })
}

// first returns the first record for which want returns true, or nil.
func first(recs []record.Record, want func(*record.Record) bool) *record.Record {
	for i := range recs {
		if want(&recs[i]) {
			return &recs[i]
		}
	}
	return nil
}

// keep returns the records for which want returns true.
func keep(recs []record.Record, want func(*record.Record) bool) []record.Record {
	var out []record.Record
	for i := range recs {
		if want(&recs[i]) {
			out = append(out, recs[i])
		}
	}
	return out
}

// listPublishes describes the PUBLISH packets to clientID ("": any client),
// one a line (topic, payload, QoS, flags), under a heading: "2 PUBLISH to
// sub-1:" or "no PUBLISH to sub-1".
func listPublishes(clientID string, pubs []record.Record) string {
	return listPackets("PUBLISH to "+describeClient(clientID), clientID == "", pubs)
}

// listPackets describes PUBLISH packets one a line, under a heading that
// says what they are; with who, each line says who sent or received it.
func listPackets(heading string, who bool, pubs []record.Record) string {
	if len(pubs) == 0 {
		return "no " + heading
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s:", len(pubs), heading)
	const most = 8
	for i, r := range pubs {
		if i == most {
			fmt.Fprintf(&b, "\n… and %d more", len(pubs)-most)
			break
		}
		fmt.Fprintf(&b, "\n%s %s q%d", r.Topic, quote(r.Payload), r.QoS)
		if r.Retain {
			b.WriteString(" retain")
		}
		if r.Dup {
			b.WriteString(" dup")
		}
		switch {
		case !who || r.ClientID == "":
		case r.Dir == record.ToClient:
			b.WriteString(" to " + r.ClientID)
		default:
			b.WriteString(" from " + r.ClientID)
		}
	}
	return b.String()
}

// Received asserts that the broker delivers to clientID ("" for any client)
// a PUBLISH whose topic matches filter and whose payload p matches, already
// or within timeout.
func Received(t TestingT, src Source, clientID, filter string, p PayloadMatcher, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "Received")
	}
	if !validFilter(t, "Received", filter) {
		return false
	}
	recs, ok := watch(src, timeout, func(recs []record.Record) bool {
		return first(recs, func(r *record.Record) bool { return delivered(r, clientID, filter, p) }) != nil
	})
	if ok {
		return true
	}
	return newReport("Received", fmt.Sprintf("no matching PUBLISH reached %s within %v", describeClient(clientID), timeout)).
		add("want", "PUBLISH to %s on %q, payload %s", describeClient(clientID), filter, p).
		add("seen", "%s", listPublishes(clientID, publishesTo(recs, clientID))).
		diffLast(publishesTo(recs, clientID), filter, p).
		noteDrops(brokerDrops(recs, clientID, filter, p)).
		showClient(src, recs, clientID).fail(t)
}

// NotReceived asserts that the broker delivers no PUBLISH on a topic
// matching filter to clientID ("" for any client): none is recorded once
// the broker has finished with everything it has read (Recorder.Settle),
// and none arrives for d after that. It returns early, failing, when one
// does. It is how a test checks that an ephemeral message had no
// subscriber to go to and is not delivered late. Over a Proxy's recorder,
// which cannot see into its upstream, the window d alone decides.
func NotReceived(t TestingT, src Source, clientID, filter string, d time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "NotReceived")
	}
	if !validFilter(t, "NotReceived", filter) {
		return false
	}
	if !barrier(t, "NotReceived", src) {
		return false
	}
	var got *record.Record
	recs, found := watch(src, d, func(recs []record.Record) bool {
		got = first(recs, func(r *record.Record) bool { return delivered(r, clientID, filter, AnyPayload) })
		return got != nil
	})
	if !found {
		return true
	}
	return newReport("NotReceived", fmt.Sprintf("%s received a PUBLISH on %q", describeClient(clientID), filter)).
		add("want", "no PUBLISH to %s on %q for %v", describeClient(clientID), filter, d).
		add("seen", "%s", got.Line()).
		showClient(src, recs, clientID).fail(t)
}

// showClient sets the transcript slice to the records of clientID, or to
// every record when clientID is "".
func (r *report) showClient(src Source, recs []record.Record, clientID string) *report {
	if clientID == "" {
		return r.show(src, recs, "records", recs)
	}
	return r.show(src, recs, "records of "+clientID, clientRecords(recs, clientID))
}

// diffLast adds, when none of pubs on a topic matching filter has a payload
// p matches, how the payload of the last of them differs from the one p
// wants (testify's values and diff), under "payload".
func (r *report) diffLast(pubs []record.Record, filter string, p PayloadMatcher) *report {
	var last *record.Record
	for i := range pubs {
		if !record.MatchTopic(filter, pubs[i].Topic) {
			continue
		}
		if p.Match(pubs[i].Payload) {
			return r
		}
		last = &pubs[i]
	}
	if last == nil {
		return r
	}
	if d := p.differs(last.Payload); d != "" {
		r.add("payload", "of the last PUBLISH to %s on %s:\n%s", last.ClientID, last.Topic, d)
	}
	return r
}
