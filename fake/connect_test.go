package fake_test

import (
	"slices"
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestConnectEveryField sends a CONNECT with every field set, in each
// protocol version, and checks the broker's record of it field by field.
func TestConnectEveryField(t *testing.T) {
	for _, v := range []byte{3, 4, 5} {
		t.Run(map[byte]string{3: "v3.1", 4: "v3.1.1", 5: "v5"}[v], func(t *testing.T) {
			b := mqtttest.NewBroker(t)
			id := "full-" + string('0'+v)
			props := []mqtttest.UserProperty{{Key: "k", Value: "v"}}
			c := fake.Dial(t, b.Addr(), fake.Version(v))
			ack := c.Connect(fake.Connect{
				ClientID: id, CleanStart: true, Keepalive: 42,
				Username: "alice", Password: []byte("secret"),
				SessionExpiry: 120, UserProperties: props,
				Will: &fake.Will{Topic: "will/" + id, Payload: []byte("gone"), QoS: 1, Retain: true,
					DelayInterval: 7, UserProperties: props},
			})
			if ack.Type != mqtttest.TypeConnack || ack.ReasonCode != 0 || ack.ClientID != id {
				t.Fatalf("CONNACK: %s", ack.Line())
			}

			r := wait(t, b, mqtttest.ClientID(id), mqtttest.Type(mqtttest.TypeConnect))
			if r.Malformed || r.Version != v {
				t.Fatalf("CONNECT recorded as %s, want version %d", r.Line(), v)
			}
			got := r.Connect
			wantName := map[byte]string{3: "MQIsdp", 4: "MQTT", 5: "MQTT"}[v]
			if got.ProtocolName != wantName || !got.CleanStart || got.Keepalive != 42 ||
				got.Username != "alice" || !got.PasswordSet {
				t.Errorf("CONNECT fields: %+v", *got)
			}
			w := got.Will
			if w == nil || w.Topic != "will/"+id || string(w.Payload) != "gone" || w.QoS != 1 || !w.Retain {
				t.Fatalf("will: %+v", w)
			}
			if v == 5 {
				if got.SessionExpiry != 120 || w.DelayInterval != 7 || !slices.Equal(w.UserProperties, props) ||
					!slices.Equal(r.Properties.UserProperties, props) {
					t.Errorf("v5 fields: session expiry %d, will delay %d, will user properties %v, user properties %v",
						got.SessionExpiry, w.DelayInterval, w.UserProperties, r.Properties.UserProperties)
				}
			} else if got.SessionExpiry != 0 || w.DelayInterval != 0 || len(w.UserProperties) != 0 || len(r.Properties.UserProperties) != 0 {
				t.Errorf("v%d CONNECT carries v5 fields: %+v, will %+v", v, *got, *w)
			}
		})
	}
}

// TestConnectMinimal sends a CONNECT with nothing optional: no username, no
// password, no will, no clean start.
func TestConnectMinimal(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr())
	c.Connect(fake.Connect{ClientID: "bare"})
	r := wait(t, b, mqtttest.ClientID("bare"), mqtttest.Type(mqtttest.TypeConnect))
	if got := *r.Connect; got.CleanStart || got.Username != "" || got.PasswordSet || got.Will != nil || got.Keepalive != 0 {
		t.Errorf("CONNECT fields: %+v", got)
	}
}

// TestConnectRefused returns the refusing CONNACK rather than failing: the
// test decides what a refusal means.
func TestConnectRefused(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithAuth(map[string]string{"alice": "right"}))
	for _, v := range []byte{4, 5} {
		c := fake.Dial(t, b.Addr(), fake.Version(v))
		ack := c.Connect(fake.Connect{ClientID: "intruder", Username: "alice", Password: []byte("wrong")})
		if want := map[byte]byte{4: 0x05, 5: 0x86}[v]; ack.ReasonCode != want {
			t.Errorf("v%d: CONNACK %s, want reason code 0x%02x", v, ack.Line(), want)
		}
		c.ExpectClosed()
	}
}

// TestConnectAssignedClientID takes the client ID a v5 broker assigns for
// an empty one, in records and messages.
func TestConnectAssignedClientID(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr(), fake.Version(5))
	ack := c.Connect(fake.Connect{CleanStart: true})
	id := ack.Properties.AssignedClientID
	if id == "" || ack.ClientID != id {
		t.Fatalf("CONNACK %s: assigned %q", ack.Line(), id)
	}
	if r := c.Ping(); r.ClientID != id {
		t.Errorf("PINGRESP recorded for %q, want %q", r.ClientID, id)
	}
}
