package mqtttest_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// These tests run in a testing/synctest bubble: the broker, made
// WithoutTCP, and its clients, connected through Broker.Dial, run on the
// bubble's clock, which jumps forward whenever every goroutine in the
// bubble is blocked. MQTT's timers take no wall time, and the times in the
// recording are exact: each test asserts them to the millisecond. A
// time.Sleep here is not a wait for something to happen: in a bubble it is
// how a test lets MQTT time pass, and it takes no wall time.

// virtualBroker starts a broker for a bubble and returns it with the
// bubble's time now, from which the tests count.
func virtualBroker(t *testing.T) (*mqtttest.Broker, time.Time) {
	t.Helper()
	return mqtttest.NewBroker(t, mqtttest.WithoutTCP()), time.Now()
}

// fakeInMemory connects a fake client to b through Dial.
func fakeInMemory(t *testing.T, b *mqtttest.Broker, opts ...fake.Option) *fake.Client {
	t.Helper()
	conn, err := b.Dial(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return fake.New(t, conn, opts...)
}

// pahoInMemory connects a paho.mqtt.golang client with this ID and
// keepalive to b through Dial, and disconnects it at the end of the test.
func pahoInMemory(t *testing.T, b *mqtttest.Broker, id string, keepalive time.Duration, set func(*paho.ClientOptions)) paho.Client {
	t.Helper()
	opts := paho.NewClientOptions().AddBroker("tcp://in-memory:1883").SetClientID(id).SetKeepAlive(keepalive).
		SetCustomOpenConnectionFn(func(*url.URL, paho.ClientOptions) (net.Conn, error) { return b.Dial(context.Background()) })
	if set != nil {
		set(opts)
	}
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.Wait() || tok.Error() != nil {
		t.Fatalf("connect %s: %v", id, tok.Error())
	}
	// With no quiesce time, Disconnect can return before the client has
	// stopped, and the broker's Close, next, then looks like a lost
	// connection: the client would start reconnecting as the bubble ends.
	t.Cleanup(func() { c.Disconnect(1000) })
	return c
}

// wantAt checks that the records matching ms were recorded at exactly
// these times after start, in order, and returns them; a failure shows the
// whole recording with the time of each record.
func wantAt(t *testing.T, b *mqtttest.Broker, start time.Time, want []time.Duration, ms ...mqtttest.Matcher) []mqtttest.Record {
	t.Helper()
	rs := b.Recorder().Find(ms...)
	var got []time.Duration
	for _, r := range rs {
		got = append(got, r.Time.Sub(start))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		var s strings.Builder
		for _, r := range b.Recorder().Records() {
			fmt.Fprintf(&s, "  +%v %s\n", r.Time.Sub(start), r.Line())
		}
		t.Fatalf("%s recorded at %v after the start, want %v; the recording:\n%s", mqtttest.All(ms...), got, want, s.String())
	}
	return rs
}

// TestVirtualKeepaliveWillUnderFreeze: a client with a keepalive of 10 s
// freezes at its first PINGREQ; the broker gives up on it at exactly 15 s
// and publishes its will then.
func TestVirtualKeepaliveWillUnderFreeze(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, start := virtualBroker(t)
		watch := fakeInMemory(t, b)
		watch.Connect(fake.Connect{ClientID: "watch", CleanStart: true})
		watch.Subscribe(1, "dev/status")
		if _, err := b.Inject(mqtttest.Freeze(mqtttest.ClientID("dev"), mqtttest.Type(mqtttest.TypePingreq))); err != nil {
			t.Fatal(err)
		}
		pahoInMemory(t, b, "dev", 10*time.Second, func(o *paho.ClientOptions) {
			o.SetWill("dev/status", "offline", 1, false).SetAutoReconnect(false)
		})
		if _, err := b.Recorder().WaitFor(t.Context(), mqtttest.Publish("dev/status"), mqtttest.Dir(mqtttest.ToClient)); err != nil {
			t.Fatal(err)
		}
		wantAt(t, b, start, []time.Duration{10 * time.Second}, mqtttest.ClientID("dev"), mqtttest.Type(mqtttest.TypePingreq))
		closed := wantAt(t, b, start, []time.Duration{15 * time.Second}, mqtttest.ClientID("dev"), mqtttest.Closed())
		if !strings.Contains(closed[0].Reason, "keepalive") {
			t.Errorf("the connection closed for %q, want the keepalive", closed[0].Reason)
		}
		wantAt(t, b, start, []time.Duration{15 * time.Second}, mqtttest.Publish("dev/status"), mqtttest.ClientID("watch"), mqtttest.Dir(mqtttest.ToClient))
	})
}

// TestVirtualKeepaliveOddSeconds: mochi gave a client (k + k/2) whole
// seconds, for a keepalive of 5 s 7 s instead of the 7.5 s MQTT allows
// [MQTT-3.1.2-24]; keepalive.go gives back the half second.
func TestVirtualKeepaliveOddSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, start := virtualBroker(t)
		dev := fakeInMemory(t, b)
		dev.Connect(fake.Connect{ClientID: "dev", CleanStart: true, Keepalive: 5})
		if _, err := b.Recorder().WaitFor(t.Context(), mqtttest.ClientID("dev"), mqtttest.Closed()); err != nil {
			t.Fatal(err)
		}
		wantAt(t, b, start, []time.Duration{7500 * time.Millisecond}, mqtttest.ClientID("dev"), mqtttest.Closed())
	})
}

// TestVirtualWillDelay: a v5 client with a will delay of 5 s is cut off at
// +2 s; its will is published at +8 s. mochi looks at delayed wills once a
// second and publishes those whose time (in whole seconds) is strictly
// past: due at +7 s, the will goes out at the check after, a second late.
func TestVirtualWillDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, start := virtualBroker(t)
		watch := fakeInMemory(t, b)
		watch.Connect(fake.Connect{ClientID: "watch", CleanStart: true})
		watch.Subscribe(1, "dev/status")
		dev := fakeInMemory(t, b, fake.Version(5))
		dev.Connect(fake.Connect{ClientID: "dev", CleanStart: true, SessionExpiry: 30,
			Will: &fake.Will{Topic: "dev/status", Payload: []byte("offline"), DelayInterval: 5}})
		time.Sleep(2 * time.Second) // virtual: the device is connected for 2 s
		if err := b.Disconnect("dev", mqtttest.Abrupt); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Recorder().WaitFor(t.Context(), mqtttest.Publish("dev/status"), mqtttest.Dir(mqtttest.ToClient)); err != nil {
			t.Fatal(err)
		}
		wantAt(t, b, start, []time.Duration{2 * time.Second}, mqtttest.ClientID("dev"), mqtttest.Closed())
		wantAt(t, b, start, []time.Duration{8 * time.Second}, mqtttest.Publish("dev/status"), mqtttest.ClientID("watch"), mqtttest.Dir(mqtttest.ToClient))
	})
}

// TestVirtualSessionExpiry: a v5 client with a session expiry of 30 s
// disconnects at +2 s with a QoS 1 subscription; a message queued for it
// is dropped, and recorded, when the session expires, at +33 s (mochi's
// once-a-second check, strictly past, as for the will delay).
func TestVirtualSessionExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, start := virtualBroker(t)
		sub := fakeInMemory(t, b, fake.Version(5))
		sub.Connect(fake.Connect{ClientID: "sub", CleanStart: true, SessionExpiry: 30})
		sub.Subscribe(1, "s/#")
		time.Sleep(2 * time.Second) // virtual: the subscriber is connected for 2 s
		sub.Disconnect()
		if err := b.WaitOffline("sub", time.Second); err != nil {
			t.Fatal(err)
		}
		if err := b.Publish("s/1", []byte("queued"), 1, false); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Recorder().WaitFor(t.Context(), mqtttest.BrokerDropped(), mqtttest.ClientID("sub")); err != nil {
			t.Fatal(err)
		}
		dropped := wantAt(t, b, start, []time.Duration{33 * time.Second}, mqtttest.BrokerDropped(), mqtttest.ClientID("sub"))
		if !strings.Contains(dropped[0].Reason, "expired") {
			t.Errorf("the message was dropped for %q, want the session's expiry", dropped[0].Reason)
		}
	})
}

// TestVirtualReconnectAfterPartition: a paho.mqtt.golang client (keepalive
// 5 s, reconnect back-off up to 10 s) is partitioned from +1 s to +31 s.
// Its PINGREQ at +5 s is lost, the broker gives up at +7.5 s, and the
// client tries again at +7.5, +8.5, +10.5, +14.5 and +22.5 s, each refused;
// its try at +32.5 s, after Heal, connects.
func TestVirtualReconnectAfterPartition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, start := virtualBroker(t)
		pahoInMemory(t, b, "dev", 5*time.Second, func(o *paho.ClientOptions) {
			o.SetAutoReconnect(true).SetMaxReconnectInterval(10 * time.Second)
		})
		time.Sleep(time.Second) // virtual: the partition starts at +1 s
		b.Partition()
		time.Sleep(30 * time.Second) // and lasts 30 s
		b.Heal()
		if _, err := b.Recorder().WaitForN(t.Context(), 2, mqtttest.ClientID("dev"), mqtttest.Type(mqtttest.TypeConnack)); err != nil {
			t.Fatal(err)
		}
		s := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
		wantAt(t, b, start, []time.Duration{s(5)}, mqtttest.Type(mqtttest.TypePingreq))
		wantAt(t, b, start, []time.Duration{0, s(7.5), s(8.5), s(10.5), s(14.5), s(22.5), s(32.5)}, mqtttest.Opened())
		wantAt(t, b, start, []time.Duration{0, s(32.5)}, mqtttest.ClientID("dev"), mqtttest.Type(mqtttest.TypeConnack))
	})
}

// TestVirtualIdleHour: a paho.mqtt.golang client with a keepalive of one
// minute, idle for an hour, sends a PINGREQ at every minute, each answered
// at once, and nothing else.
//
// Two things due at the same instant of a bubble's clock (the test's wake-up
// and the client's ping, say) happen in either order: a test checks between
// the instants things happen at, never on one.
func TestVirtualIdleHour(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, start := virtualBroker(t)
		pahoInMemory(t, b, "dev", time.Minute, nil)
		time.Sleep(time.Hour + 30*time.Second) // virtual; not a whole minute, so the last PINGREQ is not at the same instant as the check

		var minutes []time.Duration
		for i := 1; i <= 60; i++ {
			minutes = append(minutes, time.Duration(i)*time.Minute)
		}
		wantAt(t, b, start, minutes, mqtttest.Type(mqtttest.TypePingreq))
		wantAt(t, b, start, minutes, mqtttest.Type(mqtttest.TypePingresp))
		if n := len(b.Recorder().Records()); n != 3+2*60 {
			t.Errorf("%d records, want 123: the opening, CONNECT, CONNACK and 60 pings with their answers", n)
		}
	})
}

// TestVirtualTLS: TLS in memory runs in a bubble too: a client that
// connects over TLS with a keepalive of 4 s and then says nothing is
// closed at exactly +6 s; its records are on the listener "memory-tls".
func TestVirtualTLS(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mqtttest.NewBroker(t, mqtttest.WithoutTCP(), mqtttest.WithTLS())
		start := time.Now()
		conn, err := b.DialTLS(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		dev := fake.New(t, conn)
		dev.Connect(fake.Connect{ClientID: "dev", CleanStart: true, Keepalive: 4})
		if _, err := b.Recorder().WaitFor(t.Context(), mqtttest.ClientID("dev"), mqtttest.Closed()); err != nil {
			t.Fatal(err)
		}
		closed := wantAt(t, b, start, []time.Duration{6 * time.Second}, mqtttest.ClientID("dev"), mqtttest.Closed())
		if closed[0].Listener != "memory-tls" {
			t.Errorf("the connection is on %q, want \"memory-tls\"", closed[0].Listener)
		}
	})
}
