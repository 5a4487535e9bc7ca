package fake

import (
	"fmt"
	"time"
)

// Option configures a Client. Options are made by Version, Timeout and Acks.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is what the options set; defaults are in buildConfig.
type config struct {
	version byte
	timeout time.Duration
	acks    AckPolicy
	errs    []string // invalid options, reported together by New
}

// buildConfig applies opts over the defaults.
func buildConfig(opts []Option) config {
	cfg := config{version: 4, timeout: 5 * time.Second, acks: AckAuto()}
	for _, o := range opts {
		if o == nil {
			cfg.errs = append(cfg.errs, "nil Option")
			continue
		}
		o.apply(&cfg)
	}
	return cfg
}

// Version sets the MQTT protocol version the client speaks: 3 (MQTT 3.1,
// protocol name "MQIsdp"), 4 (3.1.1, the default) or 5. It decides how
// packets are encoded and how what the broker sends is decoded.
func Version(v byte) Option {
	return optionFunc(func(c *config) {
		if v < 3 || v > 5 {
			c.errs = append(c.errs, fmt.Sprintf("Version(%d): want 3, 4 or 5", v))
			return
		}
		c.version = v
	})
}

// Timeout sets how long the methods that wait (Connect, Subscribe,
// Unsubscribe, Ping, Expect, ExpectClosed) wait, and how long a write may
// block, before the test fails. The default is 5 seconds.
func Timeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d <= 0 {
			c.errs = append(c.errs, fmt.Sprintf("Timeout(%v): want a positive duration", d))
			return
		}
		c.timeout = d
	})
}

// Acks sets the client's ack policy from the start (the default is AckAuto).
// Client.SetAcks changes it later.
func Acks(p AckPolicy) Option {
	return optionFunc(func(c *config) { c.acks = p })
}
