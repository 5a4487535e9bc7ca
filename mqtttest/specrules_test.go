package mqtttest_test

import (
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestUsernameNotUTF8: a CONNECT whose user name is not UTF-8 breaks
// [MQTT-3.1.3-11]; mochi lets it pass, and the record says so. The tap still
// takes the connection's protocol version from it: the client's MQTT 5
// PUBLISH that follows decodes, properties and all.
func TestUsernameNotUTF8(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr(), fake.Version(5))
	ack := c.Connect(fake.Connect{ClientID: "odd", CleanStart: true, Username: "\xff"})
	if ack.ReasonCode != 0 {
		t.Fatalf("mochi refused the CONNECT: %s", ack.Line())
	}
	c.Publish(fake.Publish{Topic: "odd/1", Payload: []byte("x"), QoS: 1, UserProperties: []mqtttest.UserProperty{{Key: "k", Value: "v"}}})
	c.Expect(mqtttest.Type(mqtttest.TypePuback))
	connect := waitFor(t, b, mqtttest.Type(mqtttest.TypeConnect), mqtttest.ClientID("odd"))
	if !connect.Malformed || !strings.Contains(connect.Err, "a user name that is not UTF-8") {
		t.Errorf("CONNECT record: malformed %v, %q; want it marked, saying why", connect.Malformed, connect.Err)
	}
	pub := waitFor(t, b, mqtttest.Publish("odd/1"), mqtttest.ClientID("odd"))
	if pub.Malformed || pub.Version != 5 || len(pub.Properties.UserProperties) != 1 {
		t.Errorf("PUBLISH record after it: %s (version %d, properties %+v); want a well-formed v5 PUBLISH", pub.Line(), pub.Version, pub.Properties)
	}
}
