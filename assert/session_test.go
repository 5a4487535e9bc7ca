package assert_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

func TestSessionPresent(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	c := connect(t, b, "dev", persistent)
	passes(t, "SessionNotPresent, a first connection", func(tt assert.TestingT) bool {
		return assert.SessionNotPresent(tt, rec, "dev")
	})
	fails(t, "SessionPresent, a first connection", func(tt assert.TestingT) bool {
		return assert.SessionPresent(tt, rec, "dev")
	}, "assert.SessionPresent: CONNACK to dev has session present = false",
		"want: CONNACK to dev, accepted, session present = true", "seen: broker → dev CONNACK rc=0x00", "records of dev:")

	c.Disconnect(1000)
	connect(t, b, "dev", persistent)
	passes(t, "SessionPresent, a resumed session", func(tt assert.TestingT) bool {
		return assert.SessionPresent(tt, rec, "dev")
	})
	fails(t, "SessionNotPresent, a resumed session", func(tt assert.TestingT) bool {
		return assert.SessionNotPresent(tt, rec, "dev")
	}, "CONNACK to dev has session present = true", "rc=0x00 session-present")
	fails(t, "SessionPresent, no connection", func(tt assert.TestingT) bool {
		return assert.SessionPresent(tt, rec, "ghost")
	}, "no CONNACK to ghost is recorded", "records of ghost: none recorded")
}

func TestSubscribed(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithACL(mqtttest.DenySubscribe("secret/#")))
	rec := b.Recorder()
	c := connect(t, b, "sub")
	c.sub(t, "home/#", 1)
	c.sub(t, "secret/#", 1)
	c.sub(t, "tmp/#", 0)
	token(t, c.Unsubscribe("tmp/#"))

	passes(t, "Subscribed", func(tt assert.TestingT) bool {
		return assert.Subscribed(tt, rec, "sub", "home/#", 1, waitTime)
	})
	fails(t, "Subscribed, another QoS", func(tt assert.TestingT) bool {
		return assert.Subscribed(tt, rec, "sub", "home/#", 2, waitTime)
	}, `assert.Subscribed: sub was granted QoS 1 on "home/#", not 2`, `want: sub subscribed to "home/#", granted QoS 2`)
	fails(t, "Subscribed, refused", func(tt assert.TestingT) bool {
		return assert.Subscribed(tt, rec, "sub", "secret/#", 1, waitTime)
	}, `the broker refused sub's subscription to "secret/#": reason code 0x80`)
	fails(t, "Subscribed, unsubscribed", func(tt assert.TestingT) bool {
		return assert.Subscribed(tt, rec, "sub", "tmp/#", 0, waitTime)
	}, `sub unsubscribed from "tmp/#"`, "seen: sub → broker  UNSUBSCRIBE")
	fails(t, "Subscribed, never", func(tt assert.TestingT) bool {
		return assert.Subscribed(tt, rec, "sub", "office/#", 0, shortWait)
	}, `sub sent no SUBSCRIBE to "office/#"`)
}
