package mqtttest

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
)

// TestDisconnectBehindUnansweredPacket: a client sends PINGREQ and
// DISCONNECT and closes at once, before the broker has answered. The
// broker's PINGRESP goes to a closed connection; over TCP that write is
// taken (the reset comes later), and the broker reads on, to the
// DISCONNECT. A connection in memory once failed that write at once, and
// the broker, stopping there, published the will of a client that had
// disconnected cleanly. A Delay on the PINGRESP makes sure the client has
// closed before the broker's answer reaches the connection.
func TestDisconnectBehindUnansweredPacket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBroker(t, WithoutTCP())
		inject(t, b, Delay(time.Second, ClientID("dev"), Type(TypePingresp)))
		watch := fake.New(t, b.Conn(t))
		watch.Connect(fake.Connect{ClientID: "watch", CleanStart: true})
		watch.Subscribe(1, "will/#")
		dev := fake.New(t, b.Conn(t))
		dev.Connect(fake.Connect{ClientID: "dev", CleanStart: true, Will: &fake.Will{Topic: "will/dev", Payload: []byte("gone"), QoS: 1}})
		dev.SendRaw([]byte{0xc0, 0x00, 0xe0, 0x00}) // PINGREQ, DISCONNECT
		dev.Close()
		if err := b.WaitOffline("dev", 5*time.Second); err != nil {
			t.Fatal(err)
		}
		watch.Ping() // a barrier: a will would have reached watch before the PINGRESP
		if ws := b.Recorder().Find(Topic("will/dev")); len(ws) > 0 {
			t.Errorf("the will went out after a clean DISCONNECT: %s\n%s", ws[0].Line(), b.Recorder().Transcript())
		}
	})
}
