package scenarios

import (
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

var willScenarios = []*Scenario{
	&WillAfterCut,
	&WillAfterKeepalive,
	&WillNotAfterDisconnect,
	&WillRetained,
	&WillDelay,
	&WillDelayReconnect,
}

// withWill gives a client a QoS 1 will on "will/<id>".
func withWill(retain bool, delay time.Duration) func(*Config) {
	return func(c *Config) {
		c.Will = &Will{Topic: "will/" + c.ClientID, Payload: []byte("gone"), QoS: 1, Retain: retain, Delay: delay}
	}
}

// watcher connects a client under test that subscribes to every will.
func watcher(s *env) *client {
	w := s.Client("watcher")
	w.Connect()
	w.Subscribe("will/#", 1)
	return w
}

// WillAfterCut: a client whose connection is lost without DISCONNECT has
// its will published.
var WillAfterCut = Scenario{
	Name:     "Will/AfterCut",
	Spec:     "[MQTT-3.1.2-8]",
	Doc:      "A client killed without DISCONNECT: its will reaches a subscriber.",
	Tags:     []string{"will"},
	Versions: both,
	body: func(s *env) {
		w := watcher(s)
		dev := s.Client("dev", withWill(false, 0))
		dev.Connect()
		dev.Kill()
		got := w.Await(1, "will/dev")
		if string(got[0].Payload) != "gone" {
			s.Errorf("the watcher got %s, want the will \"gone\"", got[0])
		}
	},
}

// WillAfterKeepalive: a client that goes silent (its connection frozen,
// the socket open) is dropped after 1.5 times its keepalive, and its will
// published.
var WillAfterKeepalive = Scenario{
	Name:     "Will/AfterKeepalive",
	Spec:     "[MQTT-3.1.2-24] [MQTT-3.1.2-8]",
	Doc:      "A client with keepalive 2 s frozen at its first PINGREQ: the broker closes the connection 3 s after the last packet, and its will goes out.",
	Tags:     []string{"will", "timing"},
	Versions: both,
	body: func(s *env) {
		w := watcher(s)
		s.Inject(mqtttest.Freeze(mqtttest.ClientID("dev"), mqtttest.Type(mqtttest.TypePingreq)))
		dev := s.Client("dev", withWill(false, 0), func(c *Config) { c.KeepAlive = 2 * time.Second })
		dev.Connect()
		w.Await(1, "will/dev")
		closed := s.WaitFor(mqtttest.ClientID("dev"), mqtttest.Closed())
		if closed.ClosedBy != record.ClosedByBroker {
			s.Logf("the client closed its connection itself (%s) before the broker's keepalive timer", closed.Reason)
			return
		}
		var last mqtttest.Record // the last packet from dev that reached the broker
		for _, r := range s.Broker.Recorder().Find(mqtttest.ClientID("dev"), mqtttest.Dir(mqtttest.ToBroker)) {
			if !r.Withheld {
				last = r
			}
		}
		if after := closed.Time.Sub(last.Time); after < 3*time.Second || s.Virtual && after != 3*time.Second {
			s.Errorf("the broker closed the connection %v after the last packet that reached it (%s), want 1.5 × the 2 s keepalive [MQTT-3.1.2-24]", after, last.Line())
		}
	},
}

// WillNotAfterDisconnect: a clean DISCONNECT discards the will.
var WillNotAfterDisconnect = Scenario{
	Name:     "Will/NotAfterDisconnect",
	Spec:     "[MQTT-3.1.2-10]",
	Doc:      "A client that disconnects cleanly: its will is not published.",
	Tags:     []string{"will"},
	Versions: both,
	body: func(s *env) {
		w := watcher(s)
		dev := s.Client("dev", withWill(false, 0))
		dev.Connect()
		dev.Disconnect()
		s.waitOffline("dev")
		w.Barrier("will/barrier")
		if got := w.Got("will/dev"); len(got) != 0 {
			s.Errorf("the watcher got %s after a clean disconnect, want no will [MQTT-3.1.2-10]", messages(got))
		}
	},
}

// WillRetained: a will with the retain flag becomes the topic's retained
// message.
var WillRetained = Scenario{
	Name:     "Will/Retained",
	Spec:     "[MQTT-3.1.2-17]",
	Doc:      "A retained will: a subscriber that comes after it gets it, flagged retained.",
	Tags:     []string{"will", "retained"},
	Versions: both,
	body: func(s *env) {
		dev := s.Client("dev", withWill(true, 0))
		dev.Connect()
		dev.Kill()
		w := watcher(s)
		got := w.Await(1, "will/dev")
		if !got[0].Retain {
			s.Errorf("the late subscriber got the will as %s, want it flagged retained [MQTT-3.1.2-17]", got[0])
		}
	},
}

// WillDelay: a v5 will with a Will Delay Interval is published that long
// after the connection is lost.
var WillDelay = Scenario{
	Name:     "Will/Delay",
	Spec:     "[MQTT-3.1.3-9] (5)",
	Doc:      "v5 Will Delay 2 s: the will goes out 2 s after the connection is lost, not before.",
	Tags:     []string{"will", "timing"},
	Versions: V5,
	body: func(s *env) {
		w := watcher(s)
		dev := s.Client("dev", withWill(false, 2*time.Second), persistent)
		dev.Connect()
		dev.Client.Kill()
		dev.stopped = true
		closed := s.WaitFor(mqtttest.ClientID("dev"), mqtttest.Closed())
		w.Await(1, "will/dev")
		will := s.WaitFor(mqtttest.Publish("will/dev"), mqtttest.ClientID("watcher"), mqtttest.Dir(mqtttest.ToClient))
		if after := will.Time.Sub(closed.Time); after < 2*time.Second || after > 2*time.Second+brokerSlack {
			s.Errorf("the will went out %v after the connection was lost, want 2s (to 4s: mochi counts whole seconds, once a second) [MQTT-3.1.3-9]", after)
		}
	},
}

// WillDelayReconnect: a client that comes back within its will delay
// cancels the will.
var WillDelayReconnect = Scenario{
	Name:     "Will/DelayCancelledByReconnect",
	Spec:     "[MQTT-3.1.3-9] (5)",
	Doc:      "v5 Will Delay 2 s: a client back within 1 s resumes its session, and no will goes out, 5 s on.",
	Tags:     []string{"will", "timing"},
	Versions: V5,
	virtual:  true,
	body: func(s *env) {
		w := watcher(s)
		dev := s.Client("dev", withWill(false, 2*time.Second), persistent)
		dev.Connect()
		dev.Kill()
		time.Sleep(time.Second) // virtual time: MQTT's time passes, no wall time
		dev = dev.Restart()
		dev.Connect()
		time.Sleep(5 * time.Second)
		w.Barrier("will/barrier")
		if got := w.Got("will/dev"); len(got) != 0 {
			s.Errorf("the watcher got %s, want no will: the client came back within the will delay [MQTT-3.1.3-9]", messages(got))
		}
	},
}
