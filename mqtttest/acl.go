package mqtttest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mqtt-testkit/testkit/internal/topics"
)

// ACLRule denies one action on the topics a filter covers. Make rules with
// DenyPublish and DenySubscribe, or read them with ParseACL.
type ACLRule struct {
	Publish bool   // true: deny PUBLISH; false: deny SUBSCRIBE (and delivery)
	Filter  string // MQTT topic filter, wildcards allowed
}

// DenyPublish denies publishing to any topic the filter matches. A denied
// QoS 0 publish is dropped; QoS 1 and 2 get reason code 0x87 in v5, and a
// v3 client is disconnected, as v3 has no way to refuse a publish.
func DenyPublish(filter string) ACLRule { return ACLRule{Publish: true, Filter: filter} }

// DenySubscribe denies subscribing to filters the rule's filter covers
// (SUBACK return code 0x80 in v3, reason code 0x87 in v5), and delivering
// messages on topics it matches to any subscriber.
func DenySubscribe(filter string) ACLRule { return ACLRule{Filter: filter} }

// String returns the rule in the form ParseACL reads.
func (r ACLRule) String() string {
	if r.Publish {
		return "deny publish " + r.Filter
	}
	return "deny subscribe " + r.Filter
}

func (r ACLRule) validate() error {
	if !ValidFilter(r.Filter) {
		return fmt.Errorf("ACL rule %q: %q is not a valid topic filter", r.String(), r.Filter)
	}
	return nil
}

// allows reports whether the rule lets a client publish (write) or
// subscribe/receive on topic, which may itself be a filter.
func (r ACLRule) allows(topic string, write bool) bool {
	return r.Publish != write || !topics.MatchLevels(r.Filter, topic)
}

// ParseACL reads ACL rules, one a line: "deny publish FILTER" or "deny
// subscribe FILTER". Blank lines and lines starting with "#" are skipped.
// An error names the line that is wrong.
func ParseACL(r io.Reader) ([]ACLRule, error) {
	var rules []ACLRule
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "deny" || (f[1] != "publish" && f[1] != "subscribe") {
			return nil, fmt.Errorf("ACL line %d: %q: want \"deny publish FILTER\" or \"deny subscribe FILTER\"", n, line)
		}
		rule := ACLRule{Publish: f[1] == "publish", Filter: f[2]}
		if err := rule.validate(); err != nil {
			return nil, fmt.Errorf("ACL line %d: %w", n, err)
		}
		rules = append(rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading ACL: %w", err)
	}
	return rules, nil
}

// OnConnectAuthenticate applies WithAuth; without it every client is allowed.
func (h *hook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	users := h.b.cfg.users
	if users == nil {
		return true
	}
	want, ok := users[string(pk.Connect.Username)]
	return ok && pk.Connect.PasswordFlag && bytes.Equal([]byte(want), pk.Connect.Password)
}

// OnACLCheck applies WithACL to a publish (write) or a subscription or
// delivery. It also refuses a delivery to a client whose session a takeover
// is replacing or whose session has ended: mochi would add the message to a
// session nobody holds any more, and refused, it is recorded as a drop
// (route.go says which deliveries can still arrive then).
func (h *hook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if !write && !cl.Net.Inline {
		h.b.cfg.seams.atClient(func(s *seams) func(*mqtt.Client) { return s.delivering }, cl)
		if h.superseded(cl) || cl.Closed() && tapOf(cl) != nil && tapOf(cl).sessionEndReason() != "" {
			return false
		}
	}
	return h.b.aclAllows(topic, write)
}

// aclAllows reports whether WithACL lets a client publish to topic (write),
// or subscribe to it or receive a message on it.
func (b *Broker) aclAllows(topic string, write bool) bool {
	for _, r := range b.cfg.acl {
		if !r.allows(topic, write) {
			return false
		}
	}
	return true
}
