package mqtttest_test

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestDialPahoInMemory: a paho.mqtt.golang client connects through
// Broker.Dial to a broker with no TCP listener, and its packets are
// recorded on the listener "memory".
func TestDialPahoInMemory(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
	if b.Addr() != "" || b.URL() != "" {
		t.Fatalf("a broker WithoutTCP has address %q, URL %q; want none", b.Addr(), b.URL())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts := paho.NewClientOptions().AddBroker("tcp://in-memory:1883").SetClientID("mem").
		SetCustomOpenConnectionFn(func(*url.URL, paho.ClientOptions) (net.Conn, error) { return b.Dial(ctx) })
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)
	got := make(chan string, 1)
	if tok := c.Subscribe("m/#", 1, func(_ paho.Client, m paho.Message) { got <- string(m.Payload()) }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	if tok := c.Publish("m/1", 1, false, "in memory"); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	select {
	case p := <-got:
		if p != "in memory" {
			t.Fatalf("received %q", p)
		}
	case <-ctx.Done():
		t.Fatal("the message did not come back")
	}
	r, err := b.Recorder().WaitFor(ctx, mqtttest.Publish("m/1"), mqtttest.Dir(mqtttest.ToClient))
	if err != nil {
		t.Fatal(err)
	}
	if r.Listener != "memory" || r.ClientID != "mem" {
		t.Errorf("the delivery is recorded on listener %q for %q, want \"memory\" and \"mem\"", r.Listener, r.ClientID)
	}
}

// TestDialFaultsAndRestart: faults act on connections in memory as on TCP,
// and a client dials again after Restart without any port.
func TestDialFaultsAndRestart(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := b.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := fake.New(t, conn)
	c.Connect(fake.Connect{ClientID: "f1", CleanStart: true})
	c.Subscribe(1, "r/#")
	fault, err := b.Inject(mqtttest.CutBefore(mqtttest.Publish("r/cut"), mqtttest.Dir(mqtttest.ToClient)))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("r/cut", []byte("x"), 1, false); err != nil {
		t.Fatal(err)
	}
	if err := fault.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := b.Restart(false); err != nil {
		t.Fatal(err)
	}
	conn2, err := b.Dial(ctx)
	if err != nil {
		t.Fatalf("Dial after Restart: %v", err)
	}
	c2 := fake.New(t, conn2)
	c2.Connect(fake.Connect{ClientID: "f2", CleanStart: true})
	c2.Subscribe(1, "r/#")
	if _, err := b.Recorder().WaitFor(ctx, mqtttest.ClientID("f2"), mqtttest.Type(mqtttest.TypeSuback)); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := b.Dial(ctx); err == nil {
		t.Error("Dial after Close succeeded")
	}
}

// TestMemoryOptionErrors: what cannot work in memory is refused with the
// reason.
func TestMemoryOptionErrors(t *testing.T) {
	for _, c := range []struct {
		opts []mqtttest.Option
		want string
	}{
		{[]mqtttest.Option{mqtttest.WithoutTCP(), mqtttest.WithWebSocket()}, "WebSocket needs a socket"},
		{[]mqtttest.Option{mqtttest.WithoutTCP(), mqtttest.WithAddr("127.0.0.1:0")}, "WithAddr and WithoutTCP"},
	} {
		if _, err := mqtttest.Start(c.opts...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Start: %v, want an error that says %q", err, c.want)
		}
	}
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
	if _, err := b.DialTLS(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "WithTLS") {
		t.Errorf("DialTLS on a broker without TLS: %v, want an error that names WithTLS", err)
	}
}
