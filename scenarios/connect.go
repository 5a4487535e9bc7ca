package scenarios

import (
	"slices"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

// both is a scenario for MQTT 3.1.1 and 5.
const both = V311 | V5

// brokerSlack is how late mochi may end a session or send a delayed will:
// it keeps those times in whole seconds, and looks once a second.
const brokerSlack = 2 * time.Second

// persistent asks for a session the broker keeps: Clean Start off, and in
// v5 a minute's Session Expiry.
func persistent(c *Config) {
	c.CleanStart = false
	c.SessionExpiry = time.Minute
}

var connectScenarios = []*Scenario{
	&SessionCleanStartDiscardsSession,
	&SessionPresentReported,
	&SessionTakeover,
	&SessionOfflineQueueing,
	&SessionExpiry,
	&SessionUnsubscribe,
}

// SessionCleanStartDiscardsSession: a client that connects with Clean
// Start discards the session it had: the broker says no session is present,
// and the old subscription delivers nothing.
var SessionCleanStartDiscardsSession = Scenario{
	Name:     "Session/CleanStartDiscardsSession",
	Spec:     "[MQTT-3.1.2-6] [MQTT-3.2.2-1]",
	Doc:      "Clean Start discards the session: Session Present 0, and the old subscription is gone.",
	Tags:     []string{"session"},
	Versions: both,
	body: func(s *env) {
		c := s.Client("dev", persistent)
		c.Connect()
		c.Subscribe("session/old", 1)
		c.Disconnect()
		c = c.Restart(func(cfg *Config) { cfg.CleanStart = true })
		if c.Connect() {
			s.Errorf("the client reported Session Present after a clean start; want 0 [MQTT-3.2.2-1]")
		}
		assert.SessionNotPresent(s, s.Broker.Recorder(), "dev")
		s.Publish("session/old", "stale", 1, false)
		assert.NotReceived(s, s.Broker.Recorder(), "dev", "session/old", 0)
	},
}

// SessionPresentReported: a client that resumes a session the broker kept
// is told so, and reports it.
var SessionPresentReported = Scenario{
	Name:     "Session/PresentReported",
	Spec:     "[MQTT-3.2.2-2]",
	Doc:      "Resuming a kept session: CONNACK has Session Present 1, and the client reports it.",
	Tags:     []string{"session"},
	Versions: both,
	body: func(s *env) {
		c := s.Client("dev", persistent)
		if c.Connect() {
			s.Errorf("the client reported Session Present on its first connection")
		}
		c.Subscribe("session/kept", 1)
		c.Disconnect()
		c = c.Restart()
		if !c.Connect() {
			s.Errorf("the client reported no Session Present when resuming a kept session [MQTT-3.2.2-2]")
		}
		assert.SessionPresent(s, s.Broker.Recorder(), "dev")
	},
}

// SessionTakeover: a second connection with the same client ID takes the
// session over; the broker closes the first, in v5 with reason 0x8E.
var SessionTakeover = Scenario{
	Name:     "Session/Takeover",
	Spec:     "[MQTT-3.1.4-2], [MQTT-3.1.4-3] (5)",
	Doc:      "A second client with the same ID takes over: the first connection is closed (v5: DISCONNECT 0x8E), the second works.",
	Tags:     []string{"session"},
	Versions: both,
	body: func(s *env) {
		first := s.Client("dev", persistent)
		first.Connect()
		second := s.Client("dev", persistent)
		second.Connect()
		closed := s.WaitFor(mqtttest.ClientID("dev"), mqtttest.ConnNumber(1), mqtttest.Closed())
		if closed.ClosedBy != record.ClosedByBroker {
			s.Errorf("the first connection was closed by %s, want the broker [MQTT-3.1.4-2]", closed.ClosedBy)
		}
		if s.Version == 5 {
			s.WaitFor(mqtttest.ConnNumber(1), mqtttest.Type(mqtttest.TypeDisconnect), mqtttest.Dir(mqtttest.ToClient),
				mqtttest.Where("reason 0x8E", func(r mqtttest.Record) bool { return r.ReasonCode == 0x8E }))
		}
		first.stopped = true // its connection is gone; Disconnect would fail
		first.Client.Kill()
		second.Subscribe("session/takeover", 1)
		s.Publish("session/takeover", "to the second", 1, false)
		second.Await(1, "session/takeover")
	},
}

// SessionOfflineQueueing: messages published while a persistent session's
// client is offline are delivered when it comes back.
var SessionOfflineQueueing = Scenario{
	Name:     "Session/OfflineQueueing",
	Spec:     "[MQTT-3.1.2-5]",
	Doc:      "QoS 1 messages published while a kept session is offline are delivered when it resumes.",
	Tags:     []string{"session", "qos1"},
	Versions: both,
	body: func(s *env) {
		c := s.Client("dev", persistent)
		c.Connect()
		c.Subscribe("session/queued", 1)
		c.Disconnect()
		s.Publish("session/queued", "while offline 1", 1, false)
		s.Publish("session/queued", "while offline 2", 1, false)
		c = c.Restart()
		c.Connect()
		got := c.Await(2, "session/queued")
		// The order is the broker's to keep [MQTT-4.6.0-6] (mochi does not:
		// see the README); the client's is to hand them over as they came.
		connack := s.Broker.Recorder().Find(mqtttest.ClientID("dev"), ofType(mqtttest.TypeConnack))
		var order []string // the payloads in the order they reached the client, on the connection it resumed with
		for _, r := range s.Broker.Recorder().Find(mqtttest.ClientID("dev"), toClient, mqtttest.Publish("session/queued"), passed, mqtttest.After(connack[len(connack)-1].Seq)) {
			if !slices.Contains(order, string(r.Payload)) {
				order = append(order, string(r.Payload))
			}
		}
		if len(got) != 2 || len(order) != 2 || string(got[0].Payload) != order[0] || string(got[1].Payload) != order[1] {
			s.Errorf("the application got %s, want the two queued messages in the order they came, %q", messages(got), order)
		}
	},
}

// SessionExpiry: a v5 session ends its Session Expiry Interval after the
// connection, with its queued messages.
var SessionExpiry = Scenario{
	Name:     "Session/Expiry",
	Spec:     "[MQTT-3.1.2-23] (5)",
	Doc:      "A v5 session with a 2 s expiry is gone 2 s after the disconnect: its queued message is dropped, and the next CONNECT gets Session Present 0.",
	Tags:     []string{"session", "timing"},
	Versions: V5,
	body: func(s *env) {
		c := s.Client("dev", func(cfg *Config) { cfg.CleanStart, cfg.SessionExpiry = false, 2*time.Second })
		c.Connect()
		c.Subscribe("session/expiring", 1)
		c.Disconnect()
		gone := s.WaitFor(mqtttest.ClientID("dev"), mqtttest.Closed())
		s.Publish("session/expiring", "queued", 1, false)
		drop := s.WaitFor(mqtttest.BrokerDropped(), mqtttest.Topic("session/expiring"))
		if after := drop.Time.Sub(gone.Time); after < 2*time.Second || after > 2*time.Second+brokerSlack {
			s.Errorf("the session's message was dropped %v after the disconnect (%q), want 2s (to 4s: mochi counts whole seconds, once a second)", after, drop.Reason)
		}
		c = c.Restart()
		if c.Connect() {
			s.Errorf("the client reported Session Present after its session expired")
		}
		assert.SessionNotPresent(s, s.Broker.Recorder(), "dev")
	},
}

// SessionUnsubscribe: after UNSUBSCRIBE is acknowledged, nothing more comes
// on that filter; the client's other subscription goes on.
var SessionUnsubscribe = Scenario{
	Name:     "Session/UnsubscribeStopsDelivery",
	Spec:     "[MQTT-3.10.4-2] [MQTT-3.10.4-4]",
	Doc:      "Subscribed to u/a and u/b, the client unsubscribes from u/a: a message on u/a no longer reaches it, one on u/b does.",
	Tags:     []string{"session"},
	Versions: both,
	body: func(s *env) {
		c := s.Client("dev")
		c.Connect()
		c.Subscribe("u/a", 1)
		c.Subscribe("u/b", 1)
		c.Unsubscribe("u/a")
		s.Publish("u/a", "after", 1, false)
		s.Publish("u/b", "kept", 1, false)
		c.Await(1, "u/b")
		c.Barrier("u/b")
		if got := c.Got("u/a"); len(got) != 0 {
			s.Errorf("the application got %s after unsubscribing from u/a [MQTT-3.10.4-2]", messages(got))
		}
	},
}
