package testkit_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// The README's test in virtual time, verbatim; it runs.

func TestWillAfterSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // a bubble: its clock jumps whenever every goroutine in it waits
		b := mqtttest.NewBroker(t, mqtttest.WithoutTCP()) // no socket: clients connect through b.Dial or b.Conn
		start := time.Now()
		watch := fake.New(t, b.Conn(t))
		watch.Connect(fake.Connect{ClientID: "watch", CleanStart: true})
		watch.Subscribe(1, "dev/status")
		dev := fake.New(t, b.Conn(t)) // connects, then says nothing more
		dev.Connect(fake.Connect{ClientID: "dev", Keepalive: 10, Will: &fake.Will{Topic: "dev/status", Payload: []byte("offline")}})
		r, err := b.Recorder().WaitFor(t.Context(), mqtttest.Publish("dev/status"), mqtttest.Dir(mqtttest.ToClient))
		if err != nil || r.Time.Sub(start) != 15*time.Second {
			t.Fatalf("the will: %v at +%v, want +15s (keepalive × 1.5)", err, r.Time.Sub(start))
		}
	})
}
