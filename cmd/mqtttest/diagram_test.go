package main

import (
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// diagramRecording records, in virtual time, what a diagram should show: a
// subscriber and a paho client that publishes, a PUBACK a fault drops, ten
// minutes of pings (a run to fold), and closes; and writes it to a file.
func diagramRecording(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "rec.jsonl")
	synctest.Test(t, func(t *testing.T) {
		b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
		sub := fake.New(t, b.Conn(t))
		sub.Connect(fake.Connect{ClientID: "dashboard", CleanStart: true})
		sub.Subscribe(1, "home/#")
		if _, err := b.Inject(mqtttest.Drop(mqtttest.ClientID("thermostat"), mqtttest.Type(mqtttest.TypePuback)).Times(1)); err != nil {
			t.Fatal(err)
		}
		opts := paho.NewClientOptions().AddBroker("tcp://unused:1883").SetClientID("thermostat").SetKeepAlive(time.Minute).
			SetAutoReconnect(false).SetCustomOpenConnectionFn(func(*url.URL, paho.ClientOptions) (net.Conn, error) { return b.Dial(context.Background()) })
		c := paho.NewClient(opts)
		if tok := c.Connect(); !tok.Wait() || tok.Error() != nil {
			t.Fatal(tok.Error())
		}
		c.Publish("home/kitchen/temp", 1, false, "21.5")
		time.Sleep(10*time.Minute + 30*time.Second) // virtual: ten keepalive pings
		c.Disconnect(1000)
		if err := b.WaitOffline("thermostat", time.Minute); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := b.Recorder().WriteJSONL(f); err != nil {
			t.Fatal(err)
		}
	})
	return name
}

// runDiagram runs "mqtttest diagram" with args and returns its exit code
// and output.
func runDiagram(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := runWith(context.Background(), append([]string{"diagram"}, args...), &stdout, &stderr, hooks{})
	return code, stdout.String(), stderr.String()
}

// TestDiagram: the diagram has a lifeline per client and the broker, an
// arrow per packet, a crossed one for the PUBACK the fault dropped, the
// pings folded into a note, and the closes as notes; --max leaves the rest
// out with a note; and the real Mermaid renders it (mmdc, when installed:
// CI installs it).
func TestDiagram(t *testing.T) {
	t.Parallel()
	file := diagramRecording(t)
	code, out, errOut := runDiagram(t, file)
	if code != exitOK || errOut != "" {
		t.Fatalf("diagram: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{
		"sequenceDiagram\n    participant broker as broker\n",
		"participant p1 as dashboard\n",
		"participant p2 as thermostat\n",
		"p2->>broker: PUBLISH  q1 id=1  home/kitchen/temp  \"21.5\"",
		"broker-xp2: PUBACK  id=1  [dropped]",
		"broker->>p1: PUBLISH  q1 id=1  home/kitchen/temp  \"21.5\"",
		"p2->>broker: PINGREQ\n    broker->>p2: PINGRESP\n    p2->>broker: PINGREQ\n    Note over p2,broker: … 17 more, in turn: PINGRESP, PINGREQ\n", // 10 pings: 3 drawn, 17 folded
		"Note over p2: thermostat  closed by client: client sent DISCONNECT",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the diagram has no %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "participant p2 "); n != 1 {
		t.Errorf("thermostat declared %d times", n)
	}
	code, short, _ := runDiagram(t, "--max", "3", file)
	if code != exitOK || !strings.Contains(short, "… 29 more records not drawn") || strings.Count(short, ">>") != 3 || strings.Contains(short, "thermostat") {
		t.Errorf("diagram --max 3:\n%s", short)
	}
	if code, _, errOut := runDiagram(t, "--max", "0", file); code != exitUsage || !strings.Contains(errOut, "--max 0") {
		t.Errorf("diagram --max 0: exit %d, %q", code, errOut)
	}
	renderMermaid(t, out)
}

// renderMermaid renders a diagram with the real Mermaid (mermaid-cli's mmdc,
// driving Debian's chromium), failing on a diagram it refuses. Without mmdc
// the check is skipped, except in CI, where .ci/run installs it.
func renderMermaid(t *testing.T, diagram string) {
	t.Helper()
	mmdc, err := exec.LookPath("mmdc")
	if err != nil {
		needExternal(t, "mmdc (@mermaid-js/mermaid-cli)", err, "PUPPETEER_SKIP_DOWNLOAD=1 npm install -g @mermaid-js/mermaid-cli, and apt-get install -y chromium")
	}
	dir := t.TempDir()
	in, out, conf := filepath.Join(dir, "d.mmd"), filepath.Join(dir, "d.svg"), filepath.Join(dir, "puppeteer.json")
	if err := os.WriteFile(in, []byte(diagram), 0o644); err != nil {
		t.Fatal(err)
	}
	browser := `{"executablePath": "/usr/bin/chromium", "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]}`
	if err := os.WriteFile(conf, []byte(browser), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if msg, err := exec.CommandContext(ctx, mmdc, "-p", conf, "-i", in, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("mmdc refused the diagram: %v\n%s\ndiagram:\n%s", err, msg, diagram)
	}
	svg, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(svg), "thermostat") || !strings.Contains(string(svg), "PINGREQ") {
		t.Fatalf("mmdc wrote no diagram with the lifelines and arrows (%v): %.300s", err, svg)
	}
}
