package assert

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// Redelivered asserts that the broker sent clientID a QoS 1 or 2 message (a
// topic matching filter, a payload p matches) and then, on a later
// connection of the client, sent it again as a resumed session must: with
// the packet identifier of the first send [MQTT-4.4.0-1] and DUP set
// [MQTT-3.3.1-1], already or within timeout. A fault may have withheld the
// first send (the client never had it); the second must have passed. The
// client ID may not be "".
func Redelivered(t TestingT, src Source, clientID, filter string, p PayloadMatcher, timeout time.Duration) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if src == nil {
		return nilSource(t, "Redelivered")
	}
	if clientID == "" {
		return newReport("Redelivered", "no client ID: a redelivery is to one client, on its later connection").fail(t)
	}
	if !validFilter(t, "Redelivered", filter) {
		return false
	}
	var sends []record.Record
	recs, ok := watch(src, timeout, func(recs []record.Record) bool {
		sends = keep(recs, func(r *record.Record) bool {
			return r.Event == record.EventPacket && r.Type == record.TypePublish && r.Dir == record.ToClient &&
				!r.Malformed && r.QoS > 0 && r.ClientID == clientID && record.MatchTopic(filter, r.Topic) && p.Match(r.Payload)
		})
		return redelivery(sends) != nil
	})
	if ok {
		return true
	}
	return newReport("Redelivered", fmt.Sprintf("the message on %q was not sent to %s again on a later connection within %v", filter, clientID, timeout)).
		add("want", "PUBLISH to %s on %q, payload %s, QoS 1 or 2; then again on a later connection, DUP set, same packet ID", clientID, filter, p).
		add("seen", "%s", listSends(sends)).
		showClient(src, recs, clientID).fail(t)
}

// redelivery returns the first send that repeats an earlier one on a later
// connection, as Redelivered wants, or nil.
func redelivery(sends []record.Record) *record.Record {
	for i := range sends {
		b := &sends[i]
		if !b.Dup || b.Withheld {
			continue
		}
		for _, a := range sends[:i] {
			if a.Conn < b.Conn && a.PacketID == b.PacketID && a.Topic == b.Topic && bytes.Equal(a.Payload, b.Payload) {
				return b
			}
		}
	}
	return nil
}

// listSends describes the sends of a message, one a line, with the
// connection, packet ID and flags that Redelivered looks at.
func listSends(sends []record.Record) string {
	if len(sends) == 0 {
		return "no such PUBLISH with QoS 1 or 2"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d send(s):", len(sends))
	for _, r := range sends {
		fmt.Fprintf(&b, "\nconn#%d id=%d q%d %s %s", r.Conn, r.PacketID, r.QoS, r.Topic, quote(r.Payload))
		if r.Dup {
			b.WriteString(" dup")
		}
		if r.Withheld {
			b.WriteString(" (withheld: " + r.Fault + ")")
		}
	}
	return b.String()
}
