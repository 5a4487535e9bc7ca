package main

import "github.com/mqtt-testkit/testkit/mqtttest"

// server is what the command runs: a Broker (serve), or a Proxy in front of
// another broker (proxy). Both record, take fault rules and partition.
type server interface {
	Addr() string
	URL() string
	Recorder() *mqtttest.Recorder
	Inject(mqtttest.Rule) (*mqtttest.Fault, error)
	Partition()
	Heal()
	Close() error
}

var (
	_ server = (*mqtttest.Broker)(nil)
	_ server = (*mqtttest.Proxy)(nil)
)
