package mqtttest

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Option configures a Broker. Options are made by the With... functions.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// config is what the options set; buildOptions fills in the defaults.
type config struct {
	addr           string
	webSocket      bool
	tls            bool
	certFile       string
	keyFile        string
	users          map[string]string
	acl            []ACLRule
	logger         *slog.Logger
	testLogs       bool
	recordLimit    int
	connectTimeout time.Duration
	maxPacketSize  uint32
}

func buildOptions(opts []Option) (*config, error) {
	c := &config{addr: "127.0.0.1:0", connectTimeout: 10 * time.Second}
	var errs []error
	for _, o := range opts {
		if o == nil {
			errs = append(errs, errors.New("nil Option"))
			continue
		}
		if err := o.apply(c); err != nil {
			errs = append(errs, err)
		}
	}
	if c.logger != nil && c.testLogs {
		errs = append(errs, errors.New("WithLogger and WithLogs both given: choose one"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("mqtttest: bad options: %w", err)
	}
	return c, nil
}

// WithAddr sets the TCP address to listen on (default "127.0.0.1:0": a free
// port on loopback).
func WithAddr(addr string) Option {
	return optionFunc(func(c *config) error {
		if addr == "" {
			return errors.New("WithAddr: empty address (use 127.0.0.1:0 for a free port)")
		}
		c.addr = addr
		return nil
	})
}

// WithWebSocket adds an MQTT-over-WebSocket listener on its own free
// loopback port; Broker.WSURL returns its address.
func WithWebSocket() Option {
	return optionFunc(func(c *config) error { c.webSocket = true; return nil })
}

// WithTLS adds a TLS listener on its own free loopback port, with a
// certificate for 127.0.0.1 and localhost signed by a CA generated at start.
// Broker.TLSURL returns its address, Broker.TLSConfig a client configuration
// that trusts the CA, and Broker.CAPEM the CA for other clients.
func WithTLS() Option {
	return optionFunc(func(c *config) error {
		if c.certFile != "" {
			return errors.New("WithTLS and WithTLSFiles both given: choose one")
		}
		c.tls = true
		return nil
	})
}

// WithTLSFiles adds a TLS listener like WithTLS, but with the server
// certificate and key read from PEM files. Broker.TLSConfig and CAPEM are
// then empty: the caller knows which CA signed the certificate.
func WithTLSFiles(certFile, keyFile string) Option {
	return optionFunc(func(c *config) error {
		if c.tls {
			return errors.New("WithTLS and WithTLSFiles both given: choose one")
		}
		if certFile == "" || keyFile == "" {
			return errors.New("WithTLSFiles: both a certificate file and a key file are needed")
		}
		c.certFile, c.keyFile = certFile, keyFile
		return nil
	})
}

// WithAuth accepts only clients that connect with one of these usernames and
// its password. Others are refused: v5 clients get CONNACK 0x86 "bad user
// name or password"; v3 clients get 0x05 "not authorized" (mochi's mapping;
// Mosquitto sends 0x04 here). Without WithAuth every client is accepted.
func WithAuth(users map[string]string) Option {
	return optionFunc(func(c *config) error {
		if len(users) == 0 {
			return errors.New("WithAuth: no users (omit WithAuth to accept every client)")
		}
		c.users = make(map[string]string, len(users))
		for u, p := range users {
			c.users[u] = p
		}
		return nil
	})
}

// WithACL denies publishing or subscribing on the topic filters of rules.
// Every other publish and subscribe is allowed.
func WithACL(rules ...ACLRule) Option {
	return optionFunc(func(c *config) error {
		for _, r := range rules {
			if err := r.validate(); err != nil {
				return err
			}
		}
		c.acl = append(c.acl, rules...)
		return nil
	})
}

// WithLogger sends the broker's own logs to l. By default they are discarded.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		c.logger = l
		return nil
	})
}

// WithLogs sends the broker's own logs to t.Log under NewBroker, and to
// standard error under Start. By default they are discarded.
func WithLogs() Option {
	return optionFunc(func(c *config) error { c.testLogs = true; return nil })
}

// WithRecordLimit keeps only the last n records, to bound memory in long
// tests. Older records are dropped; Recorder.Dropped counts them and the
// transcript says so. By default every record is kept.
func WithRecordLimit(n int) Option {
	return optionFunc(func(c *config) error {
		if n < 1 {
			return fmt.Errorf("WithRecordLimit(%d): the limit must be at least 1", n)
		}
		c.recordLimit = n
		return nil
	})
}

// WithConnectTimeout bounds how long a new connection may take to send
// CONNECT (and, for TLS and WebSocket, to finish its handshake) before the
// broker closes it. The default is 10 seconds.
func WithConnectTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithConnectTimeout(%v): the timeout must be positive", d)
		}
		c.connectTimeout = d
		return nil
	})
}

// WithMaxPacketSize makes the broker refuse packets larger than n bytes
// (fixed header included, as mochi counts it: 1 + remaining length): it
// closes the connection of a client that sends one (v5 clients get
// DISCONNECT 0x95 "packet too large") [MQTT-3.2.2-15]. By default there is
// no limit but MQTT's own, 268,435,455 bytes of remaining length.
func WithMaxPacketSize(n uint32) Option {
	return optionFunc(func(c *config) error {
		if n < 2 {
			return fmt.Errorf("WithMaxPacketSize(%d): no MQTT packet is smaller than 2 bytes", n)
		}
		c.maxPacketSize = n
		return nil
	})
}
