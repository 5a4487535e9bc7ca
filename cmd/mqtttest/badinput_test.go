package main

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"
)

// runOnce runs the command with args and a context that is already
// cancelled, so a command that would serve returns at once.
func runOnce(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb strings.Builder
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestBadInput checks that each kind of bad input exits with the right code
// and one line on standard error that says what is wrong.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badACL := dir + "/bad.acl"
	if err := os.WriteFile(badACL, []byte("# fine\nallow everything\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notPEM := dir + "/not.pem"
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	tests := []struct {
		name string
		args []string
		code int
		want string // in the error line
	}{
		{"no arguments", nil, exitUsage, "Usage:"},
		{"unknown command", []string{"serf"}, exitUsage, `unknown command "serf"`},
		{"unknown flag", []string{"serve", "--bogus"}, exitUsage, "-bogus"},
		{"flag without value", []string{"serve", "--addr"}, exitUsage, "-addr"},
		{"positional argument", []string{"serve", "extra"}, exitUsage, `unexpected argument "extra"`},
		{"missing ACL file", []string{"serve", "--acl", dir + "/nope.acl"}, exitUsage, "nope.acl"},
		{"bad ACL line", []string{"serve", "--acl", badACL}, exitUsage, "line 2"},
		{"missing TLS cert", []string{"serve", "--tls-cert", dir + "/nope.pem", "--tls-key", notPEM}, exitUsage, "nope.pem"},
		{"TLS cert without key", []string{"serve", "--tls-cert", notPEM}, exitUsage, "--tls-key"},
		{"bad TLS cert", []string{"serve", "--tls-cert", notPEM, "--tls-key", notPEM}, exitUsage, "not.pem"},
		{"TLS twice", []string{"serve", "--tls", "--tls-cert", notPEM, "--tls-key", notPEM}, exitUsage, "choose one"},
		{"transcript and quiet", []string{"serve", "--transcript", "--quiet"}, exitUsage, "--transcript and --quiet both given"},
		{"record in missing directory", []string{"serve", "--addr", "127.0.0.1:0", "--record", dir + "/no/such/rec.jsonl"}, exitUsage, "--record"},
		{"ready file in missing directory", []string{"serve", "--addr", "127.0.0.1:0", "--ready-file", dir + "/no/such/ready.json"}, exitUsage, "--ready-file"},
		{"port in use", []string{"serve", "--addr", busy.Addr().String()}, exitRuntime, busy.Addr().String()},
		{"port in use says why", []string{"serve", "--addr", busy.Addr().String()}, exitRuntime, "another process is listening on that port"},
		{"port out of range", []string{"serve", "--addr", "127.0.0.1:99999"}, exitUsage, "--addr 127.0.0.1:99999: port 99999 is out of range 0-65535"},
		{"negative port", []string{"serve", "--addr", "127.0.0.1:-1"}, exitUsage, "port -1 is out of range 0-65535"},
		{"empty port", []string{"serve", "--addr", "127.0.0.1:"}, exitUsage, "--addr 127.0.0.1:: no port"},
		{"unknown port name", []string{"serve", "--addr", "127.0.0.1:nosuchservice"}, exitUsage, `--addr 127.0.0.1:nosuchservice: unknown port "nosuchservice"`},
		{"not host:port", []string{"serve", "--addr", "localhost"}, exitUsage, "--addr localhost: not HOST:PORT"},
		{"unknown host", []string{"serve", "--addr", "nosuchhost.invalid:0"}, exitUsage, `--addr nosuchhost.invalid:0: cannot resolve host "nosuchhost.invalid"`},
		{"address of another machine", []string{"serve", "--addr", "192.0.2.1:0"}, exitUsage, "--addr 192.0.2.1:0: this machine has no such address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runOnce(t, tt.args...)
			if code != tt.code {
				t.Errorf("mqtttest %s: exit code %d, want %d; stderr: %s", strings.Join(tt.args, " "), code, tt.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout: got %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr: got %q, want it to mention %q", stderr, tt.want)
			}
			if tt.args != nil && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr: got %q, want exactly one line", stderr)
			}
		})
	}
}

// TestHelp checks that help goes to standard output and exits 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"--help"}, {"help", "serve"}, {"serve", "-h"}} {
		code, stdout, stderr := runOnce(t, args...)
		if code != exitOK || stderr != "" || !strings.Contains(stdout, "Usage:") {
			t.Errorf("mqtttest %s: got exit %d, stdout %q, stderr %q; want 0 and usage on stdout", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	if _, stdout, _ := runOnce(t, "help", "serve"); !strings.Contains(stdout, "--ready-file FILE") || !strings.Contains(stdout, "(default "+defaultAddr+")") {
		t.Errorf("help serve: got %q, want every flag with its default", stdout)
	}
}

// TestDefaultAddr checks that plain "mqtttest serve", the README's command,
// listens on the standard port on loopback. It does not bind that port,
// which may be in use on the machine running the tests.
func TestDefaultAddr(t *testing.T) {
	t.Parallel()
	c, err := parseArgs("serve", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:1883" {
		t.Errorf("default --addr: got %q, want 127.0.0.1:1883", c.addr)
	}
	if opts := c.options(io.Discard); len(opts) != 1 {
		t.Errorf("plain serve: got %d broker options, want only the address", len(opts))
	}
}
