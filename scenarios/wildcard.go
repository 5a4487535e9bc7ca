package scenarios

import "fmt"

var wildcardScenarios = []*Scenario{
	&WildcardSingleLevel,
	&WildcardMultiLevel,
	&WildcardMixed,
	&WildcardDollarTopics,
	&WildcardOverlapping,
	&WildcardSubscriptionIDs,
}

// matching subscribes a client under test to filter, has the broker publish
// on each topic in order, and checks that the application got exactly want,
// in order.
func matching(s *env, filter string, topics []string, want []string, spec string) {
	sub := s.Client("sub")
	sub.Connect()
	sub.Subscribe(filter, 1)
	for _, t := range topics {
		s.Publish(t, "on "+t, 1, false)
	}
	sub.Barrier(want[0])
	var got []string
	for _, m := range sub.Got("#") {
		got = append(got, m.Topic)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		s.Errorf("subscribed to %q, the application got messages on %q, want %q %s", filter, got, want, spec)
	}
}

// WildcardSingleLevel: "+" matches exactly one level.
var WildcardSingleLevel = Scenario{
	Name:     "Wildcards/SingleLevel",
	Spec:     "[MQTT-4.7.1-2]",
	Doc:      "\"home/+/temp\" matches home/kitchen/temp and home//temp, not home/temp or home/a/b/temp.",
	Tags:     []string{"wildcards"},
	Versions: both,
	body: func(s *env) {
		matching(s, "home/+/temp",
			[]string{"home/kitchen/temp", "home/temp", "home/a/b/temp", "home//temp", "home/kitchen/temp/x"},
			[]string{"home/kitchen/temp", "home//temp"}, "[MQTT-4.7.1-2]")
	},
}

// WildcardMultiLevel: "#" matches any number of levels, the parent level
// included.
var WildcardMultiLevel = Scenario{
	Name:     "Wildcards/MultiLevelWithParent",
	Spec:     "[MQTT-4.7.1-1]",
	Doc:      "\"home/#\" matches home, home/a and home/a/b/c, not homes or house/a.",
	Tags:     []string{"wildcards"},
	Versions: both,
	body: func(s *env) {
		matching(s, "home/#",
			[]string{"home", "homes", "home/a", "house/a", "home/a/b/c"},
			[]string{"home", "home/a", "home/a/b/c"}, "[MQTT-4.7.1-1]")
	},
}

// WildcardMixed: "+" and "#" in one filter.
var WildcardMixed = Scenario{
	Name:     "Wildcards/Mixed",
	Spec:     "[MQTT-4.7.1-1] [MQTT-4.7.1-2]",
	Doc:      "\"+/sensors/#\" matches a/sensors and a/sensors/t/1, not sensors/t or a/b/sensors.",
	Tags:     []string{"wildcards"},
	Versions: both,
	body: func(s *env) {
		matching(s, "+/sensors/#",
			[]string{"a/sensors", "sensors/t", "a/b/sensors", "a/sensors/t/1"},
			[]string{"a/sensors", "a/sensors/t/1"}, "[MQTT-4.7.1-1] [MQTT-4.7.1-2]")
	},
}

// WildcardDollarTopics: a filter that starts with a wildcard does not match
// topics that start with "$".
var WildcardDollarTopics = Scenario{
	Name:     "Wildcards/DollarTopicsNotMatched",
	Spec:     "[MQTT-4.7.2-1]",
	Doc:      "\"#\" and \"+/info\" do not match $dev/info.",
	Tags:     []string{"wildcards"},
	Versions: both,
	body: func(s *env) {
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("#", 1)
		sub.Subscribe("+/info", 1)
		s.Publish("$dev/info", "hidden", 1, false)
		s.Publish("dev/info", "seen", 1, false)
		sub.Barrier("dev/barrier")
		for _, m := range sub.Got("#") {
			if m.Topic[0] == '$' {
				s.Errorf("the application got %s through a filter starting with a wildcard [MQTT-4.7.2-1]", m)
			}
		}
		got := sub.Got("dev/info")
		if len(got) == 0 {
			s.Errorf("the application did not get dev/info, which both filters match")
		}
	},
}

// WildcardOverlapping: two subscriptions that match the same topic. The
// broker may send one copy or one per subscription, and must respect the
// highest QoS of those that match.
var WildcardOverlapping = Scenario{
	Name:     "Wildcards/Overlapping",
	Spec:     "[MQTT-3.3.5-1] (3.1.1), [MQTT-3.3.4-2] (5)",
	Doc:      "Filters q/+ at QoS 0 and q/# at QoS 1 both match q/x: the application gets it at QoS 1, in at most one copy per subscription.",
	Tags:     []string{"wildcards"},
	Versions: both,
	body: func(s *env) {
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("q/+", 0)
		sub.Subscribe("q/#", 1)
		s.Publish("q/x", "both", 1, false)
		sub.Barrier("q/barrier")
		got := sub.Got("q/x")
		top := byte(0)
		for _, m := range got {
			top = max(top, m.QoS)
		}
		if len(got) == 0 || len(got) > 2 || top != 1 {
			s.Errorf("the application got %s, want the message at QoS 1, the highest of the matching subscriptions, once or once per subscription", messages(got))
		}
	},
}

// WildcardSubscriptionIDs: with v5 Subscription Identifiers on overlapping
// subscriptions, the application learns every subscription a message
// matched: one copy carries them all, or each copy carries its own.
var WildcardSubscriptionIDs = Scenario{
	Name:     "Wildcards/SubscriptionIdentifiers",
	Spec:     "[MQTT-3.3.4-3] [MQTT-3.3.4-4] [MQTT-3.3.4-5] (5)",
	Doc:      "v5: s/+ with Subscription Identifier 7 and s/# with 9 both match s/x: the application gets 7 and 9, in one copy or across two.",
	Tags:     []string{"wildcards"},
	Versions: V5,
	Needs:    SubscriptionIDs,
	body: func(s *env) {
		sub := s.Client("sub")
		sub.Connect()
		sub.SubscribeWith(Subscription{Filter: "s/+", QoS: 1, ID: 7})
		sub.SubscribeWith(Subscription{Filter: "s/#", QoS: 1, ID: 9})
		s.Publish("s/x", "both", 1, false)
		sub.Barrier("s/barrier")
		got := map[int]bool{}
		for _, m := range sub.Got("s/x") {
			for _, id := range m.SubscriptionIDs {
				got[id] = true
			}
		}
		if !got[7] || !got[9] || len(got) != 2 {
			var ids []int
			for _, m := range sub.Got("s/x") {
				ids = append(ids, m.SubscriptionIDs...)
			}
			s.Errorf("the application got Subscription Identifiers %v with %s, want 7 and 9", ids, messages(sub.Got("s/x")))
		}
	},
}
