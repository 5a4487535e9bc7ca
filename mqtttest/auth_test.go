package mqtttest

import (
	"slices"
	"strings"
	"testing"

	paho5 "github.com/eclipse/paho.golang/paho"
	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// TestWithAuth checks a listed user connects and others are refused with
// the right CONNACK code.
func TestWithAuth(t *testing.T) {
	b := NewBroker(t, WithAuth(map[string]string{"alice": "s3cret"}))
	connect3(t, b.URL(), "ok", func(o *paho3.ClientOptions) { o.SetUsername("alice").SetPassword("s3cret") })

	o := paho3.NewClientOptions().AddBroker(b.URL()).SetClientID("bad").SetUsername("alice").SetPassword("wrong").
		SetAutoReconnect(false).SetConnectTimeout(waitTime)
	c := paho3.NewClient(o)
	if tok := c.Connect(); tok.WaitTimeout(waitTime) && tok.Error() == nil {
		c.Disconnect(0)
		t.Fatal("a client with a wrong password connected")
	}
	r := wait(t, b.Recorder(), ClientID("bad"), Type(TypeConnack))
	if r.ReasonCode != 0x05 {
		t.Errorf("CONNACK for a wrong password: 0x%02x, want 0x05 (not authorized)", r.ReasonCode)
	}
	if c := wait(t, b.Recorder(), ClientID("ok"), Type(TypeConnect)); c.Connect.Username != "alice" || !c.Connect.PasswordSet {
		t.Errorf("CONNECT record %+v, want user alice with a password", c.Connect)
	}
}

// TestACLDeniesSubscribeAndPublish checks DenySubscribe gives SUBACK 0x80
// (v3) and 0x87 (v5), and DenyPublish keeps a message from subscribers.
func TestACLDeniesSubscribeAndPublish(t *testing.T) {
	b := NewBroker(t, WithACL(DenySubscribe("secret/#"), DenyPublish("readonly/#")))
	c := connect3(t, b.URL(), "v3")
	tok := c.Subscribe("secret/x", 1, nil)
	tok.WaitTimeout(waitTime)
	ack := wait(t, b.Recorder(), ClientID("v3"), Type(TypeSuback))
	if !slices.Equal(ack.ReasonCodes, []byte{0x80}) {
		t.Errorf("v3 SUBACK for a denied filter: % x, want 80", ack.ReasonCodes)
	}

	v5 := connect5(t, b.Addr(), &paho5.Connect{ClientID: "v5", KeepAlive: 30, CleanStart: true})
	sa, err := v5.Subscribe(ctxFor(t), &paho5.Subscribe{Subscriptions: []paho5.SubscribeOptions{{Topic: "secret/+", QoS: 1}, {Topic: "readonly/#", QoS: 1}}})
	if err != nil && sa == nil {
		t.Fatal(err)
	}
	ack5 := wait(t, b.Recorder(), ClientID("v5"), Type(TypeSuback))
	if !slices.Equal(ack5.ReasonCodes, []byte{0x87, 0x01}) {
		t.Errorf("v5 SUBACK: % x, want 87 01", ack5.ReasonCodes)
	}

	// QoS 0 publish to a denied topic is dropped; a later allowed one arrives first.
	c.publish(t, "readonly/x", 0, false, "denied")
	if err := b.Publish("readonly/y", []byte("from broker"), 0, false); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, v5.got); m.topic != "readonly/y" {
		t.Errorf("v5 got %+v first, want readonly/y (the broker's own publish, which the ACL does not restrict)", m)
	}
}

// TestParseACL checks the ACL file format and its errors.
func TestParseACL(t *testing.T) {
	rules, err := ParseACL(strings.NewReader("# comment\n\ndeny subscribe secret/#\n  deny publish a/+/b  \n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []ACLRule{DenySubscribe("secret/#"), DenyPublish("a/+/b")}; !slices.Equal(rules, want) {
		t.Errorf("rules = %v, want %v", rules, want)
	}
	for in, want := range map[string]string{
		"allow publish a":        "line 1",
		"deny publish":           "line 1",
		"\ndeny subscribe a/#/b": "line 2",
	} {
		if _, err := ParseACL(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseACL(%q) = %v, want an error naming %s", in, err, want)
		}
	}
}
