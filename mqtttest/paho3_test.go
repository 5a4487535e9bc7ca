package mqtttest

import (
	"slices"
	"testing"

	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// TestQoSFlowsRecordedInOrder publishes at QoS 0, 1 and 2 with
// paho.mqtt.golang and checks each flow's packets in the recorder, in order,
// on both the publisher's and the subscriber's connection.
func TestQoSFlowsRecordedInOrder(t *testing.T) {
	b := NewBroker(t)
	rec := b.Recorder()
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "home/+/temp", 2)
	pub := connect3(t, b.URL(), "pub")

	for qos := byte(0); qos <= 2; qos++ {
		pub.publish(t, "home/kitchen/temp", qos, false, "21.5")
		m := receive(t, sub.got)
		if m.topic != "home/kitchen/temp" || m.payload != "21.5" || m.qos != qos {
			t.Fatalf("subscriber got %+v, want home/kitchen/temp \"21.5\" at QoS %d", m, qos)
		}
	}
	wait(t, rec, ClientID("sub"), Dir(ToBroker), Type(TypePubcomp)) // the last packet of the last flow

	in := rec.Find(ClientID("pub"), Topic("home/kitchen/temp"), Dir(ToBroker))
	if len(in) != 3 {
		t.Fatalf("publisher sent %d PUBLISH records, want 3:\n%s", len(in), rec.Transcript())
	}
	for i, r := range in {
		if r.QoS != byte(i) || string(r.Payload) != "21.5" || r.Version != 4 {
			t.Errorf("PUBLISH %d: qos %d payload %q version %d, want qos %d \"21.5\" version 4", i, r.QoS, r.Payload, r.Version, i)
		}
	}
	checkFlow(t, rec, "pub", in[1].PacketID, "to-broker PUBLISH", "to-client PUBACK")
	checkFlow(t, rec, "pub", in[2].PacketID, "to-broker PUBLISH", "to-client PUBREC", "to-broker PUBREL", "to-client PUBCOMP")

	out := rec.Find(ClientID("sub"), Type(TypePublish))
	if len(out) != 3 {
		t.Fatalf("subscriber was sent %d PUBLISH records, want 3:\n%s", len(out), rec.Transcript())
	}
	checkFlow(t, rec, "sub", out[1].PacketID, "to-client PUBLISH", "to-broker PUBACK")
	checkFlow(t, rec, "sub", out[2].PacketID, "to-client PUBLISH", "to-broker PUBREC", "to-client PUBREL", "to-broker PUBCOMP")
}

// checkFlow checks the packets with one packet ID on one client's connection.
func checkFlow(t *testing.T, rec *Recorder, client string, id uint16, want ...string) {
	t.Helper()
	got := flow(rec.Find(ClientID(client), PacketID(id), Where("QoS flow", func(r Record) bool { return r.Type >= TypePublish && r.Type <= TypePubcomp })))
	if !slices.Equal(got, want) {
		t.Errorf("%s id=%d: flow %q, want %q\n%s", client, id, got, want, rec.Transcript())
	}
}

// TestWildcardSubscriptions checks "+" and "#" with a real client, and that
// the recorder holds the SUBSCRIBE filters and SUBACK codes.
func TestWildcardSubscriptions(t *testing.T) {
	b := NewBroker(t)
	plus := connect3(t, b.URL(), "plus")
	plus.subscribe(t, "a/+/c", 1)
	hash := connect3(t, b.URL(), "hash")
	hash.subscribe(t, "a/#", 1)

	pub := connect3(t, b.URL(), "pub")
	pub.publish(t, "a/b/c", 1, false, "1")
	pub.publish(t, "a/b/d", 1, false, "2")

	if m := receive(t, plus.got); m.topic != "a/b/c" {
		t.Errorf("a/+/c got %q first, want a/b/c", m.topic)
	}
	for _, want := range []string{"a/b/c", "a/b/d"} {
		if m := receive(t, hash.got); m.topic != want {
			t.Errorf("a/# got %q, want %q", m.topic, want)
		}
	}
	rec := b.Recorder()
	s := wait(t, rec, ClientID("hash"), Type(TypeSubscribe))
	if len(s.Subscriptions) != 1 || s.Subscriptions[0].Filter != "a/#" || s.Subscriptions[0].QoS != 1 {
		t.Errorf("SUBSCRIBE record has %+v, want one filter a/# at QoS 1", s.Subscriptions)
	}
	ack := wait(t, rec, ClientID("hash"), Type(TypeSuback))
	if !slices.Equal(ack.ReasonCodes, []byte{1}) || ack.PacketID != s.PacketID {
		t.Errorf("SUBACK id=%d codes %x, want id=%d codes 01", ack.PacketID, ack.ReasonCodes, s.PacketID)
	}
	// a/b/d reached only the "#" subscriber; the recorder shows one delivery.
	if n := len(rec.Find(Publish("a/b/d"), Dir(ToClient))); n != 1 {
		t.Errorf("a/b/d delivered %d times, want 1 (to hash only)\n%s", n, rec.Transcript())
	}
}

// TestRetainedDeliveredToLateSubscriber publishes a retained message, reads
// it back with Broker.Retained, and checks a later subscriber gets it with
// the retain flag; an empty retained publish clears it [MQTT-3.3.1-10].
func TestRetainedDeliveredToLateSubscriber(t *testing.T) {
	b := NewBroker(t)
	pub := connect3(t, b.URL(), "pub")
	pub.publish(t, "dev/1/state", 1, true, "on")

	if m, ok := b.Retained("dev/1/state"); !ok || string(m.Payload) != "on" {
		t.Fatalf("Retained = %+v, %v; want \"on\"", m, ok)
	}
	late := connect3(t, b.URL(), "late")
	late.subscribe(t, "dev/+/state", 1)
	// mochi acknowledges a QoS 1 publish before it forwards it, so now and
	// then the late subscriber also gets the original, live (no retain flag),
	// besides the retained copy: look for the retained one among the first two.
	m := receive(t, late.got)
	if !m.retain {
		m = receive(t, late.got)
	}
	if m.payload != "on" || !m.retain {
		t.Errorf("late subscriber got %+v, want \"on\" with retain set", m)
	}
	wait(t, b.Recorder(), ClientID("late"), Publish("dev/#"), Where("retain set", func(r Record) bool { return r.Retain }))

	pub.publish(t, "dev/1/state", 1, true, "")
	if m, ok := b.Retained("dev/1/state"); ok {
		t.Errorf("after an empty retained publish Retained = %+v, want none", m)
	}
}

// TestWillPublishedAfterAbruptDisconnect cuts a client with
// Broker.Disconnect(Abrupt) and checks its will reaches a subscriber, after
// the close record.
func TestWillPublishedAfterAbruptDisconnect(t *testing.T) {
	b := NewBroker(t)
	watcher := connect3(t, b.URL(), "watcher")
	watcher.subscribe(t, "wills/#", 1)
	connect3(t, b.URL(), "dev", func(o *paho3.ClientOptions) {
		o.SetWill("wills/dev", "gone", 1, false)
	})

	if err := b.Disconnect("dev", Abrupt); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, watcher.got); m.topic != "wills/dev" || m.payload != "gone" {
		t.Fatalf("watcher got %+v, want the will wills/dev \"gone\"", m)
	}
	rec := b.Recorder()
	closed := wait(t, rec, ClientID("dev"), Closed())
	if closed.ClosedBy != "test" {
		t.Errorf("close record: %s; want closed by test", closed.Line())
	}
	will := wait(t, rec, ClientID("watcher"), Publish("wills/dev"))
	if will.Seq < closed.Seq {
		t.Errorf("will delivered (#%d) before the connection closed (#%d)", will.Seq, closed.Seq)
	}
	if c := wait(t, rec, ClientID("dev"), Type(TypeConnect)); c.Connect.Will == nil || c.Connect.Will.Topic != "wills/dev" {
		t.Errorf("CONNECT record will = %+v, want topic wills/dev", c.Connect.Will)
	}
}

// TestNoWillAfterCleanDisconnect checks a client that sends DISCONNECT has
// its will discarded [MQTT-3.1.2-10]: a marker published after the
// connection closed arrives first.
func TestNoWillAfterCleanDisconnect(t *testing.T) {
	b := NewBroker(t)
	watcher := connect3(t, b.URL(), "watcher")
	watcher.subscribe(t, "wills/#", 1)
	dev := connect3(t, b.URL(), "dev", func(o *paho3.ClientOptions) { o.SetWill("wills/dev", "gone", 1, false) })
	dev.Disconnect(1000) // with 0, paho.mqtt.golang may close without sending DISCONNECT

	closed := wait(t, b.Recorder(), ClientID("dev"), Closed())
	if closed.ClosedBy != "client" || closed.Reason != "client sent DISCONNECT" {
		t.Errorf("close record %q, want closed by client: client sent DISCONNECT", closed.Line())
	}
	if err := b.Publish("wills/marker", []byte("after"), 1, false); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, watcher.got); m.topic != "wills/marker" {
		t.Errorf("watcher got %+v before the marker: the will was published after a clean DISCONNECT (%s)", m, closed.Line())
	}
}

// TestServerDisconnectV3 closes a v3 client's connection (MQTT 3 has no
// server DISCONNECT) and checks the client notices and the record says why.
func TestServerDisconnectV3(t *testing.T) {
	b := NewBroker(t)
	lost := make(chan error, 1)
	connect3(t, b.URL(), "dev", func(o *paho3.ClientOptions) {
		o.SetConnectionLostHandler(func(_ paho3.Client, err error) { lost <- err })
	})
	if err := b.Disconnect("dev", ServerDisconnect(0x98)); err != nil {
		t.Fatal(err)
	}
	receiveErr(t, lost)
	r := wait(t, b.Recorder(), ClientID("dev"), Closed())
	if r.ClosedBy != "broker" || r.Reason == "" {
		t.Errorf("close record %q, want closed by broker with a reason", r.Line())
	}
	if n := len(b.Recorder().Find(ClientID("dev"), Type(TypeDisconnect))); n != 0 {
		t.Errorf("%d DISCONNECT packets sent to a v3 client, want none", n)
	}
}

func receiveErr(t *testing.T, ch <-chan error) {
	t.Helper()
	select {
	case <-ch:
	case <-ctxFor(t).Done():
		t.Fatal("the client did not see its connection lost")
	}
}

// TestClientsShowsSessions checks Broker.Clients for a connected client
// with a persistent session, and for the same client offline.
func TestClientsShowsSessions(t *testing.T) {
	b := NewBroker(t)
	dev := connect3(t, b.URL(), "dev", func(o *paho3.ClientOptions) { o.SetCleanSession(false) })
	dev.subscribe(t, "cmd/dev/#", 1)

	cs := b.Clients()
	if len(cs) != 1 {
		t.Fatalf("Clients() = %+v, want one client", cs)
	}
	c := cs[0]
	if c.ID != "dev" || c.ProtocolVersion != 4 || c.CleanStart || !c.Connected ||
		len(c.Subscriptions) != 1 || c.Subscriptions[0].Filter != "cmd/dev/#" || c.Subscriptions[0].QoS != 1 {
		t.Errorf("Clients()[0] = %+v, want dev, v4, persistent, connected, subscribed to cmd/dev/# q1", c)
	}

	if err := b.Disconnect("dev", Abrupt); err != nil {
		t.Fatal(err)
	}
	cs = b.Clients()
	if len(cs) != 1 || cs[0].Connected || len(cs[0].Subscriptions) != 1 {
		t.Errorf("after the cut Clients() = %+v, want dev offline with its subscription kept", cs)
	}
	if err := b.Disconnect("dev", Abrupt); err == nil {
		t.Error("Disconnect of an offline client returned nil, want an error")
	}
	err := b.Disconnect("nobody", Abrupt)
	var unknown *UnknownClientError
	if !errorsAs(err, &unknown) || !slices.Equal(unknown.Known, []string{"dev"}) {
		t.Errorf("Disconnect(nobody) = %v, want an UnknownClientError listing dev", err)
	}
}

// TestMQTT31Client checks an MQTT 3.1 client (protocol name MQIsdp,
// version 3) connects and its packets decode as version 3.
func TestMQTT31Client(t *testing.T) {
	b := NewBroker(t)
	c := connect3(t, b.URL(), "old", func(o *paho3.ClientOptions) { o.SetProtocolVersion(3) })
	c.subscribe(t, "legacy/#", 1)
	c.publish(t, "legacy/x", 1, false, "v3.1")
	if m := receive(t, c.got); m.payload != "v3.1" {
		t.Errorf("MQTT 3.1 client got %+v, want \"v3.1\"", m)
	}
	r := wait(t, b.Recorder(), ClientID("old"), Type(TypeConnect))
	if r.Version != 3 || r.Connect.ProtocolName != "MQIsdp" {
		t.Errorf("CONNECT record: version %d, protocol %q; want 3 and MQIsdp", r.Version, r.Connect.ProtocolName)
	}
	if p := wait(t, b.Recorder(), ClientID("old"), Publish("legacy/x"), Dir(ToBroker)); p.Version != 3 || string(p.Payload) != "v3.1" {
		t.Errorf("PUBLISH record %s, version %d; want version 3", p.Line(), p.Version)
	}
}
