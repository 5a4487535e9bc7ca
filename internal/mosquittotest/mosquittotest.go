// Package mosquittotest runs Debian's mosquitto broker for the tests of
// this module that put mqtttest in front of another broker (the proxy).
package mosquittotest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitLimit bounds how long Start waits for mosquitto to be ready.
const waitLimit = 10 * time.Second

// Start is StartWith with no extra configuration.
func Start(t testing.TB) string { return StartWith(t, "") }

// StartWith runs the Debian mosquitto broker on a free loopback port
// with a generated configuration, stopped at cleanup, and returns its
// address; extra is appended to the configuration (a bridge, say).
// Without the binary the test is skipped, except in CI (CI set),
// where .ci/run installs it and its absence is a failure.
func StartWith(t testing.TB, extra string) string {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto" // root's PATH has /usr/sbin; others may not
		if _, err := os.Stat(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("mosquitto is not installed, and CI is set: .ci/run should have installed it")
			}
			t.Skip("mosquitto is not installed (apt-get install mosquitto)")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := filepath.Join(t.TempDir(), "mosquitto.conf")
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\n%s", port, extra)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", conf)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	ready := make(chan struct{})
	drained := make(chan struct{})
	var log strings.Builder
	go func() {
		defer close(drained)
		started := false
		sc := bufio.NewScanner(stderr)
		for sc.Scan() { // read to the end, so mosquitto never blocks on a full pipe
			if line := sc.Text(); !started {
				log.WriteString(line + "\n")
				if strings.Contains(line, " running") {
					started = true
					close(ready)
				}
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-drained
		cmd.Wait()
	})
	select {
	case <-ready:
	case <-drained: // log is the scanner's no more
		t.Fatalf("mosquitto exited before it was ready:\n%s", log.String())
	case <-time.After(waitLimit):
		t.Fatalf("mosquitto not ready after %v", waitLimit)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}
