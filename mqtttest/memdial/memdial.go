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
	"net"
	"net/url"

	"github.com/eclipse/paho.golang/autopaho"
	pahomqtt "github.com/eclipse/paho.mqtt.golang"
)

// Dialer connects in memory: a *mqtttest.Broker.
type Dialer interface {
	Dial(ctx context.Context) (net.Conn, error)
}

// Paho returns a paho.mqtt.golang OpenConnectionFunc, for
// ClientOptions.SetCustomOpenConnectionFn, that connects through d, within
// the options' ConnectTimeout. The client closes the connections it opens.
func Paho(d Dialer) pahomqtt.OpenConnectionFunc {
	return func(_ *url.URL, opts pahomqtt.ClientOptions) (net.Conn, error) {
		ctx := context.Background()
		if opts.ConnectTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, opts.ConnectTimeout)
			defer cancel()
		}
		return d.Dial(ctx)
	}
}

// AutoPaho returns an autopaho ClientConfig.AttemptConnection that
// connects through d. autopaho closes the connections it opens.
func AutoPaho(d Dialer) func(context.Context, autopaho.ClientConfig, *url.URL) (net.Conn, error) {
	return func(ctx context.Context, _ autopaho.ClientConfig, _ *url.URL) (net.Conn, error) {
		return d.Dial(ctx)
	}
}
