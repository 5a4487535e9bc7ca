package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

var flowScenarios = []*Scenario{
	&LimitsReceiveMaximum,
	&LimitsMaximumPacketSize,
	&LimitsNoTopicAlias,
}

// LimitsReceiveMaximum: a v5 client keeps no more QoS 1 messages
// unacknowledged than the broker's Receive Maximum.
var LimitsReceiveMaximum = Scenario{
	Name:     "Limits/ReceiveMaximum",
	Spec:     "[MQTT-3.3.4-7] (5)",
	Doc:      "The broker announces Receive Maximum 2 and acknowledges slowly: the client never has more than 2 QoS 1 PUBLISHes unacknowledged, and all 6 complete.",
	Tags:     []string{"limits", "qos1"},
	Versions: V5,
	broker:   []mqtttest.Option{mqtttest.WithReceiveMaximum(2)},
	body: func(s *env) {
		pub := s.Client("pub")
		pub.Connect()
		s.Inject(mqtttest.Delay(200*time.Millisecond, mqtttest.ClientID("pub"), ofType(mqtttest.TypePuback), toClient))
		var done []<-chan error
		for i := range 6 {
			done = append(done, pub.Publish("limits/rm", fmt.Sprint(i), 1, false))
		}
		for _, d := range done {
			pub.Complete(d, "limits/rm")
		}
		inflight, top := 0, 0
		for _, r := range s.Broker.Recorder().Find(mqtttest.ClientID("pub"), packetsOnly) {
			switch {
			case r.Type == mqtttest.TypePublish && r.Dir == mqtttest.ToBroker:
				inflight++
			case r.Type == mqtttest.TypePuback && r.Dir == mqtttest.ToClient && !r.Withheld:
				inflight--
			}
			top = max(top, inflight)
		}
		if top > 2 {
			s.Errorf("the client had %d QoS 1 messages unacknowledged at once, over the Receive Maximum of 2 [MQTT-3.3.4-7]", top)
		}
	},
}

// LimitsMaximumPacketSize: a v5 client does not send a packet larger than
// the broker's Maximum Packet Size.
var LimitsMaximumPacketSize = Scenario{
	Name:     "Limits/MaximumPacketSize",
	Spec:     "[MQTT-3.2.2-15] (5)",
	Doc:      "The broker announces Maximum Packet Size 256: the client refuses a 1000-byte message instead of sending it, and stays connected.",
	Tags:     []string{"limits"},
	Versions: V5,
	broker:   []mqtttest.Option{mqtttest.WithMaxPacketSize(256)},
	body: func(s *env) {
		pub := s.Client("pub")
		pub.Connect()
		ctx, cancel := context.WithCancel(s.Ctx)
		defer cancel()
		closed := make(chan error, 1) // the broker closing the connection for the packet
		go func() {
			_, err := s.Broker.Recorder().WaitFor(ctx, mqtttest.ClientID("pub"), mqtttest.Closed())
			closed <- err
		}()
		var err error
		select {
		case err = <-pub.Publish("limits/big", strings.Repeat("x", 1000), 1, false):
		case cerr := <-closed:
			if cerr == nil {
				err = errors.New("not refused")
				pub.stopped = true // its connection is gone
				pub.Client.Kill()
			}
		case <-s.Ctx.Done():
			s.Fatalf("the oversized publish neither failed nor completed")
		}
		s.Settle()
		for _, r := range s.Broker.Recorder().Find(mqtttest.ClientID("pub"), toBroker, packetsOnly) {
			if len(r.Raw) > 256 {
				s.Errorf("the client sent a %d-byte packet, over the broker's Maximum Packet Size of 256 [MQTT-3.2.2-15]: %s", len(r.Raw), r.Line())
			}
		}
		if err == nil {
			s.Errorf("the library reported the oversized publish complete; want an error")
		}
		if rs := s.Broker.Recorder().Find(mqtttest.ClientID("pub"), mqtttest.Closed()); len(rs) > 0 {
			s.Errorf("the connection closed: %s", rs[0].Line())
		}
	},
}

// LimitsNoTopicAlias: a v5 client whose broker announces no Topic Alias
// Maximum sends no Topic Alias.
var LimitsNoTopicAlias = Scenario{
	Name:     "Limits/NoTopicAliasUnlessAllowed",
	Spec:     "[MQTT-3.2.2-17] (5)",
	Doc:      "The broker's CONNACK announces no Topic Alias Maximum: the client's PUBLISHes on a long topic, ten times, carry no Topic Alias.",
	Tags:     []string{"limits"},
	Versions: V5,
	body: func(s *env) {
		pub := s.Client("pub")
		pub.Connect()
		topic := "limits/" + strings.Repeat("long-topic-name/", 8) + "x"
		for i := range 10 {
			pub.PublishWait(topic, fmt.Sprint(i), 1, false)
		}
		for _, r := range s.Broker.Recorder().Find(mqtttest.ClientID("pub"), toBroker, packetsOnly, ofType(mqtttest.TypePublish)) {
			if r.Properties.TopicAlias != 0 {
				s.Errorf("the client sent Topic Alias %d, which the broker did not allow [MQTT-3.2.2-17]: %s", r.Properties.TopicAlias, r.Line())
			}
		}
	},
}
