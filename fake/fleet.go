package fake

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"sync"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// FleetConfig describes a fleet of simulated sensors, shaped the way Home
// Assistant's MQTT discovery expects devices to behave. "{id}" in a topic
// stands for the device's client ID. Zero fields take the defaults shown.
type FleetConfig struct {
	Devices           int           // how many devices; default 3
	Prefix            string        // client IDs are Prefix-1, Prefix-2, ...; default "sensor"
	StateTopic        string        // where readings go; default "devices/{id}/state"
	AvailabilityTopic string        // retained "online" once connected, and the will: retained "offline"; default "devices/{id}/availability"
	DiscoveryPrefix   string        // when set (e.g. "homeassistant"), each device first publishes a retained config to PREFIX/sensor/{id}/config
	Interval          time.Duration // between two readings of one device; default 100ms
	QoS               byte          // of readings; default 0
	Keepalive         uint16        // seconds, in CONNECT; default 0 (none). The client sends no PINGREQ: readings must come often enough
	Version           byte          // MQTT version: 4 (3.1.1, the default) or 5
	Seed              int64         // seeds the default readings, so a run can be repeated
	// Reading returns the payload of a device's nth reading (from 1). Each
	// device calls it from its own goroutine, so it must be safe for
	// concurrent use. By default: {"temperature":21.4,"n":1}, a random walk
	// from Seed.
	Reading func(id string, n int) []byte
}

// Fleet is a set of simulated sensors publishing readings to a broker, each
// a Client of its own. Make one with StartFleet; the test's cleanup stops it.
type Fleet struct {
	t       TB
	cfg     FleetConfig
	devices []*device
}

// device is one sensor: its client and its publishing goroutine.
type device struct {
	id   string
	c    *Client
	stop chan struct{}
	done chan struct{}
	once sync.Once
	mu   sync.Mutex
	sent int // readings written
}

// StartFleet connects cfg.Devices devices to the broker at addr and starts
// their readings. Each device connects with a clean session and a will
// (retained "offline" on its availability topic, QoS 1), publishes its
// discovery config if asked, then retained "online" (both QoS 1, acknowledged
// before StartFleet returns), then a reading every Interval from its own
// goroutine. The test's cleanup stops the readings and closes the devices
// abruptly; call Stop first for a clean shutdown. Bad configuration fails the
// test.
func StartFleet(t TB, addr string, cfg FleetConfig) *Fleet {
	t.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatalf("fake.StartFleet: %v", err)
		return nil
	}
	f := &Fleet{t: t, cfg: cfg}
	// Registered before the devices' own cleanups, so it runs after them:
	// their connections are closed by then, which also ends the readings.
	t.Cleanup(f.halt)
	for i := 1; i <= cfg.Devices; i++ {
		d := f.connect(addr, fmt.Sprintf("%s-%d", cfg.Prefix, i), i)
		f.devices = append(f.devices, d)
		go d.run(cfg, f.reading(i-1))
	}
	return f
}

func (cfg FleetConfig) withDefaults() (FleetConfig, error) {
	var errs []string
	if cfg.Devices < 0 {
		errs = append(errs, fmt.Sprintf("Devices %d: want 1 or more (0 for the default, 3)", cfg.Devices))
	}
	if cfg.Interval < 0 {
		errs = append(errs, fmt.Sprintf("Interval %v: want a positive duration (0 for the default, 100ms)", cfg.Interval))
	}
	if cfg.QoS > 2 {
		errs = append(errs, fmt.Sprintf("QoS %d: want 0, 1 or 2", cfg.QoS))
	}
	if cfg.Version != 0 && cfg.Version != 4 && cfg.Version != 5 {
		errs = append(errs, fmt.Sprintf("Version %d: want 4 or 5", cfg.Version))
	}
	for name, topic := range map[string]string{"StateTopic": cfg.StateTopic, "AvailabilityTopic": cfg.AvailabilityTopic, "DiscoveryPrefix": cfg.DiscoveryPrefix} {
		if strings.ContainsAny(topic, "+#") {
			errs = append(errs, fmt.Sprintf("%s %q: a topic to publish to cannot hold wildcards", name, topic))
		}
	}
	if len(errs) > 0 {
		return cfg, fmt.Errorf("bad FleetConfig: %s", strings.Join(errs, "; "))
	}
	cfg.Devices = cmpOr(cfg.Devices, 3)
	cfg.Prefix = cmpOr(cfg.Prefix, "sensor")
	cfg.StateTopic = cmpOr(cfg.StateTopic, "devices/{id}/state")
	cfg.AvailabilityTopic = cmpOr(cfg.AvailabilityTopic, "devices/{id}/availability")
	cfg.Interval = cmpOr(cfg.Interval, 100*time.Millisecond)
	cfg.Version = cmpOr(cfg.Version, 4)
	return cfg, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// topic fills in a device's ID.
func topic(pattern, id string) string { return strings.ReplaceAll(pattern, "{id}", id) }

// connect connects one device and publishes its discovery config and
// availability.
func (f *Fleet) connect(addr, id string, n int) *device {
	f.t.Helper()
	cfg := f.cfg
	c := Dial(f.t, addr, Version(cfg.Version))
	avail := topic(cfg.AvailabilityTopic, id)
	ack := c.Connect(Connect{ClientID: id, CleanStart: true, Keepalive: cfg.Keepalive,
		Will: &Will{Topic: avail, Payload: []byte("offline"), QoS: 1, Retain: true}})
	if ack.ReasonCode != 0 {
		f.t.Fatalf("fake.StartFleet: the broker refused device %s: %s", id, ack.Line())
	}
	if cfg.DiscoveryPrefix != "" {
		c.publishAcked(Publish{Topic: cfg.DiscoveryPrefix + "/sensor/" + id + "/config", QoS: 1, Retain: true,
			Payload: discoveryConfig(id, topic(cfg.StateTopic, id), avail)})
	}
	c.publishAcked(Publish{Topic: avail, Payload: []byte("online"), QoS: 1, Retain: true})
	return &device{id: id, c: c, stop: make(chan struct{}), done: make(chan struct{})}
}

// publishAcked publishes at QoS 1 and waits for the PUBACK.
func (c *Client) publishAcked(p Publish) {
	c.t.Helper()
	id := c.Publish(p)
	c.Expect(record.Type(record.TypePuback), record.PacketID(id))
}

// discoveryConfig is the Home Assistant MQTT discovery payload of a
// temperature sensor.
func discoveryConfig(id, state, avail string) []byte {
	b, _ := json.Marshal(map[string]any{ // a map of strings always marshals
		"name": id, "unique_id": id, "device_class": "temperature", "unit_of_measurement": "°C",
		"state_topic": state, "value_template": "{{ value_json.temperature }}",
		"availability_topic": avail, "payload_available": "online", "payload_not_available": "offline",
	})
	return b
}

// reading returns the reading function of device i.
func (f *Fleet) reading(i int) func(id string, n int) []byte {
	if f.cfg.Reading != nil {
		return f.cfg.Reading
	}
	rnd := rand.New(rand.NewSource(f.cfg.Seed + int64(i)))
	temp := 18 + 6*rnd.Float64()
	return func(_ string, n int) []byte {
		temp += rnd.Float64() - 0.5
		return fmt.Appendf(nil, `{"temperature":%.1f,"n":%d}`, temp, n)
	}
}

// run publishes a reading every Interval until stopped or the connection
// fails. It never touches the test: a write that fails ends it (the
// client's own failure messages say how its connection ended).
func (d *device) run(cfg FleetConfig, reading func(string, int) []byte) {
	defer close(d.done)
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	state := topic(cfg.StateTopic, d.id)
	for n := 1; ; n++ {
		select {
		case <-d.stop:
			return
		case <-tick.C:
		}
		p := Publish{Topic: state, Payload: reading(d.id, n), QoS: cfg.QoS}
		var id uint16
		if p.QoS > 0 {
			id = d.c.nextID()
		}
		pk, err := publishPacket(p, id)
		var b []byte
		if err == nil {
			b, err = encode(pk, cfg.Version)
		}
		if err == nil {
			err = d.c.write(b)
		}
		if err != nil {
			return
		}
		d.mu.Lock()
		d.sent++
		d.mu.Unlock()
	}
}

// halt stops a device's readings and waits for its goroutine.
func (d *device) halt() {
	d.once.Do(func() { close(d.stop) })
	<-d.done
}

func (f *Fleet) halt() {
	for _, d := range f.devices {
		d.halt()
	}
}

// IDs returns the devices' client IDs, in order.
func (f *Fleet) IDs() []string {
	ids := make([]string, len(f.devices))
	for i, d := range f.devices {
		ids[i] = d.id
	}
	return ids
}

// Device returns the client of the device with this ID, to script it
// further (Expect, CloseWhen, ...), or fails the test for an unknown ID.
func (f *Fleet) Device(id string) *Client {
	f.t.Helper()
	return f.find(id).c
}

// Readings returns how many readings the device has written so far.
func (f *Fleet) Readings(id string) int {
	f.t.Helper()
	d := f.find(id)
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sent
}

// Kill stops the device's readings and closes its connection abruptly, as a
// device losing power would: the broker publishes its will, so its
// availability becomes "offline".
func (f *Fleet) Kill(id string) {
	f.t.Helper()
	d := f.find(id)
	d.halt()
	d.c.Close()
}

// Stop shuts every device still connected down cleanly: readings stop, each
// publishes retained "offline" on its availability topic (QoS 1, acknowledged)
// and disconnects with DISCONNECT, so no will is published.
func (f *Fleet) Stop() {
	f.t.Helper()
	f.halt()
	for _, d := range f.devices {
		if d.c.isEnded() {
			continue
		}
		d.c.publishAcked(Publish{Topic: topic(f.cfg.AvailabilityTopic, d.id), Payload: []byte("offline"), QoS: 1, Retain: true})
		d.c.Disconnect()
	}
}

func (f *Fleet) find(id string) *device {
	f.t.Helper()
	for _, d := range f.devices {
		if d.id == id {
			return d
		}
	}
	f.t.Fatalf("fake.Fleet: no device %q (the fleet has %s)", id, strings.Join(f.IDs(), ", "))
	return nil
}
