package assert

import (
	"fmt"
	"strings"

	"github.com/mqtt-testkit/testkit/record"
)

// brokerDrops returns the drops that explain why a message (a topic filter
// matches, a payload p matches) did not reach clientID ("": any client):
// the broker dropped it on its way to that client, or it reached no client
// at all (no subscriber matched, WithACL refused the publish).
func brokerDrops(recs []record.Record, clientID, filter string, p PayloadMatcher) []record.Record {
	return keep(recs, func(r *record.Record) bool {
		return r.Event == record.EventDrop && record.MatchTopic(filter, r.Topic) && p.Match(r.Payload) &&
			(r.Dir == record.ToBroker || clientID == "" || r.ClientID == clientID)
	})
}

// noteDrops says in the report that the broker dropped matching messages,
// and why, so that the failure is not taken for the client's: in the
// headline, and one line for each drop.
func (r *report) noteDrops(drops []record.Record) *report {
	if len(drops) == 0 {
		return r
	}
	r.headline += fmt.Sprintf("; the broker dropped %d matching message(s): %s", len(drops), drops[0].Reason)
	var b strings.Builder
	const most = 8
	for i, d := range drops {
		if i == most {
			fmt.Fprintf(&b, "\n… and %d more", len(drops)-most)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.TrimPrefix(d.Line(), "broker dropped  "))
	}
	return r.add("dropped by the broker", "%s", b.String())
}
