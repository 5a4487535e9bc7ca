package fake_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// succeed runs fn with ft and fails the test if fn reported anything.
func succeed(t *testing.T, ft *fakeT, fn func()) {
	t.Helper()
	if msgs, fatal := ft.run(fn); fatal || len(msgs) > 0 {
		t.Fatalf("unexpected failure (fatal=%v): %q", fatal, msgs)
	}
}

// TestExpectOrder takes the oldest matching packet and leaves the others.
func TestExpectOrder(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := connected(t, b, "self")
	c.Subscribe(0, "o/#")
	for _, topic := range []string{"o/a", "o/b", "o/a"} {
		c.Publish(fake.Publish{Topic: topic, Payload: []byte(topic)})
	}
	if r := c.Expect(mqtttest.Publish("o/b")); r.Topic != "o/b" {
		t.Errorf("got %s", r.Line())
	}
	for range 2 {
		if r := c.Expect(); r.Topic != "o/a" {
			t.Errorf("got %s, want o/a", r.Line())
		}
	}
	c.ExpectNothing(20 * time.Millisecond)
	var topics []string
	for _, r := range c.Received() {
		topics = append(topics, r.Type.String()+" "+r.Topic)
	}
	if got := strings.Join(topics, ", "); got != "CONNACK , SUBACK , PUBLISH o/a, PUBLISH o/b, PUBLISH o/a" {
		t.Errorf("Received: %s", got)
	}
}

// TestExpectFailure fails with the matchers it waited for and what the
// client sent and received.
func TestExpectFailure(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	c := fake.Dial(ft, b.Addr(), fake.Timeout(100*time.Millisecond))
	succeed(t, ft, func() { c.Connect(fake.Connect{ClientID: "exp", CleanStart: true}) })
	start := time.Now()
	msg := wantFailure(t, ft, func() {
		c.Expect(mqtttest.Publish("nothing/#"), mqtttest.Where("QoS 1", func(r mqtttest.Record) bool { return r.QoS == 1 }))
	},
		`fake client "exp"`,
		"Expect(PUBLISH nothing/#, QoS 1)",
		"no matching packet within 100ms",
		"exp → broker  CONNECT  v4 clean",
		"broker → exp  CONNACK  rc=0x00",
		"connection open",
	)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("failed after %v, before the timeout", d)
	}
	t.Logf("the failure reads:\n%s", msg)
}

// TestExpectAfterBrokerClose fails at once, not after the timeout, when the
// connection has ended with nothing matching received.
func TestExpectAfterBrokerClose(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	c := fake.Dial(ft, b.Addr(), fake.Timeout(time.Minute))
	succeed(t, ft, func() { c.Connect(fake.Connect{ClientID: "cut", CleanStart: true}) })
	if err := b.Disconnect("cut", mqtttest.Abrupt); err != nil {
		t.Fatal(err)
	}
	succeed(t, ft, func() { c.ExpectClosed() })
	wantFailure(t, ft, func() { c.Expect(mqtttest.Type(mqtttest.TypePuback)) },
		"Expect(PUBACK): the connection ended (closed by the broker",
		"connection ended: closed by the broker")
}

// TestExpectNothingFailure fails as soon as a matching packet arrives.
func TestExpectNothingFailure(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	c := fake.Dial(ft, b.Addr())
	succeed(t, ft, func() {
		c.Connect(fake.Connect{ClientID: "quiet", CleanStart: true})
		c.Subscribe(1, "noise")
		c.ExpectNothing(10*time.Millisecond, mqtttest.Publish("noise"))
	})
	start := time.Now()
	wantFailure(t, ft, func() {
		c.Publish(fake.Publish{Topic: "noise", Payload: []byte("psst"), QoS: 1})
		c.ExpectNothing(time.Minute, mqtttest.Publish("noise"))
	}, `ExpectNothing(1m0s, PUBLISH noise): received broker → quiet  PUBLISH  q1 id=`, `  noise  "psst"`) // the broker numbers its packets as it likes
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("failed after %v, not when the packet arrived", d)
	}
}

// TestExpectNothingBarrier: a packet the broker sends in answer to what
// the client sent before ExpectNothing is caught, however late it comes and
// however short the window. A Delay fault holds the broker's PUBACK for
// longer than the window; the barrier's PINGRESP cannot overtake it (a
// delay never reorders), so ExpectNothing still sees it.
func TestExpectNothingBarrier(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	c := fake.Dial(ft, b.Addr())
	succeed(t, ft, func() { c.Connect(fake.Connect{ClientID: "late", CleanStart: true}) })
	if _, err := b.Inject(mqtttest.Delay(200*time.Millisecond, mqtttest.Type(mqtttest.TypePuback))); err != nil {
		t.Fatal(err)
	}
	wantFailure(t, ft, func() {
		c.Publish(fake.Publish{Topic: "late", Payload: []byte("slow"), QoS: 1, PacketID: 7})
		c.ExpectNothing(time.Millisecond, mqtttest.Type(mqtttest.TypePuback))
	}, `ExpectNothing(1ms, PUBACK): received broker → late  PUBACK  id=7`)
}

// TestExpectClosedFailure fails when the broker keeps the connection open.
func TestExpectClosedFailure(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	c := fake.Dial(ft, b.Addr(), fake.Timeout(50*time.Millisecond))
	succeed(t, ft, func() { c.Connect(fake.Connect{ClientID: "open", CleanStart: true}) })
	wantFailure(t, ft, func() { c.ExpectClosed() }, "ExpectClosed: the connection is still open after 50ms", "CONNACK")
}

// TestSendAfterClose fails a send on a connection that has ended, saying how it ended.
func TestSendAfterClose(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	c := fake.Dial(ft, b.Addr())
	succeed(t, ft, func() { c.Connect(fake.Connect{ClientID: "gone", CleanStart: true}); c.Close() })
	wantFailure(t, ft, func() { c.Publish(fake.Publish{Topic: "x"}) },
		"cannot send PUBLISH: the connection has ended (closed by the test (Close))")
	wantFailure(t, ft, func() { c.Disconnect() }, "cannot send DISCONNECT")
}

// TestBadArguments fails the test, without panicking, on what cannot be encoded
// or does not make a client.
func TestBadArguments(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	wantFailure(t, ft, func() { fake.Dial(ft, b.Addr(), fake.Version(7), fake.Timeout(-time.Second)) },
		"invalid options", "Version(7): want 3, 4 or 5", "Timeout(-1s): want a positive duration")
	wantFailure(t, ft, func() { fake.New(ft, nil) }, "nil connection")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := l.Addr().String()
	l.Close()
	wantFailure(t, ft, func() { fake.Dial(ft, closedAddr) }, "cannot connect to the broker at "+closedAddr)

	c := fake.Dial(ft, b.Addr())
	wantFailure(t, ft, func() { c.Publish(fake.Publish{Topic: "x", QoS: 4}) }, "cannot encode PUBLISH: QoS 4 does not fit")
	wantFailure(t, ft, func() { c.Connect(fake.Connect{Will: &fake.Will{QoS: 9}}) }, "cannot encode CONNECT: will QoS 9 does not fit")
	succeed(t, ft, func() { c.Connect(fake.Connect{ClientID: "after-bad-input"}) })
}

// TestInvalidMatchers: a matcher that can match nothing (an invalid topic
// filter) fails Expect, ExpectNothing and CloseWhen at once, saying why.
func TestInvalidMatchers(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	c := fake.Dial(ft, b.Addr())
	why := `Publish("a/#/b"): not a valid MQTT topic filter`
	wantFailure(t, ft, func() { c.Expect(mqtttest.Publish("a/#/b")) }, "Expect(PUBLISH a/#/b): "+why)
	wantFailure(t, ft, func() { c.ExpectNothing(time.Hour, mqtttest.Publish("a/#/b")) }, "ExpectNothing(PUBLISH a/#/b): "+why)
	wantFailure(t, ft, func() { c.CloseWhen(mqtttest.Publish("a/#/b")) }, "CloseWhen(PUBLISH a/#/b): "+why)
}

// TestExpectNothingBarrierIsPrivate: the barrier's PINGRESP does not fire a
// CloseWhen that would take any PINGRESP, and a test's own Ping still gets
// its PINGRESP.
func TestExpectNothingBarrierIsPrivate(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := connected(t, b, "private")
	c.CloseWhen(mqtttest.Type(mqtttest.TypePingresp))
	c.ExpectNothing(time.Millisecond, mqtttest.Type(mqtttest.TypePuback))
	c.Ping() // the test's own: CloseWhen takes this one
	c.ExpectClosed()
}
