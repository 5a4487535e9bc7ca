package mqtttest

import (
	"testing"

	paho5 "github.com/eclipse/paho.golang/paho"
)

// TestV5UserPropertiesRecorded publishes with eclipse/paho.golang (MQTT 5)
// and checks user properties, session expiry and the QoS 2 flow in records.
func TestV5UserPropertiesRecorded(t *testing.T) {
	b := NewBroker(t)
	expiry := uint32(300)
	sub := connect5(t, b.Addr(), &paho5.Connect{ClientID: "sub5", KeepAlive: 30, CleanStart: true})
	if _, err := sub.Subscribe(ctxFor(t), &paho5.Subscribe{Subscriptions: []paho5.SubscribeOptions{{Topic: "v5/#", QoS: 2}}}); err != nil {
		t.Fatal(err)
	}
	pub := connect5(t, b.Addr(), &paho5.Connect{ClientID: "pub5", KeepAlive: 30, CleanStart: true,
		Properties: &paho5.ConnectProperties{SessionExpiryInterval: &expiry}})
	_, err := pub.Publish(ctxFor(t), &paho5.Publish{
		Topic: "v5/x", QoS: 2, Payload: []byte("hello"),
		Properties: &paho5.PublishProperties{User: paho5.UserProperties{{Key: "trace", Value: "abc"}}, ContentType: "text/plain"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := receive(t, sub.got); m.payload != "hello" || m.user["trace"] != "abc" {
		t.Errorf("subscriber got %+v, want \"hello\" with user property trace=abc", m)
	}

	rec := b.Recorder()
	c := wait(t, rec, ClientID("pub5"), Type(TypeConnect))
	if c.Version != 5 || c.Connect.SessionExpiry != 300 {
		t.Errorf("CONNECT record: version %d, session expiry %d; want 5 and 300", c.Version, c.Connect.SessionExpiry)
	}
	in := wait(t, rec, ClientID("pub5"), Publish("v5/x"))
	if len(in.Properties.UserProperties) != 1 || in.Properties.UserProperties[0] != (UserProperty{Key: "trace", Value: "abc"}) || in.Properties.ContentType != "text/plain" {
		t.Errorf("PUBLISH record properties %+v, want user trace=abc and content type text/plain", in.Properties)
	}
	out := wait(t, rec, ClientID("sub5"), Publish("v5/x"))
	if len(out.Properties.UserProperties) != 1 || out.Properties.MessageExpiry != 0 {
		t.Errorf("delivered PUBLISH properties %+v, want the user property and no message expiry", out.Properties)
	}
	checkFlow(t, rec, "pub5", in.PacketID, "to-broker PUBLISH", "to-client PUBREC", "to-broker PUBREL", "to-client PUBCOMP")
	if ack := wait(t, rec, ClientID("pub5"), Type(TypePubrec)); len(ack.Properties.UserProperties) != 0 {
		t.Errorf("PUBREC echoes the publisher's user properties %v; want none", ack.Properties.UserProperties)
	}
}

// TestV5ServerDisconnectReasonCode checks Broker.Disconnect sends a v5
// client DISCONNECT with the reason code, the client sees it, and the
// record shows it.
func TestV5ServerDisconnectReasonCode(t *testing.T) {
	b := NewBroker(t)
	c := connect5(t, b.Addr(), &paho5.Connect{ClientID: "dev5", KeepAlive: 30, CleanStart: true})
	if err := b.Disconnect("dev5", ServerDisconnect(0x98)); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-c.disconnected:
		if d.ReasonCode != 0x98 {
			t.Errorf("client saw DISCONNECT reason 0x%02x, want 0x98", d.ReasonCode)
		}
	case <-ctxFor(t).Done():
		t.Fatal("client saw no DISCONNECT")
	}
	rec := b.Recorder()
	d := wait(t, rec, ClientID("dev5"), Type(TypeDisconnect), Dir(ToClient))
	if d.ReasonCode != 0x98 {
		t.Errorf("DISCONNECT record reason 0x%02x, want 0x98", d.ReasonCode)
	}
	if cl := wait(t, rec, ClientID("dev5"), Closed()); cl.ClosedBy != "broker" {
		t.Errorf("close record %q, want closed by broker", cl.Line())
	}
}

// TestV5ShutdownSendsServerShuttingDown checks Close sends v5 clients
// DISCONNECT 0x8B.
func TestV5ShutdownSendsServerShuttingDown(t *testing.T) {
	b := NewBroker(t)
	c := connect5(t, b.Addr(), &paho5.Connect{ClientID: "dev5", KeepAlive: 30, CleanStart: true})
	b.Close()
	select {
	case d := <-c.disconnected:
		if d.ReasonCode != 0x8B {
			t.Errorf("client saw DISCONNECT 0x%02x at shutdown, want 0x8B", d.ReasonCode)
		}
	case <-ctxFor(t).Done():
		t.Fatal("client saw no DISCONNECT at shutdown")
	}
}
