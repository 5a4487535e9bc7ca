//go:build unix

package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSignal runs the real command (this test binary re-run as main) with
// --record and --transcript, checks that records reach the file while it
// runs, then sends SIGTERM and checks that it exits 0 with every record,
// including the closes the shutdown made, in the file.
func TestSignal(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	record, ready := filepath.Join(dir, "rec.jsonl"), filepath.Join(dir, "ready.json")
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "serve", "--addr", "127.0.0.1:0", "--record", record, "--ready-file", ready, "--transcript")
	// A binary built with -race waits a second at exit unless told not to.
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "GORACE="+os.Getenv("GORACE")+" atexit_sleep_ms=0")
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cancel()
			_ = cmd.Wait()
		}
	}()

	stdout.waitFor(t, "mqtttest: listening on tcp://")
	ri := readReady(t, ready)
	if ri.PID != cmd.Process.Pid {
		t.Errorf("ready file: got pid %d, want %d", ri.PID, cmd.Process.Pid)
	}
	c := connectPaho(t, ri.URL, "signalled", nil)
	waitToken(t, c.Publish("sig/t", 1, false, "before the signal"), "publish")

	// The record file is flushed before the transcript, so once the
	// transcript shows the PUBACK, the file must hold it: records are
	// streamed, not written at exit.
	stdout.waitFor(t, "broker → signalled  PUBACK")
	if types := recordTypes(readJSONL(t, record)); !strings.Contains(types, "PUBLISH PUBACK") {
		t.Errorf("record file before the signal: got %s, want the PUBLISH and PUBACK already written", types)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waited = true
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v (want exit 0); stderr: %s", err, stderr)
	}
	lines := readJSONL(t, record)
	if last := lines[len(lines)-1]; last["event"] != "close" || last["client_id"] != "signalled" {
		t.Errorf("last record: got %v, want the close of the client still connected at the signal", last)
	}
	if _, err := os.Stat(ready); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ready file still there after exit: %v", err)
	}
}

// recordTypes lists the packet types of JSON Lines records, in order.
func recordTypes(lines []map[string]any) string {
	var types []string
	for _, l := range lines {
		if typ, ok := l["type"].(string); ok {
			types = append(types, typ)
		}
	}
	return strings.Join(types, " ")
}
