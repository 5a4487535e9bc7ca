package scenarios

import (
	"github.com/mqtt-testkit/testkit/mqtttest"
)

var manualAckScenarios = []*Scenario{
	&ManualAckAcrossReconnect,
}

// ManualAckAcrossReconnect: an application that acknowledges by hand, and
// acknowledges a message it got before a reconnection, acknowledges that
// message, never one it has not acknowledged yet.
var ManualAckAcrossReconnect = Scenario{
	Name:     "ManualAck/AcrossReconnect",
	Spec:     "[MQTT-2.3.1-6] [MQTT-4.4.0-1]",
	Doc:      "Manual acks: the application holds the ack of a QoS 1 message across a cut and a reconnection, gets a second message, then acknowledges the first: no PUBACK goes out for the second until it is acknowledged.",
	Tags:     []string{"qos1", "resume", "reconnect"},
	Versions: both,
	Needs:    ManualAck,
	body: func(s *env) {
		sub := s.Client("sub", persistent, func(c *Config) { c.ManualAck = true })
		sub.Connect()
		sub.Subscribe("ack/#", 1)
		s.Publish("ack/first", "1", 1, false)
		first := sub.Await(1, "ack/first")[0]
		if err := s.Broker.Disconnect("sub", mqtttest.Abrupt); err != nil {
			s.Fatalf("cutting the connection: %v", err)
		}
		s.waitOffline("sub")
		sub.Connect()
		s.Publish("ack/second", "2", 1, false)
		second := sub.Await(1, "ack/second")[0]
		pub2 := s.WaitFor(mqtttest.ClientID("sub"), toClient, mqtttest.Publish("ack/second"))
		if first.Ack == nil || second.Ack == nil {
			s.Fatalf("the adapter gave no Ack for a message received with ManualAck")
		}
		if err := first.Ack(); err != nil {
			s.Logf("the library refused to acknowledge a message of the connection before: %v", err)
		}
		// Every copy of the first message the application has now goes
		// through the same door; then the second must still be open.
		for _, m := range sub.Got("ack/first")[1:] {
			if err := m.Ack(); err != nil {
				s.Errorf("acknowledging the first message's copy on the new connection: %v", err)
			}
		}
		s.WaitFor(mqtttest.ClientID("sub"), ofType(mqtttest.TypePuback), toBroker, mqtttest.After(pub2.Seq-1), passed,
			mqtttest.Where("not the second's", func(r mqtttest.Record) bool { return r.PacketID != pub2.PacketID }))
		s.Settle()
		for _, r := range s.Broker.Recorder().Find(mqtttest.ClientID("sub"), ofType(mqtttest.TypePuback), toBroker, mqtttest.PacketID(pub2.PacketID), mqtttest.After(pub2.Seq)) {
			s.Errorf("the client acknowledged the second message (%s) before the application did: the ack of the first went to it", r.Line())
		}
		if err := second.Ack(); err != nil {
			s.Errorf("acknowledging the second message: %v", err)
		}
		s.WaitFor(mqtttest.ClientID("sub"), ofType(mqtttest.TypePuback), toBroker, mqtttest.PacketID(pub2.PacketID), mqtttest.After(pub2.Seq))
	},
}
