package assert

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// deliveries counts how many times one application message (a topic
// matching filter, a payload p matches) reached clientID, as a compliant
// receiver must take the PUBLISH packets: each counts once, a QoS 0 or 1
// one a fault duplicated twice (QoS 1 allows a receiver to deliver a
// message again, a DUP resend too), except that a QoS 2 PUBLISH whose
// packet ID the client received before and the broker has not released
// with PUBREL since is the same delivery, whether a DUP resend or the copy
// a Duplicate fault wrote [MQTT-4.3.3-9, MQTT-4.3.3-10]: a fault-duplicated
// QoS 2 PUBLISH counts once. After PUBREL, or in a new session, the packet
// ID starts a new delivery.
func deliveries(recs []record.Record, clientID, filter string, p PayloadMatcher) (counted, all []record.Record) {
	pending := map[uint16]bool{} // QoS 2 packet IDs received and not yet released
	for i := range recs {
		r := &recs[i]
		if r.ClientID != clientID {
			continue
		}
		switch {
		case isPacket(r, record.TypeConnack) && !r.SessionPresent: // a new session: packet IDs start afresh
			clear(pending)
		case isPacket(r, record.TypePubrel) && r.Dir == record.ToClient:
			delete(pending, r.PacketID)
		case delivered(r, clientID, filter, p):
			all = append(all, *r)
			if r.QoS == 2 && pending[r.PacketID] {
				continue
			}
			if r.QoS == 2 {
				pending[r.PacketID] = true
			}
			counted = append(counted, *r)
			if r.Duplicated && r.QoS < 2 {
				counted = append(counted, *r)
			}
		}
	}
	return counted, all
}

// countingRule says how deliveries counts, in failure messages.
const countingRule = "a QoS 2 PUBLISH again under a packet ID not yet released by PUBREL is the same delivery " +
	"and counts once (a fault's copy too); a QoS 0 or 1 PUBLISH a fault duplicated counts twice"

// countFailure reports a delivery count that broke a guarantee.
func countFailure(t TestingT, name, guarantee string, src Source, recs []record.Record, clientID, filter string, p PayloadMatcher, counted, all []record.Record) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	headline := fmt.Sprintf("the message on %q reached %s %d times", filter, clientID, len(counted))
	switch len(counted) {
	case 0:
		headline = fmt.Sprintf("the message on %q never reached %s", filter, clientID)
	case 1:
		headline = fmt.Sprintf("the message on %q reached %s once", filter, clientID)
	}
	r := newReport(name, headline).
		add("want", "%s: PUBLISH to %s on %q, payload %s", guarantee, clientID, filter, p).
		add("seen", "%d deliveries, counted from %d PUBLISH record(s): %s", len(counted), len(all), countingRule)
	if len(counted) == 0 {
		r.noteDrops(brokerDrops(recs, clientID, filter, p))
	}
	ids := map[uint16]bool{}
	publish := func(x *record.Record) bool { // withheld ones too
		return x.Type == record.TypePublish && x.Dir == record.ToClient && record.MatchTopic(filter, x.Topic) && p.Match(x.Payload)
	}
	mine := clientRecords(recs, clientID)
	for i := range mine {
		if publish(&mine[i]) {
			ids[mine[i].PacketID] = true
		}
	}
	flows := keep(mine, func(x *record.Record) bool {
		ack := x.Type >= record.TypePuback && x.Type <= record.TypePubcomp
		return x.Event != record.EventPacket || publish(x) || ack && ids[x.PacketID]
	})
	return r.show(src, recs, "flows of those packet IDs on "+clientID, flows).fail(t)
}

// AtMostOnce asserts that the message (a topic matching filter, a payload p
// matches) has reached clientID no more than once, counted as ExactlyOnce
// counts: a QoS 2 resend before PUBREL is the same delivery. It waits
// only until the broker has finished with everything it has read
// (Recorder.Settle): call it once the flows of interest have ended.
func AtMostOnce(t TestingT, src Source, clientID, filter string, p PayloadMatcher) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "AtMostOnce")
	}
	if !validFilter(t, "AtMostOnce", filter) {
		return false
	}
	if !barrier(t, "AtMostOnce", src) {
		return false
	}
	recs := src.Records()
	counted, all := deliveries(recs, clientID, filter, p)
	if len(counted) <= 1 {
		return true
	}
	return countFailure(t, "AtMostOnce", "at most once", src, recs, clientID, filter, p, counted, all)
}

// AtLeastOnce asserts that the message (a topic matching filter, a payload p
// matches) reaches clientID, already or within timeout. Duplicates are
// allowed.
func AtLeastOnce(t TestingT, src Source, clientID, filter string, p PayloadMatcher, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "AtLeastOnce")
	}
	if !validFilter(t, "AtLeastOnce", filter) {
		return false
	}
	recs, ok := watch(src, timeout, func(recs []record.Record) bool {
		counted, _ := deliveries(recs, clientID, filter, p)
		return len(counted) > 0
	})
	if ok {
		return true
	}
	counted, all := deliveries(recs, clientID, filter, p)
	return countFailure(t, "AtLeastOnce", fmt.Sprintf("at least once within %v", timeout), src, recs, clientID, filter, p, counted, all)
}

// ExactlyOnce asserts that the message (a topic matching filter, a payload p
// matches) reaches clientID once: it waits up to timeout for the first
// delivery and for its QoS handshake to end, then until the broker has
// finished with everything it has read (Recorder.Settle), and counts. A
// duplicate the broker sends after that (a resend on a later connection,
// say) is caught only by a later AtMostOnce.
//
// It checks the wire, as a compliant receiver must read it: a QoS 2 PUBLISH
// sent again under a packet ID the broker has not yet released with PUBREL
// (a DUP resend after a lost PUBREC, or the copy a Duplicate fault wrote)
// is one delivery and counts once [MQTT-4.3.3-10]; the same payload under a
// released or new packet ID is a second delivery; a QoS 0 or 1 PUBLISH a
// fault duplicated counts twice. So it proves what the broker did: it sent
// the message so that a compliant client hands it to the application once.
// It cannot prove that the application saw it once: a client library that
// delivers a QoS 2 resend again leaves no trace on the wire. That takes a
// check on what the client's message handler got, which is the job of the
// scenarios suite, through its client adapters.
func ExactlyOnce(t TestingT, src Source, clientID, filter string, p PayloadMatcher, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "ExactlyOnce")
	}
	if !validFilter(t, "ExactlyOnce", filter) {
		return false
	}
	recs, _ := watch(src, timeout, func(recs []record.Record) bool {
		counted, _ := deliveries(recs, clientID, filter, p)
		if len(counted) == 0 {
			return false
		}
		_, missing, _ := handshake(recs, counted[len(counted)-1])
		return missing == "" || len(counted) > 1
	})
	counted, all := deliveries(recs, clientID, filter, p)
	if len(counted) == 1 { // once so far: a copy still on its way would come before the broker settles
		if !barrier(t, "ExactlyOnce", src) {
			return false
		}
		recs = src.Records()
		counted, all = deliveries(recs, clientID, filter, p)
	}
	if len(counted) == 1 {
		return true
	}
	return countFailure(t, "ExactlyOnce", "exactly once", src, recs, clientID, filter, p, counted, all)
}

// HandshakeCompleted asserts that the QoS handshake of clientID's PUBLISH
// on a topic matching filter (sent or received, the first that p matches)
// completes within timeout: PUBACK for QoS 1; PUBREC, PUBREL and PUBCOMP
// for QoS 2; none for QoS 0. The acknowledgements may come on a later
// connection of the same session, and a v5 reason code of 0x80 or more
// fails it.
func HandshakeCompleted(t TestingT, src Source, clientID, filter string, p PayloadMatcher, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "HandshakeCompleted")
	}
	if !validFilter(t, "HandshakeCompleted", filter) {
		return false
	}
	var pub *record.Record
	var flow []record.Record
	var missing string
	var refused *record.Record
	recs, _ := watch(src, timeout, func(recs []record.Record) bool {
		pub = first(recs, func(r *record.Record) bool {
			return isPacket(r, record.TypePublish) && r.ClientID == clientID && record.MatchTopic(filter, r.Topic) && p.Match(r.Payload)
		})
		if pub == nil {
			return false
		}
		flow, missing, refused = handshake(recs, *pub)
		return missing == "" || refused != nil
	})
	if pub != nil && missing == "" && refused == nil {
		return true
	}
	r := newReport("HandshakeCompleted", "")
	switch {
	case pub == nil:
		r.headline = fmt.Sprintf("no PUBLISH of %s on %q within %v", clientID, filter, timeout)
		r.add("want", "PUBLISH from or to %s on %q, payload %s", clientID, filter, p)
		return r.showClient(src, recs, clientID).fail(t)
	case refused != nil:
		r.headline = fmt.Sprintf("%v id=%d refused the message: reason code 0x%02x", refused.Type, pub.PacketID, refused.ReasonCode)
	default:
		r.headline = fmt.Sprintf("the QoS %d handshake of id=%d did not complete within %v", pub.QoS, pub.PacketID, timeout)
	}
	r.add("want", "%s", strings.Join(steps(*pub), ", ")).add("missing", "%s", missing)
	return r.show(src, recs, fmt.Sprintf("flow of id=%d on %s", pub.PacketID, clientID), flow).fail(t)
}

// steps lists the packets of pub's handshake, with their direction.
func steps(pub record.Record) []string {
	var from, to string
	if pub.Dir == record.ToClient {
		from, to = "broker", pub.ClientID
	} else {
		from, to = pub.ClientID, "broker"
	}
	out := []string{fmt.Sprintf("PUBLISH q%d id=%d %s → %s", pub.QoS, pub.PacketID, from, to)}
	switch pub.QoS {
	case 1:
		out = append(out, "PUBACK "+to+" → "+from)
	case 2:
		out = append(out, "PUBREC "+to+" → "+from, "PUBREL "+from+" → "+to, "PUBCOMP "+to+" → "+from)
	}
	return out
}

// handshake follows pub's QoS handshake in recs: the records of the flow
// (same client, same packet ID, from pub on), the first step not yet seen
// ("" when complete), and the acknowledgement that refused it, if any.
func handshake(recs []record.Record, pub record.Record) (flow []record.Record, missing string, refused *record.Record) {
	back := record.ToClient // the receiver's direction
	if pub.Dir == record.ToClient {
		back = record.ToBroker
	}
	type step struct {
		typ record.PacketType
		dir record.Direction
	}
	var want []step
	switch pub.QoS {
	case 1:
		want = []step{{record.TypePuback, back}}
	case 2:
		want = []step{{record.TypePubrec, back}, {record.TypePubrel, pub.Dir}, {record.TypePubcomp, back}}
	}
	next := 0
	for i := range recs {
		r := &recs[i]
		if r.Seq < pub.Seq || r.ClientID != pub.ClientID || r.Event != record.EventPacket || r.PacketID != pub.PacketID {
			continue
		}
		flow = append(flow, *r)
		if next < len(want) && isPacket(r, want[next].typ) && r.Dir == want[next].dir {
			if r.ReasonCode >= 0x80 {
				return flow, want[next].typ.String(), r
			}
			next++
		}
	}
	if next < len(want) {
		names := make([]string, 0, len(want)-next)
		for _, w := range want[next:] {
			names = append(names, w.typ.String())
		}
		return flow, strings.Join(names, ", "), nil
	}
	return flow, "", nil
}

// InOrder asserts that clientID receives the payloads on topics matching
// filter in the order given, within timeout: the first delivery of each
// payload comes after the first delivery of the one before it
// [MQTT-4.6.0-5]. Repeats (redeliveries) and other payloads in between are
// allowed; the payloads given must differ from each other.
func InOrder(t TestingT, src Source, clientID, filter string, timeout time.Duration, payloads ...string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "InOrder")
	}
	if !validFilter(t, "InOrder", filter) {
		return false
	}
	seen := map[string]bool{}
	for _, p := range payloads {
		if seen[p] {
			return newReport("InOrder", fmt.Sprintf("payload %s is given twice: messages are told apart by payload", quote([]byte(p)))).fail(t)
		}
		seen[p] = true
	}
	var order []string
	recs, _ := watch(src, timeout, func(recs []record.Record) bool {
		order = firstDeliveries(recs, clientID, filter, payloads)
		return len(order) == len(payloads)
	})
	if slices.Equal(order, payloads) {
		return true
	}
	r := newReport("InOrder", "")
	if len(order) < len(payloads) {
		r.headline = fmt.Sprintf("%s received %d of %d messages on %q within %v", clientID, len(order), len(payloads), filter, timeout)
	} else {
		r.headline = fmt.Sprintf("%s received the messages on %q out of order", clientID, filter)
	}
	r.add("want", "%s", quoteAll(payloads)).add("seen", "%s", quoteAll(order))
	if len(order) < len(payloads) {
		missing := PayloadWhere("one not received", func(b []byte) bool { return seen[string(b)] && !slices.Contains(order, string(b)) })
		r.noteDrops(brokerDrops(recs, clientID, filter, missing))
	}
	pubs := keep(publishesTo(recs, clientID), func(x *record.Record) bool { return record.MatchTopic(filter, x.Topic) })
	return r.show(src, recs, "PUBLISH to "+clientID+" on "+filter, pubs).fail(t)
}

// firstDeliveries lists the wanted payloads in the order clientID first
// received them.
func firstDeliveries(recs []record.Record, clientID, filter string, wanted []string) []string {
	want := map[string]bool{}
	for _, p := range wanted {
		want[p] = true
	}
	seen := map[string]bool{}
	var order []string
	for i := range recs {
		r := &recs[i]
		if delivered(r, clientID, filter, AnyPayload) && want[string(r.Payload)] && !seen[string(r.Payload)] {
			seen[string(r.Payload)] = true
			order = append(order, string(r.Payload))
		}
	}
	return order
}

func quoteAll(ps []string) string {
	if len(ps) == 0 {
		return "none"
	}
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = quote([]byte(p))
	}
	return strings.Join(q, ", ")
}
