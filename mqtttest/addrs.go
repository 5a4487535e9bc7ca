package mqtttest

import "crypto/tls"

// Where clients connect: the addresses of the broker's listeners, and what
// a TLS client needs to trust it. Connections in memory are in memory.go.

// Addr returns the TCP address, e.g. "127.0.0.1:41234", or "" with
// WithoutTCP.
func (b *Broker) Addr() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return addrOf(b.tcp)
}

// URL returns the TCP address as a URL, e.g. "tcp://127.0.0.1:41234", the
// form paho.mqtt.golang and most other clients accept, or "" with
// WithoutTCP.
func (b *Broker) URL() string {
	if addr := b.Addr(); addr != "" {
		return "tcp://" + addr
	}
	return ""
}

// WSURL returns the WebSocket URL, e.g. "ws://127.0.0.1:41235/", or "" when
// WithWebSocket was not given.
func (b *Broker) WSURL() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.wsL == nil {
		return ""
	}
	return "ws://" + b.wsL.Address() + "/"
}

// TLSAddr returns the TLS listener's address, or "" without WithTLS or WithTLSFiles.
func (b *Broker) TLSAddr() string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.tlsL == nil {
		return ""
	}
	return b.tlsL.Address()
}

// TLSURL returns the TLS listener's address as a URL, e.g.
// "tls://127.0.0.1:41236", or "" without WithTLS or WithTLSFiles.
func (b *Broker) TLSURL() string {
	if addr := b.TLSAddr(); addr != "" {
		return "tls://" + addr
	}
	return ""
}

// TLSConfig returns a client TLS configuration that trusts the broker's
// generated CA, or nil unless WithTLS was given. Each call returns a new
// configuration, which the caller may change.
func (b *Broker) TLSConfig() *tls.Config {
	if b.ca == nil {
		return nil
	}
	return &tls.Config{RootCAs: b.ca.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// CAPEM returns the generated CA certificate in PEM form, for clients that
// read a CA file (mosquitto_sub --cafile, Python's tls_set), or nil unless
// WithTLS was given.
func (b *Broker) CAPEM() []byte {
	if b.ca == nil {
		return nil
	}
	return append([]byte(nil), b.ca.caPEM...)
}
