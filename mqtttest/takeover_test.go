package mqtttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestTakeoverEndsTheOldConnection: a new connection with the client ID of
// a connected client takes its session over; the old connection is closed
// [MQTT-3.1.4-3], v5 with DISCONNECT 0x8E "session taken over", v3 without
// DISCONNECT, which MQTT 3 has no server form of (mochi sent one).
func TestTakeoverEndsTheOldConnection(t *testing.T) {
	for _, v := range []byte{4, 5} {
		t.Run(map[byte]string{4: "v3.1.1", 5: "v5"}[v], func(t *testing.T) {
			b := mqtttest.NewBroker(t)
			old := fake.Dial(t, b.Addr(), fake.Version(v))
			old.Connect(fake.Connect{ClientID: "twin", SessionExpiry: 60})
			again := fake.Dial(t, b.Addr(), fake.Version(v))
			if ack := again.Connect(fake.Connect{ClientID: "twin", SessionExpiry: 60}); !ack.SessionPresent {
				t.Errorf("%s: want the session present", ack.Line())
			}
			var disconnects []mqtttest.Record
			for _, r := range old.ExpectClosed() {
				if r.Type == mqtttest.TypeDisconnect {
					disconnects = append(disconnects, r)
				}
			}
			switch {
			case v == 5 && (len(disconnects) != 1 || disconnects[0].ReasonCode != 0x8E):
				t.Errorf("the old v5 connection got %d DISCONNECT, want one with 0x8E", len(disconnects))
			case v == 4 && len(disconnects) != 0:
				t.Errorf("the old v3 connection got %s, want no DISCONNECT", disconnects[0].Line())
			}
			c := waitFor(t, b, mqtttest.Closed(), mqtttest.ConnNumber(1)) // written once the broker is done with it
			if c.ClosedBy != "broker" || c.Reason != "session taken over by a new connection with the same client ID" {
				t.Errorf("%s: want closed by broker: session taken over ...", c.Line())
			}
		})
	}
}

// TestTakeoverOfDelayedConnection: a Delay fault holds a PUBLISH to a
// connection that a takeover ends. The takeover does not wait for the
// delay, and the new connection gets the message as a resend.
func TestTakeoverOfDelayedConnection(t *testing.T) {
	for _, v := range []byte{4, 5} {
		t.Run(map[byte]string{4: "v3.1.1", 5: "v5"}[v], func(t *testing.T) {
			b := mqtttest.NewBroker(t)
			delayedWrite(t, b, "twin", v)
			again := fake.Dial(t, b.Addr(), fake.Version(v), fake.Timeout(10*time.Second))
			again.Connect(fake.Connect{ClientID: "twin", SessionExpiry: 60})
			if r := again.Expect(mqtttest.Publish("d/1")); !r.Dup {
				t.Errorf("%s: want the message sent again, with DUP", r.Line())
			}
		})
	}
}

// delayedWrite connects a client with this ID and protocol version, and has
// a Delay fault hold a write to it for an hour; it returns once the write is
// under way.
func delayedWrite(t *testing.T, b *mqtttest.Broker, id string, version byte) *fake.Client {
	t.Helper()
	c := fake.Dial(t, b.Addr(), fake.Version(version), fake.Acks(fake.AckNever()))
	c.Connect(fake.Connect{ClientID: id, SessionExpiry: 60})
	c.Subscribe(1, "d/#")
	if _, err := b.Inject(mqtttest.Delay(time.Hour, mqtttest.Publish("d/#"), mqtttest.Dir(mqtttest.ToClient)).Times(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("d/1", []byte("held"), 1, false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.Recorder().WaitFor(ctx, mqtttest.Publish("d/1")); err != nil { // recorded as the delay starts
		t.Fatal(err)
	}
	return c
}

// TestServerDisconnectOfDelayedConnection: Broker.Disconnect with a server
// DISCONNECT does not wait for a fault's delay of a write under way to the
// client (an hour here): the DISCONNECT goes out at once.
func TestServerDisconnectOfDelayedConnection(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := delayedWrite(t, b, "slow", 5)
	if err := b.Disconnect("slow", mqtttest.ServerDisconnect(0x98)); err != nil {
		t.Fatal(err)
	}
	if r := c.Expect(mqtttest.Type(mqtttest.TypeDisconnect)); r.ReasonCode != 0x98 {
		t.Errorf("%s: want DISCONNECT 0x98", r.Line())
	}
}

// TestCloseWithDelayedWrite: Close does not wait for a fault's delay of a
// write under way to an MQTT 5 client (an hour here), whose DISCONNECT
// 0x8B would otherwise wait behind it.
func TestCloseWithDelayedWrite(t *testing.T) {
	b := mqtttest.NewBroker(t)
	delayedWrite(t, b, "slow", 5)
	closed := make(chan struct{})
	go func() {
		b.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(20 * time.Second): // a hang detector: Close takes milliseconds
		t.Fatal("Close waited for the delay of a write under way")
	}
}
