package main

import (
	"strings"
	"testing"
)

// TestWarnBeyondLoopback checks that serve warns, in one line on standard
// error, when its MQTT listener is bound beyond loopback, and says nothing
// for loopback addresses, with every listener on.
func TestWarnBeyondLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want []string // in the one warning line; none for no warning
	}{
		// Go binds 0.0.0.0 dual-stack where it can, and then says [::].
		{"0.0.0.0:0", []string{"warning: the MQTT listener (--addr) is bound to ", "reachable from other machines", "to keep it on loopback, give 127.0.0.1:"}},
		{":0", []string{"warning: the MQTT listener (--addr) is bound to ", "reachable from other machines", "to keep it on loopback, give 127.0.0.1:"}},
		{"127.0.0.1:0", nil},
		{"localhost:0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runOnce(t, "serve", "--addr", tt.addr, "--ws", "--tls")
			if code != exitOK || !strings.HasPrefix(stdout, "mqtttest: listening on ") {
				t.Fatalf("serve --addr %s: exit %d, stdout %q, stderr %q; want 0 and the ready line", tt.addr, code, stdout, stderr)
			}
			if tt.want == nil {
				if stderr != "" {
					t.Errorf("serve --addr %s: stderr %q, want nothing on loopback", tt.addr, stderr)
				}
				return
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "mqtttest serve: ") {
				t.Errorf("serve --addr %s: stderr %q, want one line starting \"mqtttest serve: \"", tt.addr, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("serve --addr %s: stderr %q, want it to say %q", tt.addr, stderr, w)
				}
			}
		})
	}
}

// TestExposureWarning checks the check every listener goes through: loopback
// addresses (127.0.0.0/8, ::1, localhost) give no warning, others one that
// names the listener and its address and says how to stay on loopback.
func TestExposureWarning(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"127.0.0.1:1883", "127.9.8.7:1", "[::1]:1883", "localhost:1883", "[::ffff:127.0.0.1]:1883"} {
		if w := exposureWarning("the test listener", addr); w != "" {
			t.Errorf("exposureWarning(%q): got %q, want none for loopback", addr, w)
		}
	}
	for _, addr := range []string{"0.0.0.0:1883", "[::]:1883", "192.168.1.20:1883", "[2001:db8::1]:1883", "[fe80::1%eth0]:1883", "example.com:1883", "nonsense"} {
		w := exposureWarning("the test listener", addr)
		if !strings.Contains(w, "the test listener") || !strings.Contains(w, addr) || !strings.Contains(w, "reachable from other machines") || !strings.Contains(w, "loopback") {
			t.Errorf("exposureWarning(%q): got %q, want the listener, the address, that other machines reach it, and how to stay on loopback", addr, w)
		}
	}
}
