package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"go.uber.org/goleak"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// runMainEnv, set to "1", makes the test binary run main instead of the
// tests, so TestSignal can run the real command in a child process.
const runMainEnv = "MQTTTEST_CMD_RUN_MAIN"

// TestMain checks that no test leaves a goroutine behind, or runs main when
// TestSignal starts this binary as the command.
func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// waitLimit bounds every wait in these tests, so a bug fails a test instead
// of hanging the run.
const waitLimit = 10 * time.Second

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent
// readers, which can wait for text to be written.
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed on the next Write; nil when nobody waits
}

// Write appends p and wakes waitFor.
func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.changed != nil {
		close(b.changed)
		b.changed = nil
	}
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the buffer holds text, failing the test after
// waitLimit.
func (b *lockedBuffer) waitFor(t *testing.T, text string) {
	t.Helper()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	for {
		b.mu.Lock()
		if strings.Contains(b.buf.String(), text) {
			b.mu.Unlock()
			return
		}
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("waited %v for %q in:\n%s", waitLimit, text, b.String())
		}
	}
}

// served is the command running in this process, for one test.
type served struct {
	t      *testing.T
	srv    server           // what runs: the broker, or the proxy
	broker *mqtttest.Broker // the broker; nil for a proxy
	dir    string           // a temporary directory for the test's files
	stdout *lockedBuffer
	stderr *lockedBuffer
	cancel context.CancelFunc
	done   chan int // receives the exit code
	once   sync.Once
	code   int
}

// startServe runs "mqtttest serve args..." in-process and returns once it
// is ready. (With "proxy" as the first argument, it runs the proxy.) Arguments may use {dir} for the test's temporary directory.
// The command is stopped at the end of the test, if the test has not
// stopped it.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	s := &served{t: t, dir: t.TempDir(), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan int, 1)}
	if len(args) == 0 || args[0] != "proxy" {
		args = append([]string{"serve"}, args...)
	}
	for i := range args {
		args[i] = strings.ReplaceAll(args[i], "{dir}", s.dir)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	ready := make(chan server, 1)
	go func() {
		s.done <- runWith(ctx, args, s.stdout, s.stderr, hooks{ready: func(srv server) { ready <- srv }})
	}()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	select {
	case s.srv = <-ready:
		s.broker, _ = s.srv.(*mqtttest.Broker)
	case code := <-s.done:
		cancel()
		t.Fatalf("mqtttest %s: exited with %d before it was ready; stderr: %s", strings.Join(args, " "), code, s.stderr)
	case <-timer.C:
		s.stop()
		t.Fatalf("mqtttest %s: not ready after %v; stderr: %s", strings.Join(args, " "), waitLimit, s.stderr)
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// stop cancels the command's context, as SIGINT would, and returns its exit
// code. Later calls return the same code.
func (s *served) stop() int {
	s.t.Helper()
	s.once.Do(func() {
		s.cancel()
		timer := time.NewTimer(waitLimit)
		defer timer.Stop()
		select {
		case s.code = <-s.done:
		case <-timer.C:
			s.t.Fatalf("mqtttest serve: still running %v after its context was cancelled", waitLimit)
		}
	})
	return s.code
}

// port returns the port the broker (or proxy) listens on, for clients that
// take host and port apart (mosquitto_pub, Python paho).
func (s *served) port() string {
	s.t.Helper()
	_, port, err := net.SplitHostPort(s.srv.Addr())
	if err != nil {
		s.t.Fatal(err)
	}
	return port
}

// path returns the name of a file in the test's directory.
func (s *served) path(name string) string { return filepath.Join(s.dir, name) }

// wait waits for a record matching m, failing the test after waitLimit.
func (s *served) wait(m ...mqtttest.Matcher) mqtttest.Record {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	r, err := s.srv.Recorder().WaitFor(ctx, m...)
	if err != nil {
		s.t.Fatal(err)
	}
	return r
}

// readReady reads the ready file at name.
func readReady(t *testing.T, name string) readyInfo {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("ready file: %v", err)
	}
	var ri readyInfo
	if err := json.Unmarshal(data, &ri); err != nil {
		t.Fatalf("ready file %s is not JSON: %v\n%s", name, err, data)
	}
	return ri
}

// readJSONL reads a --record file and decodes each line as a JSON object.
func readJSONL(t *testing.T, name string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s line %d is not JSON: %v\n%s", name, i+1, err, line)
		}
		out = append(out, m)
	}
	return out
}

// connectPaho connects a paho.mqtt.golang client to url, with tlsc for
// tls:// URLs, and disconnects it at the end of the test.
func connectPaho(t *testing.T, url, clientID string, tlsc *tls.Config) mqtt.Client {
	t.Helper()
	o := mqtt.NewClientOptions().AddBroker(url).SetClientID(clientID).
		SetAutoReconnect(false).SetConnectTimeout(waitLimit).SetTLSConfig(tlsc)
	c := mqtt.NewClient(o)
	waitToken(t, c.Connect(), "connect to "+url)
	t.Cleanup(func() {
		if c.IsConnectionOpen() {
			c.Disconnect(50)
		}
	})
	return c
}

// waitToken waits for a paho token and fails the test on error or timeout.
func waitToken(t *testing.T, tok mqtt.Token, what string) {
	t.Helper()
	if !tok.WaitTimeout(waitLimit) {
		t.Fatalf("%s: no answer in %v", what, waitLimit)
	}
	if err := tok.Error(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// needExternal skips the test when a program it drives is missing, or, in
// CI (the CI environment variable is set), fails it: CI must run it.
func needExternal(t *testing.T, what string, err error, install string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("%s is not available (%v): install it with %q", what, err, install)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// lookPath finds an external program, or skips or fails as needExternal says.
func lookPath(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	needExternal(t, name, err, "apt-get install -y "+pkg)
	return p
}
