package scenarios

import (
	"strings"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

var resumeScenarios = []*Scenario{
	&ResumeAfterRestartKeepingSessions,
	&ResumeLostAfterRestartLosingSessions,
	&ResumeClientRestartWithStore,
	&ResumeResubscribe,
}

// unacked has the broker send a QoS 1 message to c, subscribed to topic,
// and drops c's PUBACK of it, so the message stays in flight.
func unacked(s *env, c *client, topic string) {
	c.Subscribe(topic, 1)
	f := s.Inject(mqtttest.Drop(mqtttest.ClientID(c.ID()), ofType(mqtttest.TypePuback), toBroker).Times(1))
	s.Publish(topic, "in flight", 1, false)
	if err := f.Wait(s.timeLeft()); err != nil {
		s.Fatalf("the client never acknowledged the message: %v", err)
	}
}

// ResumeAfterRestartKeepingSessions: a message in flight when the broker
// restarts, keeping its sessions, is sent again when the client is back.
var ResumeAfterRestartKeepingSessions = Scenario{
	Name:     "Resume/AfterBrokerRestartKeepingSessions",
	Spec:     "[MQTT-4.4.0-1] [MQTT-3.2.2-2]",
	Doc:      "A QoS 1 message unacknowledged when the broker restarts (sessions kept) is re-sent with DUP when the client reconnects, and the application has it.",
	Tags:     []string{"resume", "qos1", "restart"},
	Versions: both,
	body: func(s *env) {
		sub := s.Client("sub", persistent)
		sub.Connect()
		unacked(s, sub, "resume/kept")
		if err := s.Broker.Restart(true); err != nil {
			s.Fatalf("restart: %v", err)
		}
		s.waitOffline("sub")
		sub.Connect()
		assert.SessionPresent(s, s.Broker.Recorder(), "sub")
		assert.Redelivered(s, s.Broker.Recorder(), "sub", "resume/kept", assert.Payload("in flight"), s.timeLeft())
		sub.Await(1, "resume/kept")
	},
}

// ResumeLostAfterRestartLosingSessions: a broker that restarts and loses
// its sessions says so on reconnection (Session Present 0), the client
// reports it, and the loss is on the record.
var ResumeLostAfterRestartLosingSessions = Scenario{
	Name:     "Resume/LostAfterBrokerRestartLosingSessions",
	Spec:     "[MQTT-3.2.2-1] [MQTT-3.2.2-3]",
	Doc:      "A broker restart that loses sessions: the client's reconnection gets Session Present 0 and reports it, so the application can tell its message in flight is gone.",
	Tags:     []string{"resume", "restart"},
	Versions: both,
	body: func(s *env) {
		sub := s.Client("sub", persistent)
		sub.Connect()
		unacked(s, sub, "resume/lost")
		if err := s.Broker.Restart(false); err != nil {
			s.Fatalf("restart: %v", err)
		}
		s.waitOffline("sub")
		if sub.Connect() {
			s.Errorf("the client reported Session Present after the broker lost its session")
		}
		assert.SessionNotPresent(s, s.Broker.Recorder(), "sub")
		drops := s.Broker.Recorder().Find(mqtttest.BrokerDropped(), mqtttest.Topic("resume/lost"))
		if len(drops) == 0 || !strings.Contains(drops[0].Reason, "restart") {
			s.Errorf("the lost message has no drop record saying the restart lost it: %v", drops)
		}
	},
}

// ResumeResubscribe: a client that reconnects by itself, and learns from
// Session Present 0 that the broker lost its session, subscribes again, so
// that messages reach it as before (the MQTT.js #749/#895 class of bug: a
// client that does not, and silently receives nothing more).
var ResumeResubscribe = Scenario{
	Name:     "Resume/ResubscribeAfterSessionLost",
	Spec:     "[MQTT-3.2.2-3]",
	Doc:      "The broker restarts and loses the sessions: the client reconnects by itself, sees Session Present 0, subscribes again, and gets the next message.",
	Tags:     []string{"resume", "restart", "reconnect"},
	Versions: both,
	Needs:    AutoReconnect | Resubscribe,
	body: func(s *env) {
		dev := s.Client("dev", persistent, func(c *Config) { c.AutoReconnect = true })
		dev.Connect()
		dev.Subscribe("resume/resubscribed", 1)
		if err := s.Broker.Restart(false); err != nil {
			s.Fatalf("restart: %v", err)
		}
		restarted := s.WaitFor(mqtttest.Restarted())
		connack := s.WaitFor(mqtttest.ClientID("dev"), ofType(mqtttest.TypeConnack), mqtttest.After(restarted.Seq), passed)
		s.WaitFor(mqtttest.ClientID("dev"), ofType(mqtttest.TypeSubscribe), mqtttest.After(connack.Seq), mqtttest.Topic("resume/resubscribed"))
		s.WaitFor(mqtttest.ClientID("dev"), ofType(mqtttest.TypeSuback), mqtttest.After(connack.Seq), passed)
		s.Publish("resume/resubscribed", "after the restart", 1, false)
		dev.Await(1, "resume/resubscribed")
	},
}

// ResumeClientRestartWithStore: a client process that dies with a QoS 1
// message the broker never got, and starts again on the same persistent
// store, sends it again; the subscriber gets it. (On a store in memory the
// message dies with the process: paho.mqtt.python documents that loss.)
var ResumeClientRestartWithStore = Scenario{
	Name:     "Resume/ClientRestartWithStore",
	Spec:     "[MQTT-4.4.0-1]",
	Doc:      "A client killed while its QoS 1 PUBLISH was lost on the way, started again on the same store, re-sends it with DUP and the same ID, and the subscriber gets it.",
	Tags:     []string{"resume", "qos1", "restart"},
	Versions: both,
	Needs:    PersistentStore,
	body: func(s *env) {
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("resume/stored", 1)
		pub := s.Client("pub", persistent)
		pub.Connect()
		f := s.Inject(mqtttest.Drop(mqtttest.ClientID("pub"), mqtttest.Publish("resume/stored"), toBroker).Times(1))
		pub.Publish("resume/stored", "persisted", 1, false)
		if err := f.Wait(s.timeLeft()); err != nil {
			s.Fatalf("the client never sent the message: %v", err)
		}
		pub = pub.Restart()
		pub.Connect()
		resendsWithDup(s, "pub", "resume/stored")
		sub.Await(1, "resume/stored")
	},
}
