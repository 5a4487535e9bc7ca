// Package memdial plugs MQTT client libraries into a broker's connections
// in memory (mqtttest.Broker.Dial), one call each: a test that needs no
// port, and that can run in a testing/synctest bubble.
//
//	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
//	opts.SetCustomOpenConnectionFn(memdial.Paho(b))              // paho.mqtt.golang
//	cfg.AttemptConnection = memdial.AutoPaho(b)                  // eclipse/paho.golang's autopaho
//	c := paho.NewClient(paho.ClientConfig{Conn: b.Conn(t)})      // eclipse/paho.golang
//	f := fake.New(t, b.Conn(t))                                  // package fake
//
// The broker address the client is configured with is not used. This
// package is apart from mqtttest so that mqtttest does not depend on the
// client libraries.
package memdial

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"

	"github.com/eclipse/paho.golang/autopaho"
	pahomqtt "github.com/eclipse/paho.mqtt.golang"
)

// Dialer connects in memory: a *mqtttest.Broker.
type Dialer interface {
	Dial(ctx context.Context) (net.Conn, error)
}

// TLSDialer connects in memory over TLS, with the client configuration
// given (nil: one that trusts the broker's generated CA): a
// *mqtttest.Broker started WithTLS or WithTLSFiles.
type TLSDialer interface {
	DialTLS(ctx context.Context, cfg *tls.Config) (net.Conn, error)
}

// Paho returns a paho.mqtt.golang OpenConnectionFunc, for
// ClientOptions.SetCustomOpenConnectionFn, that connects through d, within
// the options' ConnectTimeout: over TLS, with the options' TLSConfig, for a
// broker URL whose scheme is one paho takes for TLS (tls, ssl, mqtts,
// mqtt+ssl, tcps). The client closes the connections it opens.
func Paho(d Dialer) pahomqtt.OpenConnectionFunc {
	return func(u *url.URL, opts pahomqtt.ClientOptions) (net.Conn, error) {
		ctx := context.Background()
		if opts.ConnectTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, opts.ConnectTimeout)
			defer cancel()
		}
		switch u.Scheme {
		case "tls", "ssl", "mqtts", "mqtt+ssl", "tcps":
			return dialTLS(ctx, d, u, opts.TLSConfig)
		}
		return d.Dial(ctx)
	}
}

// AutoPaho returns an autopaho ClientConfig.AttemptConnection that
// connects through d: over TLS, with the configuration's TlsCfg, for a
// server URL whose scheme is one autopaho takes for TLS (tls, ssl, mqtts).
// autopaho closes the connections it opens.
func AutoPaho(d Dialer) func(context.Context, autopaho.ClientConfig, *url.URL) (net.Conn, error) {
	return func(ctx context.Context, cfg autopaho.ClientConfig, u *url.URL) (net.Conn, error) {
		switch u.Scheme {
		case "tls", "ssl", "mqtts":
			return dialTLS(ctx, d, u, cfg.TlsCfg)
		}
		return d.Dial(ctx)
	}
}

// dialTLS connects through d over TLS, for the client of URL u.
func dialTLS(ctx context.Context, d Dialer, u *url.URL, cfg *tls.Config) (net.Conn, error) {
	td, ok := d.(TLSDialer)
	if !ok {
		return nil, fmt.Errorf("memdial: %s asks for TLS, and %T cannot dial TLS", u, d)
	}
	return td.DialTLS(ctx, cfg)
}
