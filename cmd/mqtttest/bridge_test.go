package main

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/internal/mosquittotest"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestProxiesInFrontOfBridgedMosquittos is the model for a cluster: two
// Debian mosquitto brokers bridged to each other (the smallest multi-broker
// setup), one "mqtttest proxy" in front of each, clients connected through
// the proxies. A message published on one broker reaches a subscriber on
// the other; while the proxy of the subscriber's broker is partitioned
// over its control API, the message the bridge brings is recorded there as
// held by the partition and never delivered; after heal, the next one is.
func TestProxiesInFrontOfBridgedMosquittos(t *testing.T) {
	t.Parallel()
	brokerA := mosquittotest.Start(t)
	brokerB := mosquittotest.StartWith(t, fmt.Sprintf("connection bridge-to-a\naddress %s\nremote_clientid bridge-b\ntopic cluster/# both 1\n", brokerA))
	proxyA := startServe(t, "proxy", "--upstream", brokerA, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--ready-file", "{dir}/ready.json")
	proxyB := startServe(t, "proxy", "--upstream", brokerB, "--addr", "127.0.0.1:0")
	controlA := &api{t: t, url: readReady(t, proxyA.path("ready.json")).Control}

	got := make(chan mqtt.Message, 16)
	subA := connectPaho(t, proxyA.srv.URL(), "sub-a", nil)
	waitToken(t, subA.Subscribe("cluster/#", 1, func(_ mqtt.Client, m mqtt.Message) { got <- m }), "subscribe on broker A")
	pubB := connectPaho(t, proxyB.srv.URL(), "pub-b", nil)
	bridged := make(chan struct{}, 1)
	waitToken(t, pubB.Subscribe("$SYS/broker/connection/bridge-b/state", 1, func(_ mqtt.Client, m mqtt.Message) {
		if string(m.Payload()) == "1" {
			select {
			case bridged <- struct{}{}:
			default:
			}
		}
	}), "subscribe to the bridge's state on broker B")
	select {
	case <-bridged:
	case <-time.After(waitLimit):
		t.Fatal("broker B's bridge to broker A did not come up")
	}
	receiveOn := func(topic string) {
		t.Helper()
		select {
		case m := <-got:
			if m.Topic() != topic {
				t.Fatalf("sub-a received %s, want %s", m.Topic(), topic)
			}
		case <-time.After(waitLimit):
			t.Fatalf("sub-a did not receive %s across the bridge:\nproxy A:\n%s\nproxy B:\n%s", topic, proxyA.srv.Recorder().Transcript(), proxyB.srv.Recorder().Transcript())
		}
	}

	waitToken(t, pubB.Publish("cluster/1", 1, false, "across"), "publish on broker B")
	receiveOn("cluster/1")

	controlA.want(http.StatusNoContent, "POST", "/partition", nil)
	waitToken(t, pubB.Publish("cluster/2", 1, false, "into the partition"), "publish on broker B while A is partitioned")
	held := proxyA.wait(mqtttest.Publish("cluster/2"), mqtttest.ClientID("sub-a"), mqtttest.Dir(mqtttest.ToClient))
	if !held.Withheld {
		t.Fatalf("broker A's delivery during the partition: %s, want it held by the partition", held.Line())
	}
	controlA.want(http.StatusNoContent, "POST", "/heal", nil)
	waitToken(t, pubB.Publish("cluster/3", 1, false, "healed"), "publish on broker B after heal")
	receiveOn("cluster/3") // and not cluster/2: the partition lost it, as a real one would
}
