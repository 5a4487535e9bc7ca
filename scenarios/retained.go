package scenarios

import (
	"github.com/mqtt-testkit/testkit/assert"
)

var retainedScenarios = []*Scenario{
	&RetainedToLateSubscriber,
	&RetainedReplaced,
	&RetainedClearedByEmptyPayload,
	&RetainedNotFlaggedLive,
	&RetainedAsPublished,
	&RetainHandling0,
	&RetainHandling1,
	&RetainHandling2,
	&EphemeralNotKept,
}

// retainer publishes a retained message from a client under test, and
// waits until the broker holds it.
func retainer(s *env, topic string, payloads ...string) {
	pub := s.Client("pub")
	pub.Connect()
	for _, p := range payloads {
		pub.PublishWait(topic, p, 1, true)
	}
	pub.Disconnect()
	s.Settle()
}

// RetainedToLateSubscriber: a retained message goes to a later subscriber,
// with the retain flag set.
var RetainedToLateSubscriber = Scenario{
	Name:     "Retained/ToLateSubscriber",
	Spec:     "[MQTT-3.3.1-6] [MQTT-3.3.1-8]",
	Doc:      "A retained message reaches a later subscriber, flagged retained.",
	Tags:     []string{"retained"},
	Versions: both,
	body: func(s *env) {
		retainer(s, "retained/late", "21.5")
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("retained/+", 1)
		got := sub.Await(1, "retained/late")
		if !got[0].Retain || string(got[0].Payload) != "21.5" {
			s.Errorf("the application got %s, want \"21.5\" flagged retained [MQTT-3.3.1-8]", got[0])
		}
	},
}

// RetainedReplaced: a new retained message replaces the one before.
var RetainedReplaced = Scenario{
	Name:     "Retained/Replaced",
	Spec:     "[MQTT-3.3.1-5]",
	Doc:      "A second retained message replaces the first: a later subscriber gets only the second.",
	Tags:     []string{"retained"},
	Versions: both,
	body: func(s *env) {
		retainer(s, "retained/replaced", "first", "second")
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("retained/replaced", 1)
		sub.Barrier("retained/replaced")
		got := sub.Got("retained/replaced")
		if len(got) != 1 || string(got[0].Payload) != "second" {
			s.Errorf("the application got %s, want only \"second\" [MQTT-3.3.1-5]", messages(got))
		}
	},
}

// RetainedClearedByEmptyPayload: a retained message with an empty payload
// clears the topic's retained message.
var RetainedClearedByEmptyPayload = Scenario{
	Name:     "Retained/ClearedByEmptyPayload",
	Spec:     "[MQTT-3.3.1-10] [MQTT-3.3.1-11]",
	Doc:      "An empty retained message clears the retained message: a later subscriber gets none.",
	Tags:     []string{"retained"},
	Versions: both,
	body: func(s *env) {
		retainer(s, "retained/cleared", "on", "")
		assert.NoRetained(s, s.Broker, "retained/cleared")
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("retained/cleared", 1)
		sub.Barrier("retained/cleared")
		if got := sub.Got("retained/cleared"); len(got) != 0 {
			s.Errorf("the application got %s, want nothing: the retained message was cleared [MQTT-3.3.1-10]", messages(got))
		}
	},
}

// RetainedNotFlaggedLive: a retained message sent to a subscription that
// existed when it was published is not flagged retained.
var RetainedNotFlaggedLive = Scenario{
	Name:     "Retained/NotFlaggedLive",
	Spec:     "[MQTT-3.3.1-9]",
	Doc:      "A retained message delivered live, to an existing subscription, comes with retain 0.",
	Tags:     []string{"retained"},
	Versions: both,
	body: func(s *env) {
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("retained/live", 1)
		retainer(s, "retained/live", "now")
		got := sub.Await(1, "retained/live")
		if got[0].Retain {
			s.Errorf("the application got %s flagged retained, want retain 0 on a live delivery [MQTT-3.3.1-9]", got[0])
		}
	},
}

// RetainedAsPublished: with v5's Retain As Published, a live delivery keeps
// the retain flag it was published with.
var RetainedAsPublished = Scenario{
	Name:     "Retained/AsPublished",
	Spec:     "[MQTT-3.3.1-13] (5)",
	Doc:      "v5 Retain As Published: a live delivery of a retained message keeps retain 1.",
	Tags:     []string{"retained"},
	Versions: V5,
	body: func(s *env) {
		sub := s.Client("sub")
		sub.Connect()
		sub.SubscribeWith(Subscription{Filter: "retained/rap", QoS: 1, RetainAsPublished: true})
		retainer(s, "retained/rap", "kept flag")
		got := sub.Await(1, "retained/rap")
		if !got[0].Retain {
			s.Errorf("the application got %s with retain 0, want 1 under Retain As Published [MQTT-3.3.1-13]", got[0])
		}
	},
}

// retainHandling subscribes twice with handling h, and returns how many
// retained messages the application got.
func retainHandling(s *env, h byte) int {
	retainer(s, "retained/rh", "kept")
	sub := s.Client("sub")
	sub.Connect()
	for range 2 {
		sub.SubscribeWith(Subscription{Filter: "retained/rh", QoS: 1, RetainHandling: h})
	}
	sub.Barrier("retained/rh")
	return len(sub.Got("retained/rh"))
}

// RetainHandling0: v5 Retain Handling 0 sends the retained message at every
// subscribe, a repeated one included.
var RetainHandling0 = Scenario{
	Name:     "Retained/Handling0",
	Spec:     "[MQTT-3.3.1-9] (5)",
	Doc:      "v5 Retain Handling 0: the retained message comes at each of two subscribes.",
	Tags:     []string{"retained"},
	Versions: V5,
	body: func(s *env) {
		if n := retainHandling(s, 0); n != 2 {
			s.Errorf("the application got the retained message %d time(s) for two subscribes with Retain Handling 0, want 2", n)
		}
	},
}

// RetainHandling1: v5 Retain Handling 1 sends the retained message only
// when the subscription is new.
var RetainHandling1 = Scenario{
	Name:     "Retained/Handling1",
	Spec:     "[MQTT-3.3.1-10] (5)",
	Doc:      "v5 Retain Handling 1: the retained message comes at the first subscribe, not at a repeated one.",
	Tags:     []string{"retained"},
	Versions: V5,
	body: func(s *env) {
		if n := retainHandling(s, 1); n != 1 {
			s.Errorf("the application got the retained message %d time(s) for two subscribes with Retain Handling 1, want 1", n)
		}
	},
}

// RetainHandling2: v5 Retain Handling 2 never sends retained messages.
var RetainHandling2 = Scenario{
	Name:     "Retained/Handling2",
	Spec:     "[MQTT-3.3.1-11] (5)",
	Doc:      "v5 Retain Handling 2: the retained message never comes.",
	Tags:     []string{"retained"},
	Versions: V5,
	body: func(s *env) {
		if n := retainHandling(s, 2); n != 0 {
			s.Errorf("the application got the retained message %d time(s) with Retain Handling 2, want none", n)
		}
	},
}

// EphemeralNotKept: a message that is not retained and has no subscriber
// is dropped; a later subscriber does not get it.
var EphemeralNotKept = Scenario{
	Name:     "Ephemeral/NotKept",
	Spec:     "[MQTT-3.3.1-12]",
	Doc:      "A non-retained message with no subscriber is dropped: a later subscriber gets nothing.",
	Tags:     []string{"retained"},
	Versions: both,
	body: func(s *env) {
		pub := s.Client("pub")
		pub.Connect()
		pub.PublishWait("ephemeral/reading", "gone", 1, false)
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("ephemeral/reading", 1)
		sub.Barrier("ephemeral/reading")
		if got := sub.Got("ephemeral/reading"); len(got) != 0 {
			s.Errorf("the application got %s, want nothing: the message had no subscriber and was not retained", messages(got))
		}
	},
}
