package mqtttest_test

import (
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/stretchr/testify/require"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// The classic session-loss reproductions, each written as a test in a
// project that uses testkit would be: a few lines each, real
// paho.mqtt.golang clients, no sleeps, no hand-made contexts. Longer
// versions that also pin down what paho and mochi do on the wire are in
// sessionloss_test.go, qos2_test.go, paho3_test.go and restart_test.go.

// dial connects a paho.mqtt.golang client with this ID (a persistent
// session unless clean, a memory store, a handler that takes every message)
// and closes it at cleanup.
func dial(t *testing.T, b *mqtttest.Broker, id string, clean bool, tweak ...func(*paho.ClientOptions)) paho.Client {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(b.URL()).SetClientID(id).SetCleanSession(clean).SetAutoReconnect(false).
		SetDefaultPublishHandler(func(paho.Client, paho.Message) {})
	for _, f := range tweak {
		f(o)
	}
	c := paho.NewClient(o)
	tok := c.Connect()
	require.True(t, tok.WaitTimeout(10*time.Second), "connect %s", id)
	require.NoError(t, tok.Error())
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// A QoS 1 PUBLISH dropped on its way to the broker is lost for good when
// the process restarts: paho's memory store dies with the client object.
func TestReproMemoryStoreLosesInFlightQoS1(t *testing.T) {
	b := mqtttest.NewBroker(t)
	dial(t, b, "sub", true).Subscribe("jobs/#", 1, nil).Wait()
	drop, err := b.Inject(mqtttest.Drop(mqtttest.Publish("jobs/#"), mqtttest.ClientID("dev")).Times(1))
	require.NoError(t, err)
	dial(t, b, "dev", false).Publish("jobs/1", 1, false, "build") // never acknowledged
	require.NoError(t, drop.Wait(10*time.Second))
	require.NoError(t, b.Disconnect("dev", mqtttest.Abrupt)) // the process dies...
	dev := dial(t, b, "dev", false)                          // ...and starts again, same ID
	dev.Publish("jobs/2", 1, false, "next").Wait()
	assert.Received(t, b.Recorder(), "sub", "jobs/2", assert.AnyPayload, 10*time.Second)
	assert.NotReceived(t, b.Recorder(), "sub", "jobs/1", 0)
}

// A QoS 1 message whose PUBACK never reached the broker comes again on the
// subscriber's next connection, with DUP and the same packet ID.
func TestReproQoS1RedeliveryAfterCut(t *testing.T) {
	b := mqtttest.NewBroker(t)
	cut, err := b.Inject(mqtttest.CutBefore(mqtttest.Type(mqtttest.TypePuback), mqtttest.ClientID("sub")).Times(1))
	require.NoError(t, err)
	dial(t, b, "sub", false).Subscribe("jobs/#", 1, nil).Wait()
	require.NoError(t, b.Publish("jobs/1", []byte("build"), 1, false))
	require.NoError(t, cut.Wait(10*time.Second))
	dial(t, b, "sub", false)
	assert.Redelivered(t, b.Recorder(), "sub", "jobs/#", assert.Payload("build"), 10*time.Second)
}

// A QoS 2 publish whose connection is cut right after the broker's PUBREC
// completes when the publisher's process comes back (a new client object:
// the broker resumes the flow), and the subscriber gets it once. With the
// same paho.mqtt.golang object reconnecting, paho sometimes resends the
// PUBLISH after its PUBREL, and the subscriber gets it twice: that is
// TestQoS2ResumesAfterCutAfterPubrec in qos2_test.go.
func TestReproQoS2ExactlyOnceAfterCutAfterPubrec(t *testing.T) {
	b := mqtttest.NewBroker(t)
	dial(t, b, "sub", true).Subscribe("pay/#", 2, nil).Wait()
	cut, err := b.Inject(mqtttest.CutAfter(mqtttest.Type(mqtttest.TypePubrec), mqtttest.ClientID("pub")).Times(1))
	require.NoError(t, err)
	dial(t, b, "pub", false).Publish("pay/1", 2, false, "10 EUR")
	require.NoError(t, cut.Wait(10*time.Second))
	require.NoError(t, b.WaitOffline("pub", 10*time.Second))
	dial(t, b, "pub", false) // resumes the flow: PUBREL, PUBCOMP
	assert.HandshakeCompleted(t, b.Recorder(), "pub", "pay/1", assert.AnyPayload, 10*time.Second)
	assert.ExactlyOnce(t, b.Recorder(), "sub", "pay/1", assert.Payload("10 EUR"), 10*time.Second)
}

// The will is published after an abrupt cut, and not after a clean
// DISCONNECT.
func TestReproWillAfterCutNoneAfterDisconnect(t *testing.T) {
	b := mqtttest.NewBroker(t)
	dial(t, b, "watch", true).Subscribe("wills/#", 1, nil).Wait()
	will := func(o *paho.ClientOptions) { o.SetWill("wills/dev", "gone", 1, false) }
	dial(t, b, "dev", true, will)
	require.NoError(t, b.Disconnect("dev", mqtttest.Abrupt))
	assert.WillPublished(t, b.Recorder(), "dev", 10*time.Second)
	dial(t, b, "dev", true, will).Disconnect(1000)
	assert.NoWill(t, b.Recorder(), "dev", 100*time.Millisecond) // after the broker has settled
}

// A restart that loses sessions: the client's session is not present, and
// the message queued for it while it was offline is gone.
func TestReproRestartLosesSessions(t *testing.T) {
	b := mqtttest.NewBroker(t)
	dial(t, b, "dev", false).Subscribe("cmd/#", 1, nil).Wait()
	require.NoError(t, b.Disconnect("dev", mqtttest.Abrupt))
	require.NoError(t, b.Publish("cmd/1", []byte("reboot"), 1, false))
	require.Equal(t, 1, b.Clients()[0].Inflight) // queued for dev
	require.NoError(t, b.Restart(false))
	dial(t, b, "dev", false)
	assert.SessionNotPresent(t, b.Recorder(), "dev")
	assert.NotReceived(t, b.Recorder(), "dev", "cmd/#", 0)
}
