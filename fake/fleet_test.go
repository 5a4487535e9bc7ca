package fake_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestFleet checks the life of a fleet: discovery configs and availability
// retained, readings on each state topic in order, the will of a killed
// device, and a clean stop that publishes "offline" without wills.
func TestFleet(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	f := fake.StartFleet(t, b.Addr(), fake.FleetConfig{Devices: 3, Interval: 5 * time.Millisecond, QoS: 1, DiscoveryPrefix: "homeassistant"})
	if got := fmt.Sprint(f.IDs()); got != "[sensor-1 sensor-2 sensor-3]" {
		t.Fatalf("IDs() = %s", got)
	}

	for _, id := range f.IDs() {
		assert.Retained(t, b, "devices/"+id+"/availability", assert.Payload("online"))
		m, ok := b.Retained("homeassistant/sensor/" + id + "/config")
		var config map[string]string
		if !ok || json.Unmarshal(m.Payload, &config) != nil {
			t.Fatalf("discovery config of %s: %q, %v; want a retained JSON object", id, m.Payload, ok)
		}
		if config["state_topic"] != "devices/"+id+"/state" || config["availability_topic"] != "devices/"+id+"/availability" || config["unique_id"] != id {
			t.Errorf("discovery config of %s: %v", id, config)
		}
		readings := waitN(t, rec, 3, mqtttest.ClientID(id), mqtttest.Publish("devices/"+id+"/state"))
		for n, r := range readings {
			var v struct {
				Temperature float64
				N           int
			}
			if err := json.Unmarshal(r.Payload, &v); err != nil || v.N != n+1 || v.Temperature < 10 || v.Temperature > 30 || r.QoS != 1 {
				t.Errorf("reading %d of %s: %s (%v)", n+1, id, r.Line(), err)
			}
		}
	}

	watcher := connected(t, b, "watcher")
	watcher.Subscribe(1, "devices/+/availability")
	f.Kill("sensor-2")
	assert.WillPublished(t, rec, "sensor-2", waitTime)
	assert.Retained(t, b, "devices/sensor-2/availability", assert.Payload("offline"))
	killed := f.Readings("sensor-2")
	waitN(t, rec, killed+3, mqtttest.ClientID("sensor-1"), mqtttest.Publish("devices/sensor-1/state"))
	if got := f.Readings("sensor-2"); got != killed {
		t.Errorf("sensor-2 wrote %d readings after Kill", got-killed)
	}

	f.Stop()
	for _, id := range []string{"sensor-1", "sensor-3"} {
		assert.Retained(t, b, "devices/"+id+"/availability", assert.Payload("offline"))
		assert.NoWill(t, rec, id, 50*time.Millisecond)
	}
}

// TestFleetReadingsAreRepeatable checks that the default readings depend on
// the seed alone.
func TestFleetReadingsAreRepeatable(t *testing.T) {
	payloads := func(seed int64) string {
		b := mqtttest.NewBroker(t)
		fake.StartFleet(t, b.Addr(), fake.FleetConfig{Devices: 1, Interval: time.Millisecond, Seed: seed})
		var s string
		for _, r := range waitN(t, b.Recorder(), 5, mqtttest.Publish("devices/sensor-1/state")) {
			s += string(r.Payload)
		}
		return s
	}
	first, again, other := payloads(7), payloads(7), payloads(8)
	if first != again || first == other {
		t.Errorf("seed 7: %s, then %s; seed 8: %s; want the same twice, and different", first, again, other)
	}
}

// TestFleetCustom checks custom topics, readings and v5.
func TestFleetCustom(t *testing.T) {
	b := mqtttest.NewBroker(t)
	f := fake.StartFleet(t, b.Addr(), fake.FleetConfig{
		Devices: 2, Prefix: "meter", Version: 5, Interval: time.Millisecond, QoS: 2,
		StateTopic: "plant/{id}/power", AvailabilityTopic: "plant/{id}/lwt",
		Reading: func(id string, n int) []byte { return fmt.Appendf(nil, "%s:%d", id, n) },
	})
	rs := waitN(t, b.Recorder(), 2, mqtttest.ClientID("meter-2"), mqtttest.Publish("plant/meter-2/power"), mqtttest.Dir(mqtttest.ToBroker))
	if string(rs[0].Payload) != "meter-2:1" || string(rs[1].Payload) != "meter-2:2" || rs[0].Version != 5 || rs[0].QoS != 2 {
		t.Errorf("readings: %s, %s", rs[0].Line(), rs[1].Line())
	}
	assert.HandshakeCompleted(t, b.Recorder(), "meter-2", "plant/meter-2/power", assert.Payload("meter-2:1"), waitTime)
	assert.Retained(t, b, "plant/meter-1/lwt", assert.Payload("online"))
	if f.Device("meter-1") == nil {
		t.Error("Device(meter-1) is nil")
	}
}

func TestFleetBadConfig(t *testing.T) {
	b := mqtttest.NewBroker(t)
	ft := &fakeT{TB: t}
	wantFailure(t, ft, func() {
		fake.StartFleet(ft, b.Addr(), fake.FleetConfig{Devices: -1, QoS: 3, Interval: -time.Second, StateTopic: "a/+/state"})
	}, "fake.StartFleet: bad FleetConfig", "Devices -1", "QoS 3", "Interval -1s", `StateTopic "a/+/state"`)
	wantFailure(t, ft, func() { fake.StartFleet(ft, b.Addr(), fake.FleetConfig{}).Kill("nope") },
		`no device "nope" (the fleet has sensor-1, sensor-2, sensor-3)`)
}

// waitN waits for n records matching m.
func waitN(t testing.TB, rec *mqtttest.Recorder, n int, m ...mqtttest.Matcher) []mqtttest.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	rs, err := rec.WaitForN(ctx, n, m...)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestFleetDeviceRefused checks that a fleet whose second device cannot
// connect fails the test, and that its cleanup does not hang on the first
// device's readings.
func TestFleetDeviceRefused(t *testing.T) {
	b := mqtttest.NewBroker(t)
	if _, err := b.Inject(mqtttest.CutBefore(mqtttest.ClientID("sensor-2"), mqtttest.Type(mqtttest.TypeConnect))); err != nil {
		t.Fatal(err)
	}
	ft := &fakeT{TB: t}
	wantFailure(t, ft, func() {
		fake.StartFleet(ft, b.Addr(), fake.FleetConfig{Devices: 2, Interval: time.Millisecond})
	}, `fake client "sensor-2"`, "CONNACK")
}
