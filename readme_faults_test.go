package testkit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// README.md's snippets that use testify's require, whose name is that of
// testkit's assert/require (readme_test.go explains the rest).
func readmeFaults(t *testing.T, b *mqtttest.Broker) {
	f, err := b.Inject(mqtttest.Drop(mqtttest.Type(mqtttest.TypePuback), mqtttest.Dir(mqtttest.ToClient),
		mqtttest.ClientID("sensor-1")).Times(1)) // the first PUBACK sensor-1 would get
	require.NoError(t, err)                   // testify's require: a rule that can never act is an error
	require.NoError(t, f.Wait(5*time.Second)) // the PUBACK has been dropped
}

func readmeProxy(t *testing.T) {
	p := mqtttest.NewProxy(t, "127.0.0.1:1883") // Mosquitto, EMQX, HiveMQ, a cluster
	_, err := p.Inject(mqtttest.CutBefore(mqtttest.Type(mqtttest.TypePuback)))
	require.NoError(t, err)
	startThermostat(t, p.URL()) // clients connect to the proxy
	assert.Received(t, p.Recorder(), "dashboard", "home/+/temp", assert.AnyPayload, 5*time.Second)
}
