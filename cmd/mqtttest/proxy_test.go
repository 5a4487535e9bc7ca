package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/internal/mosquittotest"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestProxyInFrontOfMosquitto runs "mqtttest proxy" in front of Debian's
// mosquitto, with --record and --control: a paho client publishes through
// it, a fault installed over the API acts on the relayed traffic, and the
// recording holds both directions. What only a broker of mqtttest's own
// can do is refused with 501.
func TestProxyInFrontOfMosquitto(t *testing.T) {
	t.Parallel()
	upstream := mosquittotest.Start(t)
	s := startServe(t, "proxy", "--upstream", upstream, "--addr", "127.0.0.1:0", "--control", "127.0.0.1:0",
		"--record", "{dir}/rec.jsonl", "--ready-file", "{dir}/ready.json")
	ri := readReady(t, s.path("ready.json"))
	if ri.Upstream != upstream || ri.Control == "" || ri.URL != s.srv.URL() {
		t.Fatalf("ready file: %+v, want upstream %s, the proxy's URL and a control URL", ri, upstream)
	}
	a := &api{t: t, url: ri.Control}
	a.want(http.StatusCreated, "POST", "/faults", map[string]any{
		"match": map[string]any{"client": "via-proxy", "type": "PUBACK"}, "action": "delay", "delay": "20ms", "times": 1,
	})
	c := connectPaho(t, ri.URL, "via-proxy", nil)
	waitToken(t, c.Publish("relay/1", 1, false, "through"), "publish through the proxy")
	ack := s.wait(mqtttest.Type(mqtttest.TypePuback), mqtttest.ClientID("via-proxy"))
	if ack.Fault != "delayed 20ms" || ack.Listener != "proxy" {
		t.Errorf("the PUBACK from mosquitto: %s on %q, want it delayed by the fault, on the proxy", ack.Line(), ack.Listener)
	}
	for _, path := range []string{"/clients", "/retained?topic=relay/1"} {
		if status, out := a.do("GET", path, nil); status != http.StatusNotImplemented || !strings.Contains(string(out), "proxy") {
			t.Errorf("GET %s on a proxy: %d %s, want 501 saying why", path, status, out)
		}
	}
	if status, _ := a.do("POST", "/restart?sessions=keep", nil); status != http.StatusNotImplemented {
		t.Errorf("POST /restart on a proxy: %d, want 501", status)
	}
	c.Disconnect(250)
	s.wait(mqtttest.Closed(), mqtttest.ClientID("via-proxy"))
	if code := s.stop(); code != exitOK {
		t.Fatalf("proxy exit code %d; stderr: %s", code, s.stderr)
	}
	if types := recordTypes(readJSONL(t, s.path("rec.jsonl"))); !strings.Contains(types, "CONNECT CONNACK PUBLISH PUBACK") {
		t.Errorf("the record file holds %s, want the relayed flow", types)
	}
}

// TestProxyBadInput: proxy needs --upstream, as HOST:PORT, and refuses the
// flags about a broker of its own.
func TestProxyBadInput(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, "no --upstream"},
		{[]string{"proxy", "--upstream", "localhost"}, "not HOST:PORT"},
		{[]string{"proxy", "--upstream", "127.0.0.1:0"}, `port "0" is not 1-65535`},
		{[]string{"proxy", "--upstream", "127.0.0.1:1883", "--tls"}, "-tls"},
	} {
		code, stdout, stderr := runOnce(t, c.args...)
		if code != exitUsage || stdout != "" || !strings.Contains(stderr, c.want) || !strings.HasPrefix(stderr, "mqtttest proxy: ") {
			t.Errorf("mqtttest %s: exit %d, stderr %q; want 2 and one line with %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
}
