package scenarios

import (
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

var timingScenarios = []*Scenario{
	&TimingKeepaliveUnderLatency,
	&ReconnectAfterPartition,
	&ReconnectNoFlood,
}

// TimingKeepaliveUnderLatency: 100 ms of latency each way does not cost a
// client with a 1 s keepalive its connection.
var TimingKeepaliveUnderLatency = Scenario{
	Name:     "Timing/KeepaliveUnderLatency",
	Spec:     "[MQTT-3.1.2-23] [MQTT-3.1.2-24]",
	Doc:      "Keepalive 1 s with 100 ms added each way: three PINGREQ/PINGRESP round trips, and the connection stays up.",
	Tags:     []string{"timing"},
	Versions: both,
	body: func(s *env) {
		s.Inject(mqtttest.Delay(100*time.Millisecond, mqtttest.ClientID("dev")))
		dev := s.Client("dev", func(c *Config) { c.KeepAlive = time.Second })
		dev.Connect()
		if _, err := s.Broker.Recorder().WaitForN(s.Ctx, 3, mqtttest.ClientID("dev"), ofType(mqtttest.TypePingresp), toClient); err != nil {
			s.Fatalf("waiting for three PINGRESPs: %v", err)
		}
		if closed := s.Broker.Recorder().Find(mqtttest.ClientID("dev"), mqtttest.Closed()); len(closed) > 0 {
			s.Errorf("the connection closed under 100 ms of latency: %s", closed[0].Line())
		}
	},
}

// ReconnectAfterPartition: a client cut off by a partition reconnects by
// itself once it heals, and gets messages again.
var ReconnectAfterPartition = Scenario{
	Name:     "Reconnect/AfterPartition",
	Spec:     "[MQTT-3.1.2-24] [MQTT-4.4.0-1]",
	Doc:      "A partition: the client (keepalive 1 s) loses its connection, keeps trying while it lasts, reconnects when it heals, and gets a message sent after.",
	Tags:     []string{"reconnect", "timing"},
	Versions: both,
	Needs:    AutoReconnect,
	body: func(s *env) {
		dev := s.Client("dev", persistent, func(c *Config) { c.KeepAlive, c.AutoReconnect = time.Second, true })
		dev.Connect()
		dev.Subscribe("reconnect/after", 1)
		s.Broker.Partition()
		lost := s.WaitFor(mqtttest.ClientID("dev"), mqtttest.Closed())
		s.Broker.Heal()
		// Attempts during the partition were closed as they came, with no
		// CONNACK: the first CONNACK to pass after the loss is the reconnection.
		s.WaitFor(mqtttest.ClientID("dev"), ofType(mqtttest.TypeConnack), mqtttest.After(lost.Seq), passed)
		dev.Connect()
		s.Publish("reconnect/after", "back", 1, false)
		dev.Await(1, "reconnect/after")
	},
}

// ReconnectNoFlood: during a 2 s outage a client retries with a delay, not
// in a loop.
var ReconnectNoFlood = Scenario{
	Name:     "Reconnect/NoFloodDuringOutage",
	Spec:     "(no statement: client behaviour)",
	Doc:      "A 2 s outage in which every new connection is closed at once: the client tries at most 10 times.",
	Tags:     []string{"reconnect", "timing"},
	Versions: both,
	Needs:    AutoReconnect,
	virtual:  true,
	body: func(s *env) {
		dev := s.Client("dev", persistent, func(c *Config) { c.AutoReconnect = true })
		dev.Connect()
		s.Broker.Partition()
		if err := s.Broker.Disconnect("dev", mqtttest.Abrupt); err != nil {
			s.Fatalf("cutting the client: %v", err)
		}
		time.Sleep(2 * time.Second) // virtual time: the outage lasts 2 s of the bubble's clock
		s.Broker.Heal()
		attempts := len(s.Broker.Recorder().Find(mqtttest.Opened())) - 1
		if attempts > 10 {
			s.Errorf("the client opened %d connections during a 2 s outage, want at most 10", attempts)
		}
		dev.Connect()
	},
}
