package scenarios

import (
	"fmt"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

var flowScenarios = []*Scenario{
	&LimitsReceiveMaximum,
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
