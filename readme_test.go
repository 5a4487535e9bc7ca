package testkit_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/assert/require"
	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// The Go snippets of README.md, verbatim, so that the compiler checks them:
// TestReadmeSnippets fails when a snippet is not in a readme*_test.go file.
// The quick start runs; the others, which stand for the middle of a test,
// are compiled and not run.

func TestThermostat(t *testing.T) {
	b := mqtttest.NewBroker(t)  // in-process, 127.0.0.1:0, closed by t.Cleanup
	startThermostat(t, b.URL()) // the code under test connects to "tcp://127.0.0.1:41234"
	rec := b.Recorder()
	assert.HandshakeCompleted(t, rec, "thermostat", "home/+/temp", assert.Payload("21.5"), 5*time.Second)
	assert.Retained(t, b, "home/kitchen/mode", assert.Payload("heat"))
}

// startThermostat stands for the code under test: a thermostat that keeps
// its mode retained and publishes the temperature at QoS 1.
func startThermostat(t *testing.T, url string) {
	t.Helper()
	c := connect(url, "thermostat")
	t.Cleanup(func() { c.Disconnect(1000) })
	c.Publish("home/kitchen/mode", 1, true, "heat").Wait()
	c.Publish("home/kitchen/temp", 1, false, "21.5")
}

func readmeAssert(t *testing.T, b *mqtttest.Broker) {
	rec := b.Recorder()
	assert.Received(t, rec, "dashboard", "home/+/temp", assert.Payload("21.5"), time.Second)
	require.SessionPresent(t, rec, "sensor-1")
	assert.ExactlyOnce(t, rec, "billing", "orders/42", assert.AnyPayload, time.Second)
}

func readmeFake(t *testing.T, b *mqtttest.Broker) {
	c := fake.Dial(t, b.Addr(), fake.Version(5)) // closed by t.Cleanup
	c.Connect(fake.Connect{ClientID: "sub", CleanStart: false, SessionExpiry: 60})
	c.Subscribe(2, "orders/#")
	c.CloseWhen(mqtttest.Type(mqtttest.TypePubrel)) // die in the middle of a QoS 2 flow: after PUBREC
	r := c.Expect(mqtttest.Publish("orders/+"))     // the recorder's matchers
	t.Log(r.Line())                                 // broker → sub  PUBLISH  q2 id=1  orders/7  "paid"
	c.ExpectClosed()

	raw := fake.Dial(t, b.Addr())
	raw.SendRaw([]byte{0x36, 0x00}) // QoS 3 before CONNECT: garbage on purpose
	raw.ExpectClosed()
}

// The snippets that are compiled, not run.
var _ = []any{readmeProxy, readmeAssert, readmeFake, readmeFaults, paho.NewClient}

// TestReadmeSnippets checks that every Go snippet of README.md is in one of
// the readme*_test.go files, line for line (leading spaces aside), so that
// it compiles.
func TestReadmeSnippets(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("readme*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var srcs [][]string // each file's lines: a snippet is in one of them
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, lines(string(b)))
	}
	fences := regexp.MustCompile("(?m)^```(\\S*)$").FindAllStringSubmatch(string(readme), -1)
	for _, f := range fences {
		switch f[1] {
		case "", "go", "sh":
		default:
			t.Errorf("README.md has a ```%s block: use go (compiled here), sh or a plain block", f[1])
		}
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("no ```go blocks in README.md")
	}
	for _, m := range blocks {
		want := lines(m[1])
		found := false
		for _, src := range srcs {
			found = found || containsRun(src, want)
		}
		if !found {
			t.Errorf("this README.md snippet is not in a readme*_test.go file, so nothing compiles it:\n%s", m[1])
		}
	}
}

// lines returns the lines of s with spaces around them trimmed, empty ones left out.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// containsRun reports whether want occurs in src as consecutive lines.
func containsRun(src, want []string) bool {
	for i := 0; i+len(want) <= len(src); i++ {
		j := 0
		for j < len(want) && src[i+j] == want[j] {
			j++
		}
		if j == len(want) {
			return true
		}
	}
	return false
}
