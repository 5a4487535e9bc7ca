package main

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// boundListener is one open listener of serve: a name for messages, which
// says how to choose its address when a flag does, and the address it is
// bound to.
type boundListener struct {
	name string // "the MQTT listener (--addr)"
	addr string // "127.0.0.1:1883"
}

// boundListeners returns every listener of b that is open. A new listener
// (a control API, say) belongs here, so that it is checked by
// exposureWarning like the others.
func boundListeners(s server, b *mqtttest.Broker, c *control) []boundListener {
	ls := []boundListener{{"the MQTT listener (--addr)", s.Addr()}}
	if c != nil {
		ls = append(ls, boundListener{"the control API (--control)", c.ln.Addr().String()})
	}
	if b == nil { // a proxy: one listener
		return ls
	}
	if addr := b.TLSAddr(); addr != "" {
		ls = append(ls, boundListener{"the MQTT over TLS listener", addr})
	}
	if u := b.WSURL(); u != "" {
		ls = append(ls, boundListener{"the MQTT over WebSocket listener", strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/")})
	}
	return ls
}

// exposureWarning returns a one-line warning when the listener called name
// is bound to addr beyond loopback, so that other machines can connect to
// it, and "" when addr is on loopback: 127.0.0.0/8, ::1 or "localhost". An
// address it cannot read counts as beyond loopback.
func exposureWarning(name, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err == nil && isLoopback(host) {
		return ""
	}
	if err != nil {
		port = "PORT"
	}
	return fmt.Sprintf("warning: %s is bound to %s and reachable from other machines; to keep it on loopback, give 127.0.0.1:%s (or [::1]:%s)", name, addr, port, port)
}

// isLoopback reports whether host, an IP address without brackets or a
// name, is on loopback.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
