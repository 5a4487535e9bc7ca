package memdial_test

import (
	"context"
	"crypto/tls"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	pahomqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/mqtttest/memdial"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestPaho: a paho.mqtt.golang client connects with memdial.Paho to a
// broker with no TCP listener, publishes and receives.
func TestPaho(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
	opts := pahomqtt.NewClientOptions().AddBroker("tcp://unused:1883").SetClientID("p3").
		SetCustomOpenConnectionFn(memdial.Paho(b))
	c := pahomqtt.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(1000)
	got := make(chan string, 1)
	if tok := c.Subscribe("p/#", 1, func(_ pahomqtt.Client, m pahomqtt.Message) { got <- string(m.Payload()) }); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	if tok := c.Publish("p/1", 1, false, "hello"); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	select {
	case p := <-got:
		if p != "hello" {
			t.Fatalf("received %q, want \"hello\"", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the message did not come back")
	}
	if rs := b.Recorder().Find(mqtttest.ClientID("p3"), mqtttest.Type(mqtttest.TypeConnect)); len(rs) != 1 || rs[0].Listener != "memory" {
		t.Fatalf("want one CONNECT on the listener \"memory\", got:\n%s", b.Recorder().Transcript())
	}
}

// TestAutoPahoAcrossRestart: an autopaho client connects with
// memdial.AutoPaho, and after Broker.Restart it connects again through the
// same dialer, with no port.
func TestAutoPahoAcrossRestart(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u, _ := url.Parse("mqtt://unused:1883")
	cm, err := autopaho.NewConnection(ctx, autopaho.ClientConfig{
		ServerUrls: []*url.URL{u}, KeepAlive: 30, CleanStartOnInitialConnection: true,
		ReconnectBackoff:  autopaho.NewConstantBackoff(10 * time.Millisecond),
		AttemptConnection: memdial.AutoPaho(b),
		ClientConfig:      paho.ClientConfig{ClientID: "auto"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cm.Disconnect(ctx)
		<-cm.Done()
	}()
	if err := cm.AwaitConnection(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Restart(false); err != nil {
		t.Fatal(err)
	}
	rs, err := b.Recorder().WaitForN(ctx, 2, mqtttest.ClientID("auto"), mqtttest.Type(mqtttest.TypeConnack))
	if err != nil {
		t.Fatalf("autopaho did not connect again after Restart: %v\n%s", err, b.Recorder().Transcript())
	}
	if rs[1].Listener != "memory" {
		t.Errorf("the second connection is on %q, want \"memory\"", rs[1].Listener)
	}
}

// TestPahoTLS: with a tls:// broker URL, memdial.Paho connects over TLS in
// memory with the client's TLSConfig; a configuration that does not trust
// the broker's CA is refused.
func TestPahoTLS(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP(), mqtttest.WithTLS())
	connect := func(id string, cfg *tls.Config) error {
		opts := pahomqtt.NewClientOptions().AddBroker("tls://unused:8883").SetClientID(id).
			SetTLSConfig(cfg).SetConnectTimeout(10 * time.Second).SetCustomOpenConnectionFn(memdial.Paho(b))
		c := pahomqtt.NewClient(opts)
		tok := c.Connect()
		if !tok.WaitTimeout(10 * time.Second) {
			t.Fatalf("connect %s: no answer", id)
		}
		if tok.Error() == nil {
			c.Disconnect(1000)
		}
		return tok.Error()
	}
	if err := connect("trusting", b.TLSConfig()); err != nil {
		t.Fatalf("a client that trusts the CA could not connect: %v", err)
	}
	if rs := b.Recorder().Find(mqtttest.ClientID("trusting"), mqtttest.Type(mqtttest.TypeConnack)); len(rs) != 1 || rs[0].Listener != "memory-tls" {
		t.Fatalf("want one CONNACK on the listener \"memory-tls\", got:\n%s", b.Recorder().Transcript())
	}
	if err := connect("wary", &tls.Config{ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a client that does not trust the CA: %v, want a certificate error", err)
	}
}
