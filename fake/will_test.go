package fake_test

import (
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// withWill connects id with a will on topic will/<id>.
func withWill(t *testing.T, b *mqtttest.Broker, id string, opts ...fake.Option) *fake.Client {
	t.Helper()
	c := fake.Dial(t, b.Addr(), opts...)
	c.Connect(fake.Connect{ClientID: id, CleanStart: true,
		Will: &fake.Will{Topic: "will/" + id, Payload: []byte(id + " died"), QoS: 1}})
	return c
}

// TestCloseSendsWill closes abruptly: the broker publishes the will.
func TestCloseSendsWill(t *testing.T) {
	for _, v := range []byte{4, 5} {
		b := mqtttest.NewBroker(t)
		watcher := connected(t, b, "watcher")
		watcher.Subscribe(1, "will/#")
		dev := withWill(t, b, "dev", fake.Version(v))
		dev.Close()
		m := watcher.Expect(mqtttest.Publish("will/dev"))
		if string(m.Payload) != "dev died" || m.QoS != 1 {
			t.Errorf("v%d: will %s", v, m.Line())
		}
		if r := wait(t, b, mqtttest.ClientID("dev"), mqtttest.Closed()); r.ClosedBy != "client" {
			t.Errorf("v%d: %s", v, r.Line())
		}
		if rs := b.Recorder().Find(mqtttest.ClientID("dev"), mqtttest.Type(mqtttest.TypeDisconnect)); len(rs) != 0 {
			t.Errorf("v%d: Close sent %s", v, rs[0].Line())
		}
	}
}

// TestDisconnectDiscardsWill leaves with DISCONNECT: no will.
func TestDisconnectDiscardsWill(t *testing.T) {
	for _, v := range []byte{4, 5} {
		b := mqtttest.NewBroker(t)
		watcher := connected(t, b, "watcher")
		watcher.Subscribe(1, "will/#")
		dev := withWill(t, b, "dev", fake.Version(v))
		dev.Disconnect()
		r := wait(t, b, mqtttest.ClientID("dev"), mqtttest.Type(mqtttest.TypeDisconnect))
		if r.ReasonCode != 0 || r.Malformed {
			t.Errorf("v%d: %s", v, r.Line())
		}
		wait(t, b, mqtttest.ClientID("dev"), mqtttest.Closed())
		if err := b.Settle(10 * time.Second); err != nil { // a will would be written by now
			t.Fatal(err)
		}
		watcher.ExpectNothing(200*time.Millisecond, mqtttest.Publish("will/#"))
	}
}
