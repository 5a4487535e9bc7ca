package scenarios

import (
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

var qosScenarios = []*Scenario{
	&QoS0AtMostOnce,
	&QoS1ResentAfterCut,
	&QoS1RedeliveredAfterCut,
	&QoS2OutCutAfterPUBLISH,
	&QoS2OutCutAfterPUBREC,
	&QoS2OutCutAfterPUBREL,
	&QoS2InCutAfterPUBLISH,
	&QoS2InCutAfterPUBREC,
	&QoS2InCutAfterPUBREL,
}

// Matchers the QoS scenarios share.
var (
	toBroker = mqtttest.Dir(mqtttest.ToBroker)
	toClient = mqtttest.Dir(mqtttest.ToClient)
	passed   = mqtttest.Where("passed", func(r mqtttest.Record) bool { return !r.Withheld })
	// packetsOnly leaves out the records of drops, which carry the packet
	// they dropped.
	packetsOnly = mqtttest.Where("packets", func(r mqtttest.Record) bool { return r.Event == record.EventPacket })
)

func ofType(t mqtttest.PacketType) mqtttest.Matcher { return mqtttest.Type(t) }

// timeLeft is what remains of the scenario's deadline.
func (s *env) timeLeft() time.Duration {
	if dl, ok := s.Ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return DefaultTimeout
}

// reconnect waits until fault f has acted and the broker has finished with
// c's connection, then connects c again with its session.
func reconnect(s *env, c *client, f *mqtttest.Fault) {
	if err := f.Wait(s.timeLeft()); err != nil {
		s.Fatalf("the fault %s never acted: %v", f, err)
	}
	s.waitOffline(c.ID())
	if !c.Connect() {
		assert.SessionPresent(s, s.Broker.Recorder(), c.ID())
	}
}

// onceInApp checks that c's application got exactly one message on topic,
// after a barrier.
func onceInApp(s *env, c *client, topic, spec string) {
	c.Barrier(topic)
	if got := c.Got(topic); len(got) != 1 {
		s.Errorf("%s's application got %d message(s) on %s (%s), want exactly one %s", c.ID(), len(got), topic, messages(got), spec)
	}
}

// noPublishAfterPubrel checks that client id never sent a PUBLISH again
// for a packet identifier it had released with PUBREL.
func noPublishAfterPubrel(s *env, id string) {
	released := map[uint16]bool{}
	for _, r := range s.Broker.Recorder().Find(mqtttest.ClientID(id), toBroker) {
		switch {
		case r.Type == mqtttest.TypePubrel:
			released[r.PacketID] = true
		case r.Type == mqtttest.TypePublish && released[r.PacketID]:
			s.Errorf("%s sent the PUBLISH again after its PUBREL for id %d (%s): the receiver would take it for a new message [MQTT-4.3.3-6] (5)", id, r.PacketID, r.Line())
		}
	}
}

// resendsWithDup checks that client id's PUBLISH records on topic after
// the first have DUP set and the first's packet identifier.
func resendsWithDup(s *env, id, topic string) {
	pubs, err := s.Broker.Recorder().WaitForN(s.Ctx, 2, mqtttest.ClientID(id), toBroker, mqtttest.Publish(topic))
	if err != nil {
		s.Errorf("%s did not send the PUBLISH on %s again after the reconnection [MQTT-4.4.0-1]: %v", id, topic, err)
		return
	}
	for _, r := range pubs[1:] {
		if !r.Dup || r.PacketID != pubs[0].PacketID {
			s.Errorf("%s re-sent %s, want DUP set and the packet identifier %d of the first send [MQTT-3.3.1-1] [MQTT-4.4.0-1]", id, r.Line(), pubs[0].PacketID)
		}
	}
}

// QoS0AtMostOnce: a QoS 0 message lost on the way is not sent again, in
// either direction.
var QoS0AtMostOnce = Scenario{
	Name:     "QoS0/AtMostOnceUnderDrop",
	Spec:     "[MQTT-4.3.1-1]",
	Doc:      "A QoS 0 PUBLISH dropped on the way, either way: nobody sends it again, and the application never gets it.",
	Tags:     []string{"qos0"},
	Versions: both,
	body: func(s *env) {
		sub := s.Client("sub")
		sub.Connect()
		sub.Subscribe("qos0/#", 0)
		s.Inject(mqtttest.Drop(mqtttest.Publish("qos0/in"), toClient).Times(1))
		s.Publish("qos0/in", "lost", 0, false)
		pub := s.Client("pub")
		pub.Connect()
		s.Inject(mqtttest.Drop(mqtttest.Publish("qos0/out"), toBroker).Times(1))
		pub.PublishWait("qos0/out", "lost", 0, false)
		pub.PublishWait("qos0/after", "kept", 0, false)
		sub.Await(1, "qos0/after")
		sub.Barrier("qos0/barrier")
		if got := sub.Got("qos0/in"); len(got) != 0 {
			s.Errorf("the application got %s, which was dropped: QoS 0 is at most once", messages(got))
		}
		if n := len(s.Broker.Recorder().Find(mqtttest.ClientID("pub"), toBroker, mqtttest.Publish("qos0/out"))); n != 1 {
			s.Errorf("pub sent its QoS 0 PUBLISH %d times, want once [MQTT-4.3.1-1]", n)
		}
	},
}

// QoS1ResentAfterCut: a client whose connection is cut before the PUBACK
// of its QoS 1 message sends it again on reconnection, with DUP and the
// same packet identifier.
var QoS1ResentAfterCut = Scenario{
	Name:     "QoS1/ResentAfterCutBeforePUBACK",
	Spec:     "[MQTT-4.4.0-1] [MQTT-3.3.1-1]",
	Doc:      "Client to broker: the connection is cut instead of the PUBACK; on reconnection the client re-sends the PUBLISH with DUP and the same ID, and the publish completes.",
	Tags:     []string{"qos1", "resume"},
	Versions: both,
	body: func(s *env) {
		pub := s.Client("pub", persistent)
		pub.Connect()
		f := s.Inject(mqtttest.CutBefore(mqtttest.ClientID("pub"), ofType(mqtttest.TypePuback), toClient).Times(1))
		done := pub.Publish("qos1/out", "m", 1, false)
		reconnect(s, pub, f)
		pub.Complete(done, "qos1/out")
		resendsWithDup(s, "pub", "qos1/out")
	},
}

// QoS1RedeliveredAfterCut: a client whose PUBACK never reached the broker
// gets the message again on reconnection, and its application has it.
var QoS1RedeliveredAfterCut = Scenario{
	Name:     "QoS1/RedeliveredAfterCutBeforePUBACK",
	Spec:     "[MQTT-4.4.0-1] [MQTT-3.3.1-1]",
	Doc:      "Broker to client: the connection is cut instead of the client's PUBACK; the broker re-sends with DUP, the client acknowledges it, and the application has the message (at least once).",
	Tags:     []string{"qos1", "resume"},
	Versions: both,
	body: func(s *env) {
		sub := s.Client("sub", persistent)
		sub.Connect()
		sub.Subscribe("qos1/in", 1)
		f := s.Inject(mqtttest.CutBefore(mqtttest.ClientID("sub"), ofType(mqtttest.TypePuback), toBroker).Times(1))
		s.Publish("qos1/in", "m", 1, false)
		reconnect(s, sub, f)
		assert.Redelivered(s, s.Broker.Recorder(), "sub", "qos1/in", assert.Payload("m"), s.timeLeft())
		s.WaitFor(mqtttest.ClientID("sub"), ofType(mqtttest.TypePuback), toBroker, passed)
		sub.Barrier("qos1/in")
		got := sub.Got("qos1/in")
		if len(got) == 0 {
			s.Errorf("the application never got the QoS 1 message")
		}
		if s.adapter.Can.Has(Dup) && len(got) == 2 && !got[1].Dup {
			s.Errorf("the application got the re-sent message without DUP: %s", got[1])
		}
	},
}

// qos2Out runs a QoS 2 message from a client under test through a cut
// after the packet that matches ms, and checks it reached the subscriber's
// application once, and that the publisher kept to the protocol.
func qos2Out(s *env, ms ...mqtttest.Matcher) {
	sub := s.Client("sub")
	sub.Connect()
	sub.Subscribe("qos2/out", 2)
	pub := s.Client("pub", persistent)
	pub.Connect()
	f := s.Inject(mqtttest.CutAfter(append(ms, mqtttest.ClientID("pub"))...).Times(1))
	done := pub.Publish("qos2/out", "once", 2, false)
	reconnect(s, pub, f)
	pub.Complete(done, "qos2/out")
	if len(s.Broker.Recorder().Find(mqtttest.ClientID("pub"), ofType(mqtttest.TypePubcomp), toClient, passed)) == 0 {
		s.Errorf("the library reported the QoS 2 publish complete before the broker's PUBCOMP reached it")
	}
	s.WaitFor(mqtttest.ClientID("pub"), ofType(mqtttest.TypePubcomp), toClient, passed)
	onceInApp(s, sub, "qos2/out", "[MQTT-4.3.3-10] (5)")
	noPublishAfterPubrel(s, "pub")
}

// QoS2OutCutAfterPUBLISH: the connection is cut after the client's QoS 2
// PUBLISH reached the broker.
var QoS2OutCutAfterPUBLISH = Scenario{
	Name:     "QoS2/OutCutAfterPUBLISH",
	Spec:     "[MQTT-4.3.3-10] (5) [MQTT-4.4.0-1]",
	Doc:      "Client to broker, cut after the PUBLISH: the client re-sends it with DUP, the subscriber's application gets it once, the publish completes.",
	Tags:     []string{"qos2", "resume"},
	Versions: both,
	Needs:    QoS2,
	body: func(s *env) {
		qos2Out(s, ofType(mqtttest.TypePublish), toBroker)
		resendsWithDup(s, "pub", "qos2/out")
	},
}

// QoS2OutCutAfterPUBREC: the connection is cut after the broker's PUBREC.
var QoS2OutCutAfterPUBREC = Scenario{
	Name:     "QoS2/OutCutAfterPUBREC",
	Spec:     "[MQTT-4.3.3-10] (5) [MQTT-4.4.0-1]",
	Doc:      "Client to broker, cut after the PUBREC: the client goes on with PUBREL (a PUBLISH again only if it never got the PUBREC), the subscriber gets it once.",
	Tags:     []string{"qos2", "resume"},
	Versions: both,
	Needs:    QoS2,
	body:     func(s *env) { qos2Out(s, ofType(mqtttest.TypePubrec), toClient) },
}

// QoS2OutCutAfterPUBREL: the connection is cut after the client's PUBREL.
var QoS2OutCutAfterPUBREL = Scenario{
	Name:     "QoS2/OutCutAfterPUBREL",
	Spec:     "[MQTT-4.3.3-6] (5) [MQTT-4.4.0-1]",
	Doc:      "Client to broker, cut after the PUBREL: the client re-sends the PUBREL, never the PUBLISH, and the subscriber gets the message once.",
	Tags:     []string{"qos2", "resume"},
	Versions: both,
	Needs:    QoS2,
	body:     func(s *env) { qos2Out(s, ofType(mqtttest.TypePubrel), toBroker) },
}

// qos2In runs a QoS 2 message from the broker to a client under test
// through a cut after the packet that matches ms, and checks the
// application got it once.
func qos2In(s *env, ms ...mqtttest.Matcher) {
	sub := s.Client("sub", persistent)
	sub.Connect()
	sub.Subscribe("qos2/in", 2)
	f := s.Inject(mqtttest.CutAfter(append(ms, mqtttest.ClientID("sub"))...).Times(1))
	s.Publish("qos2/in", "once", 2, false)
	reconnect(s, sub, f)
	s.WaitFor(mqtttest.ClientID("sub"), ofType(mqtttest.TypePubcomp), toBroker, passed)
	onceInApp(s, sub, "qos2/in", "[MQTT-4.3.3-10] (5)")
}

// QoS2InCutAfterPUBLISH: the connection is cut after the broker's QoS 2
// PUBLISH to the client.
var QoS2InCutAfterPUBLISH = Scenario{
	Name:     "QoS2/InCutAfterPUBLISH",
	Spec:     "[MQTT-4.3.3-10] (5) [MQTT-4.4.0-1]",
	Doc:      "Broker to client, cut after the PUBLISH: the broker re-sends it with DUP, and the application gets the message once, not once per copy.",
	Tags:     []string{"qos2", "resume"},
	Versions: both,
	Needs:    QoS2,
	body:     func(s *env) { qos2In(s, ofType(mqtttest.TypePublish), toClient) },
}

// QoS2InCutAfterPUBREC: the connection is cut after the client's PUBREC.
var QoS2InCutAfterPUBREC = Scenario{
	Name:     "QoS2/InCutAfterPUBREC",
	Spec:     "[MQTT-4.3.3-10] (5) [MQTT-4.4.0-1]",
	Doc:      "Broker to client, cut after the client's PUBREC: the flow finishes with PUBREL and PUBCOMP on the next connection, and the application has the message once.",
	Tags:     []string{"qos2", "resume"},
	Versions: both,
	Needs:    QoS2,
	body:     func(s *env) { qos2In(s, ofType(mqtttest.TypePubrec), toBroker) },
}

// QoS2InCutAfterPUBREL: the connection is cut after the broker's PUBREL.
var QoS2InCutAfterPUBREL = Scenario{
	Name:     "QoS2/InCutAfterPUBREL",
	Spec:     "[MQTT-4.3.3-10] (5) [MQTT-4.4.0-1]",
	Doc:      "Broker to client, cut after the PUBREL: the broker re-sends the PUBREL, the client completes it, and the application has the message once.",
	Tags:     []string{"qos2", "resume"},
	Versions: both,
	Needs:    QoS2,
	body:     func(s *env) { qos2In(s, ofType(mqtttest.TypePubrel), toClient) },
}
