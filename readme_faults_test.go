package testkit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// README.md's fault snippet, which uses testify's require (readme_test.go
// explains).
func readmeFaults(t *testing.T, b *mqtttest.Broker) {
	f, err := b.Inject(mqtttest.Drop(mqtttest.Type(mqtttest.TypePuback), mqtttest.Dir(mqtttest.ToClient),
		mqtttest.ClientID("sensor-1")).Times(1)) // the first PUBACK sensor-1 would get
	require.NoError(t, err) // testify's require: a rule that can never act is an error
	b.Inject(mqtttest.CutBefore(mqtttest.Type(mqtttest.TypePuback), mqtttest.Dir(mqtttest.ToBroker)))
	b.Inject(mqtttest.Delay(50*time.Millisecond, mqtttest.Dir(mqtttest.ToClient)).Jitter(5*time.Millisecond, 42))
	require.NoError(t, f.Wait(5*time.Second)) // the PUBACK has been dropped
}
