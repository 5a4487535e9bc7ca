package mqtttest_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// Every message the broker drops by itself is a record (EventDrop) that
// says which message, for whom, and why. These tests take each way mochi
// drops messages, with the package's raw client.

// waitDrop waits for a drop record matching m.
func waitDrop(t *testing.T, b *mqtttest.Broker, m ...mqtttest.Matcher) mqtttest.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := b.Recorder().WaitFor(ctx, append([]mqtttest.Matcher{mqtttest.BrokerDropped()}, m...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// waitFor waits for a record matching m.
func waitFor(t *testing.T, b *mqtttest.Broker, m ...mqtttest.Matcher) mqtttest.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := b.Recorder().WaitFor(ctx, m...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// stallConn is a connection whose reads block, once stalled, until it is closed.
type stallConn struct {
	net.Conn
	stalled atomic.Bool
	closed  chan struct{}
}

// Read reads, unless the connection is stalled.
func (c *stallConn) Read(p []byte) (int, error) {
	if c.stalled.Load() {
		<-c.closed
		return 0, net.ErrClosed
	}
	return c.Conn.Read(p)
}

// Close closes the connection and ends a stalled Read.
func (c *stallConn) Close() error {
	select {
	case <-c.closed:
	default:
		close(c.closed)
	}
	return c.Conn.Close()
}

// wantReason fails the test unless the drop's reason holds want.
func wantReason(t *testing.T, d mqtttest.Record, want string) {
	t.Helper()
	if !strings.Contains(d.Reason, want) {
		t.Errorf("drop %s: the reason lacks %q", d.Line(), want)
	}
}

// publish publishes from the broker, failing the test on error.
func publish(t *testing.T, b *mqtttest.Broker, topic, payload string, qos byte, retain bool) {
	t.Helper()
	if err := b.Publish(topic, []byte(payload), qos, retain); err != nil {
		t.Fatal(err)
	}
}

func TestDropNoSubscriber(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr())
	c.Connect(fake.Connect{ClientID: "pub", CleanStart: true})
	id := c.Publish(fake.Publish{Topic: "nobody/listens", Payload: []byte("1"), QoS: 1})
	c.Expect(mqtttest.Type(mqtttest.TypePuback), mqtttest.PacketID(id))
	d := waitDrop(t, b, mqtttest.Topic("nobody/listens"))
	if d.ClientID != "pub" || d.Dir != mqtttest.ToBroker || d.QoS != 1 || string(d.Payload) != "1" {
		t.Errorf("drop %s: want pub's QoS 1 message", d.Line())
	}
	wantReason(t, d, "no subscriber matched")

	publish(t, b, "nobody/retained", "kept", 1, true) // retained: the broker keeps it
	publish(t, b, "nobody/inline", "2", 0, false)
	if d := waitDrop(t, b, mqtttest.Topic("nobody/inline")); d.ClientID != "" || !strings.Contains(d.Line(), "from Broker.Publish") {
		t.Errorf("drop %s: want it from Broker.Publish", d.Line())
	}
	if ds := b.Recorder().Find(mqtttest.BrokerDropped(), mqtttest.Topic("nobody/retained")); len(ds) > 0 {
		t.Errorf("a retained message is kept, not dropped: %s", ds[0].Line())
	}
}

func TestDropRefusedByACL(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithACL(mqtttest.DenyPublish("secret/#"), mqtttest.DenySubscribe("private/#")))
	c := fake.Dial(t, b.Addr())
	c.Connect(fake.Connect{ClientID: "c", CleanStart: true})
	c.Subscribe(1, "#")
	c.Publish(fake.Publish{Topic: "secret/plan", Payload: []byte("q0"), QoS: 0}) // mochi drops it without a word
	wantReason(t, waitDrop(t, b, mqtttest.Topic("secret/plan"), mqtttest.ClientID("c"), mqtttest.Dir(mqtttest.ToBroker)),
		"refused by WithACL: publishing to secret/plan is denied")

	publish(t, b, "private/diary", "x", 1, false)
	d := waitDrop(t, b, mqtttest.Topic("private/diary"))
	if d.ClientID != "c" || d.Dir != mqtttest.ToClient || d.QoS != 1 {
		t.Errorf("drop %s: want the QoS 1 delivery to c", d.Line())
	}
	wantReason(t, d, "refused by WithACL: delivery on private/diary is denied")
}

func TestDropPublishToSys(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr())
	c.Connect(fake.Connect{ClientID: "c", CleanStart: true})
	c.Publish(fake.Publish{Topic: "$SYS/broker/uptime", Payload: []byte("0"), QoS: 1}) // mochi ignores it: no PUBACK either
	d := waitDrop(t, b, mqtttest.Topic("$SYS/#"))
	if d.ClientID != "c" || d.Dir != mqtttest.ToBroker || d.QoS != 1 {
		t.Errorf("drop %s: want c's QoS 1 message", d.Line())
	}
	wantReason(t, d, "clients may not publish to $SYS topics")
}

func TestDropQoS0ForOfflineSession(t *testing.T) {
	b := mqtttest.NewBroker(t)
	for _, s := range []struct {
		id  string
		qos byte
	}{{"q0", 0}, {"q1", 1}} {
		c := fake.Dial(t, b.Addr())
		c.Connect(fake.Connect{ClientID: s.id}) // a persistent session
		c.Subscribe(s.qos, "off/#")
		if err := b.Disconnect(s.id, mqtttest.Abrupt); err != nil { // returns once the broker has the client offline
			t.Fatal(err)
		}
	}
	publish(t, b, "off/1", "while away", 1, false) // synchronous: any drop is recorded when it returns
	d := waitDrop(t, b, mqtttest.Topic("off/1"))
	if d.ClientID != "q0" || d.QoS != 0 {
		t.Errorf("drop %s: want the QoS 0 delivery to q0", d.Line())
	}
	wantReason(t, d, "not connected, and QoS 0 messages are not queued")
	if ds := b.Recorder().Find(mqtttest.BrokerDropped(), mqtttest.ClientID("q1")); len(ds) > 0 {
		t.Errorf("q1's QoS 1 message is queued in its session, not dropped: %s", ds[0].Line())
	}
}

func TestDropInflightLimit(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithMaxInflight(5))
	c := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
	c.Connect(fake.Connect{ClientID: "slow", CleanStart: true})
	c.Subscribe(1, "lim/#")
	for i := range 8 {
		publish(t, b, "lim/x", fmt.Sprint(i), 1, false)
	}
	ds := b.Recorder().Find(mqtttest.BrokerDropped(), mqtttest.ClientID("slow"))
	if len(ds) != 3 {
		t.Fatalf("%d drops for slow, want the 3 beyond WithMaxInflight(5):\n%s", len(ds), b.Recorder().Transcript())
	}
	wantReason(t, ds[0], "5 messages in flight, the limit (WithMaxInflight)")
}

// TestDropWriteQueueFull publishes to a client that stopped reading until
// its write queue overflows, and then checks that every message is in the
// recording, either written to the client or dropped.
func TestDropWriteQueueFull(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithMaxPendingWrites(4))
	tcp, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	conn := &stallConn{Conn: tcp, closed: make(chan struct{})}
	c := fake.New(t, conn)
	c.Connect(fake.Connect{ClientID: "deaf", CleanStart: true})
	c.Subscribe(0, "big/#")
	conn.stalled.Store(true) // from now on the client reads nothing
	payload := strings.Repeat("x", 64<<10)
	const n = 200 // 12.8 MB: more than the sockets buffer
	for i := range n {
		publish(t, b, "big/x", fmt.Sprintf("%03d%s", i, payload), 0, false)
	}
	conn.Close()

	// Each message is written to the client or dropped, and may be both: a
	// write that fails is recorded as written, then as dropped.
	seen := map[string]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	first := mqtttest.Where("the first record of each message", func(r mqtttest.Record) bool {
		k := string(r.Payload[:3])
		if seen[k] || r.Event == mqtttest.EventPacket && r.Dir != mqtttest.ToClient {
			return false
		}
		seen[k] = true
		return true
	})
	if _, err := b.Recorder().WaitForN(ctx, n, mqtttest.ClientID("deaf"), mqtttest.Topic("big/x"), first); err != nil {
		t.Fatal(err)
	}
	full := b.Recorder().Find(mqtttest.BrokerDropped(), mqtttest.ClientID("deaf"), mqtttest.Where("write queue full", func(r mqtttest.Record) bool {
		return strings.Contains(r.Reason, "the client's write queue was full (4 messages, WithMaxPendingWrites)")
	}))
	if len(full) == 0 {
		t.Errorf("no drop for a full write queue")
	}
}

func TestDropSessionEndsWithConnection(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
	c.Connect(fake.Connect{ClientID: "brief", CleanStart: true})
	c.Subscribe(1, "e/#")
	publish(t, b, "e/1", "unacknowledged", 1, false)
	c.Expect(mqtttest.Publish("e/1"))
	c.Close()
	d := waitDrop(t, b, mqtttest.Topic("e/1"))
	if d.ClientID != "brief" || d.QoS != 1 {
		t.Errorf("drop %s: want brief's QoS 1 message", d.Line())
	}
	wantReason(t, d, "the session ended with its connection (clean session)")
}

func TestDropRestartWithoutSessions(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr())
	c.Connect(fake.Connect{ClientID: "away"})
	c.Subscribe(1, "q/#")
	c.Close()
	waitFor(t, b, mqtttest.Closed(), mqtttest.ClientID("away"))
	publish(t, b, "q/queued", "for away", 1, false)
	publish(t, b, "r/state", "on", 1, true)
	if err := b.Restart(false); err != nil {
		t.Fatal(err)
	}
	wantReason(t, waitDrop(t, b, mqtttest.Topic("q/queued"), mqtttest.ClientID("away")), "restarted without sessions")
	d := waitDrop(t, b, mqtttest.Topic("r/state"))
	if !d.Retain || !strings.Contains(d.Line(), "retained") {
		t.Errorf("drop %s: want the retained message", d.Line())
	}
}

func TestDropReceiveMaximum(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithReceiveMaximum(2))
	c := fake.Dial(t, b.Addr(), fake.Version(5), fake.Acks(fake.AckNever())) // no PUBREL: each QoS 2 flow stays open
	c.Connect(fake.Connect{ClientID: "eager", CleanStart: true})
	for i := range 3 {
		c.Publish(fake.Publish{Topic: "rm/x", Payload: []byte(fmt.Sprint(i)), QoS: 2})
	}
	if d := c.Expect(mqtttest.Type(mqtttest.TypeDisconnect)); d.ReasonCode != 0x93 {
		t.Errorf("got %s, want DISCONNECT 0x93 (receive maximum exceeded)", d.Line())
	}
	d := waitDrop(t, b, mqtttest.Topic("rm/x"), mqtttest.ClientID("eager"), mqtttest.Dir(mqtttest.ToBroker), mqtttest.Where("the third", func(r mqtttest.Record) bool { return string(r.Payload) == "2" }))
	wantReason(t, d, "Receive Maximum of 2")
}

func TestDropSessionExpiry(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr(), fake.Version(5))
	c.Connect(fake.Connect{ClientID: "fleeting", SessionExpiry: 1})
	c.Subscribe(1, "exp/#")
	c.Disconnect()
	waitFor(t, b, mqtttest.Closed(), mqtttest.ClientID("fleeting"))
	publish(t, b, "exp/1", "queued", 1, false)
	wantReason(t, waitDrop(t, b, mqtttest.Topic("exp/1"), mqtttest.ClientID("fleeting")), "the offline session expired (Session Expiry Interval 1 s)")
	// mochi leaves an expired session's subscriptions in its topic index;
	// the broker removes them, so the next message has no subscriber.
	publish(t, b, "exp/2", "after", 1, false)
	wantReason(t, waitDrop(t, b, mqtttest.Topic("exp/2")), "no subscriber matched")
}
