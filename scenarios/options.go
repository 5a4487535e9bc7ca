package scenarios

import (
	"fmt"
	"strings"
	"time"
)

// Option changes how Run runs the suite.
type Option interface{ apply(*options) error }

type optionFunc func(*options) error

func (f optionFunc) apply(o *options) error { return f(o) }

// Transport is how a scenario's clients reach its broker.
type Transport string

const (
	// Memory connects through mqtttest.Broker.Dial, with no socket; with a
	// client that declares VirtualTime, the scenario runs in a
	// testing/synctest bubble, on a virtual clock.
	Memory Transport = "memory"
	// TCP connects to the broker's loopback port, in real time.
	TCP Transport = "tcp"
)

type options struct {
	transports []Transport
	tags       []string
	names      []string
	timeout    time.Duration
	serial     bool
}

// DefaultTimeout is how long a scenario may take before it fails as hung,
// unless Timeout changes it. In virtual time the clock is the bubble's.
const DefaultTimeout = 10 * time.Second

func buildOptions(opts []Option) (*options, error) {
	o := &options{timeout: DefaultTimeout}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("scenarios: a nil Option")
		}
		if err := opt.apply(o); err != nil {
			return nil, err
		}
	}
	if len(o.transports) == 0 {
		o.transports = []Transport{Memory}
	}
	return o, nil
}

// Over runs every scenario over each of these transports; the default is
// Memory alone. With more than one, the transport ends each subtest's name
// ("Retained/ClearedByEmptyPayload/v5/tcp").
func Over(ts ...Transport) Option {
	return optionFunc(func(o *options) error {
		if len(ts) == 0 {
			return fmt.Errorf("scenarios.Over: no transport; give Memory, TCP or both")
		}
		for _, t := range ts {
			if t != Memory && t != TCP {
				return fmt.Errorf("scenarios.Over: unknown transport %q; give Memory or TCP", t)
			}
			for _, have := range o.transports {
				if have == t {
					return fmt.Errorf("scenarios.Over: %s given twice", t)
				}
			}
			o.transports = append(o.transports, t)
		}
		return nil
	})
}

// Tagged runs only the scenarios with at least one of these tags (see
// Tags for the list).
func Tagged(tags ...string) Option {
	return optionFunc(func(o *options) error {
		for _, t := range tags {
			if !knownTag(t) {
				return fmt.Errorf("scenarios.Tagged: unknown tag %q; the tags are %s", t, strings.Join(Tags(), ", "))
			}
		}
		o.tags = append(o.tags, tags...)
		return nil
	})
}

// Named runs only the scenarios whose names start with one of these
// prefixes ("QoS2/", "Will/AfterCut"). go test's -run selects too.
func Named(prefixes ...string) Option {
	return optionFunc(func(o *options) error {
		for _, p := range prefixes {
			if !anyNamed(p) {
				return fmt.Errorf("scenarios.Named: no scenario's name starts with %q", p)
			}
		}
		o.names = append(o.names, prefixes...)
		return nil
	})
}

// Timeout is how long each scenario may take before it fails as hung
// (DefaultTimeout unless given).
func Timeout(d time.Duration) Option {
	return optionFunc(func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("scenarios.Timeout: %v is not a positive duration", d)
		}
		o.timeout = d
		return nil
	})
}

// Serial runs the scenarios one after another; by default they run in
// parallel (t.Parallel), each with a broker of its own.
func Serial() Option {
	return optionFunc(func(o *options) error { o.serial = true; return nil })
}

// selected reports whether Run runs sc under these options.
func (o *options) selected(sc *Scenario) bool {
	if len(o.names) > 0 {
		ok := false
		for _, p := range o.names {
			ok = ok || strings.HasPrefix(sc.Name, p)
		}
		if !ok {
			return false
		}
	}
	if len(o.tags) > 0 {
		for _, want := range o.tags {
			for _, t := range sc.Tags {
				if t == want {
					return true
				}
			}
		}
		return false
	}
	return true
}
