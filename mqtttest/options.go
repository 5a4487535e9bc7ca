package mqtttest

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Option configures a Broker. Options are made by the With... functions.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// brokerOption is an option about the broker itself, which a Proxy cannot
// use: it notes its name for StartProxy's error.
func brokerOption(name string, f func(*config) error) Option {
	return optionFunc(func(c *config) error {
		if !slices.Contains(c.brokerOnly, name) {
			c.brokerOnly = append(c.brokerOnly, name)
		}
		return f(c)
	})
}

// config is what the options set; buildOptions fills in the defaults.
type config struct {
	addr           string
	addrSet        bool // WithAddr was given
	noTCP          bool // WithoutTCP: connections in memory only (Broker.Dial)
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

	// Limits: see WithMaxInflight and the options after it.
	maxInflight      uint16
	maxPendingWrites int
	receiveMaximum   uint16
	backpressure     int

	brokerOnly []string // the names of the options given that only a Broker can use
	seams      *seams   // this package's tests only (seams.go)
}

// The default limits: MQTT's own, where mochi's are lower, so that the
// broker drops nothing by itself under a test's load.
const (
	defaultMaxInflight      = 65535 // every packet identifier [MQTT-2.2.1-3]
	defaultMaxPendingWrites = 8192  // mochi's default
	defaultReceiveMaximum   = 65535 // the protocol's maximum
	defaultBackpressure     = 4096
)

func buildOptions(opts []Option) (*config, error) {
	c := &config{
		addr: "127.0.0.1:0", connectTimeout: 10 * time.Second,
		maxInflight: defaultMaxInflight, maxPendingWrites: defaultMaxPendingWrites,
		receiveMaximum: defaultReceiveMaximum, backpressure: defaultBackpressure,
	}
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
	if c.noTCP && c.addrSet {
		errs = append(errs, errors.New("WithAddr and WithoutTCP both given: choose one"))
	}
	if c.noTCP && c.webSocket {
		errs = append(errs, errors.New("WithWebSocket and WithoutTCP both given: WebSocket needs a socket (there is no WebSocket in memory)"))
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
		c.addr, c.addrSet = addr, true
		return nil
	})
}

// WithoutTCP starts the broker with no socket at all: clients connect in
// memory, through Broker.Dial (Broker.DialTLS with WithTLS), and the broker
// takes no port. This is the broker for a test in a testing/synctest
// bubble, where a socket would hang the bubble (see Broker.Dial). Addr,
// URL and the TLS addresses return "". WithWebSocket, which needs a socket,
// cannot go with it.
func WithoutTCP() Option {
	return brokerOption("WithoutTCP", func(c *config) error { c.noTCP = true; return nil })
}

// WithWebSocket adds an MQTT-over-WebSocket listener on its own free
// loopback port; Broker.WSURL returns its address.
func WithWebSocket() Option {
	return brokerOption("WithWebSocket", func(c *config) error { c.webSocket = true; return nil })
}

// WithTLS adds a TLS listener on its own free loopback port, with a
// certificate for 127.0.0.1 and localhost signed by a CA generated at start.
// Broker.TLSURL returns its address, Broker.TLSConfig a client configuration
// that trusts the CA, and Broker.CAPEM the CA for other clients.
func WithTLS() Option {
	return brokerOption("WithTLS", func(c *config) error {
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
	return brokerOption("WithTLSFiles", func(c *config) error {
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
	return brokerOption("WithAuth", func(c *config) error {
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
	return brokerOption("WithACL", func(c *config) error {
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
	return brokerOption("WithLogger", func(c *config) error {
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
	return brokerOption("WithLogs", func(c *config) error { c.testLogs = true; return nil })
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
	return brokerOption("WithMaxPacketSize", func(c *config) error {
		if n < 2 {
			return fmt.Errorf("WithMaxPacketSize(%d): no MQTT packet is smaller than 2 bytes", n)
		}
		c.maxPacketSize = n
		return nil
	})
}

// WithMaxInflight sets how many QoS 1 and 2 messages the broker keeps for one
// client: sent and not yet acknowledged, or queued (for an offline session,
// or beyond the client's Receive Maximum). A message beyond it is dropped,
// and the drop is recorded. The default, 65535, is every packet identifier
// MQTT has; mochi's own default is 8192.
func WithMaxInflight(n int) Option {
	return brokerOption("WithMaxInflight", func(c *config) error {
		if n < 1 || n > defaultMaxInflight {
			return fmt.Errorf("WithMaxInflight(%d): give 1 to 65535 (MQTT has 65535 packet identifiers)", n)
		}
		c.maxInflight = uint16(n)
		return nil
	})
}

// WithMaxPendingWrites sets how many messages may wait to be written to one
// connected client, a client that reads slowly. A message beyond it is
// dropped, and the drop is recorded. The default is mochi's, 8192; each
// connection reserves 8 bytes for each place.
func WithMaxPendingWrites(n int) Option {
	return brokerOption("WithMaxPendingWrites", func(c *config) error {
		if n < 1 || n > 1<<24 {
			return fmt.Errorf("WithMaxPendingWrites(%d): give 1 to 16777216", n)
		}
		c.maxPendingWrites = n
		return nil
	})
}

// WithReceiveMaximum sets the broker's Receive Maximum: how many QoS 1 and 2
// messages a client may have sent without their acknowledgement being
// complete. MQTT 5 clients are told it in CONNACK; a client that sends more
// is disconnected (reason code 0x93), and the message is recorded as a drop
// [MQTT-3.3.4-9]. The default is 65535, the protocol's maximum.
func WithReceiveMaximum(n int) Option {
	return brokerOption("WithReceiveMaximum", func(c *config) error {
		if n < 1 || n > 65535 {
			return fmt.Errorf("WithReceiveMaximum(%d): give 1 to 65535 (0 is not allowed in MQTT 5)", n)
		}
		c.receiveMaximum = uint16(n)
		return nil
	})
}

// WithBackpressure sets when the broker slows a publisher down instead of
// queuing more for a slow subscriber: once a connected subscriber has n
// messages unacknowledged, a message for it waits before the broker routes
// it (and the publisher's PUBACK with it), until the subscriber acknowledges
// one, disconnects, or has acknowledged nothing for 2 seconds (then it is
// treated as stalled, and its messages queue up to WithMaxInflight until it
// catches up). The default is 4096; 0 turns backpressure off, so that a
// test can see mochi drop messages at its limits.
func WithBackpressure(n int) Option {
	return brokerOption("WithBackpressure", func(c *config) error {
		if n < 0 {
			return fmt.Errorf("WithBackpressure(%d): give 0 (off) or more", n)
		}
		c.backpressure = n
		return nil
	})
}
