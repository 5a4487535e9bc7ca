package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestTranscriptOnATerminal: serve with no --transcript prints a line per
// packet when its standard output is a terminal (here a pseudo-terminal
// that util-linux's script opens), as the README's first command shows a
// newcomer; --quiet turns it off. (With standard output a pipe, as in the
// other tests, it prints only its listening line.)
func TestTranscriptOnATerminal(t *testing.T) {
	t.Parallel()
	scriptPath := lookPath(t, "script", "bsdutils")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, quiet := range []bool{false, true} {
		dir := t.TempDir()
		ready := filepath.Join(dir, "ready.json")
		line := exe + " serve --addr 127.0.0.1:0 --ready-file " + ready
		if quiet {
			line += " --quiet"
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		cmd := exec.CommandContext(ctx, scriptPath, "-qfec", line, "/dev/null")
		cmd.Env = append(os.Environ(), runMainEnv+"=1", "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		out.waitFor(t, "mqtttest: listening on tcp://")
		ri := readReady(t, ready)
		c := connectPaho(t, ri.URL, "at-a-terminal", nil)
		waitToken(t, c.Publish("tty/t", 1, false, "seen"), "publish")
		c.Disconnect(250)
		if !quiet {
			out.waitFor(t, "at-a-terminal → broker  PUBLISH  q1")
		}
		if err := syscall.Kill(ri.PID, syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve under script: %v; output:\n%s", err, out)
		}
		cancel()
		if quiet && strings.Contains(out.String(), "PUBLISH") {
			t.Errorf("serve --quiet printed a transcript on a terminal:\n%s", out)
		}
	}
}
