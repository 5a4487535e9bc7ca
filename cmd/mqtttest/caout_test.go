package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCAOut: --ca-out puts the generated CA where it says (and not next to
// the ready file); a TLS client that trusts it connects; it is removed at
// exit.
func TestCAOut(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--addr", "127.0.0.1:0", "--tls", "--ca-out", "{dir}/pipeline-ca.pem", "--ready-file", "{dir}/ready.json")
	ri := readReady(t, s.path("ready.json"))
	if ri.CAFile != s.path("pipeline-ca.pem") {
		t.Fatalf("ready file: ca_file %q, want %q", ri.CAFile, s.path("pipeline-ca.pem"))
	}
	if _, err := os.Stat(s.path("ready-ca.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a CA next to the ready file too: %v", err)
	}
	ca, err := os.ReadFile(ri.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("--ca-out %s holds no PEM certificate", ri.CAFile)
	}
	c := connectPaho(t, ri.TLSURL, "trusting", &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	c.Disconnect(50)
	if code := s.stop(); code != exitOK {
		t.Fatalf("exit code %d; stderr: %s", code, s.stderr)
	}
	if _, err := os.Stat(ri.CAFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("--ca-out file still there after exit: %v", err)
	}
}

// TestCAOutRefusals: --ca-out needs --tls, and never replaces a file that
// is not a CA an earlier run wrote.
func TestCAOutRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.pem")
	if err := os.WriteFile(mine, []byte("my own notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--ca-out", filepath.Join(dir, "ca.pem")}, "--ca-out without --tls"},
		{[]string{"serve", "--tls", "--ca-out", mine}, "was not written by mqtttest"},
		{[]string{"serve", "--tls", "--ca-out", filepath.Join(dir, "no", "ca.pem")}, "does not exist"},
	} {
		code, _, stderr := runOnce(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("mqtttest %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
	if data, err := os.ReadFile(mine); err != nil || string(data) != "my own notes\n" {
		t.Errorf("a file --ca-out refused was changed: %q, %v", data, err)
	}
}
