package testkit_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// connect connects a paho.mqtt.golang client; the examples stand for any client under test.
func connect(url, id string, opts ...func(*paho.ClientOptions)) paho.Client {
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetAutoReconnect(false)
	for _, f := range opts {
		f(o)
	}
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		log.Fatalf("connect %s: %v", id, tok.Error())
	}
	return c
}

// A device publishes a reading; the test waits for that packet on the wire
// and for the broker's acknowledgement, with no sleeps. In a test, use
// mqtttest.NewBroker(t), which closes the broker at cleanup and logs the
// transcript if the test fails.
func Example() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	dev := connect(b.URL(), "sensor-1")
	defer dev.Disconnect(1000)
	dev.Publish("home/kitchen/temp", 1, false, "21.5")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec := b.Recorder()
	pub, err := rec.WaitFor(ctx, mqtttest.Publish("home/+/temp"), mqtttest.ClientID("sensor-1"))
	if err != nil {
		log.Fatal(err)
	}
	ack, err := rec.WaitFor(ctx, mqtttest.Type(mqtttest.TypePuback), mqtttest.PacketID(pub.PacketID))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pub.Line())
	fmt.Println(ack.Line())
	// Output:
	// sensor-1 → broker  PUBLISH  q1 id=1  home/kitchen/temp  "21.5"
	// broker → sensor-1  PUBACK  id=1
}

// A device's connection is cut, as a crash or a lost network would; the
// broker publishes its will to a watcher.
func Example_will() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	got := make(chan string, 1)
	watcher := connect(b.URL(), "watcher")
	defer watcher.Disconnect(1000)
	watcher.Subscribe("status/#", 1, func(_ paho.Client, m paho.Message) {
		got <- m.Topic() + " " + string(m.Payload())
	}).Wait()
	dev := connect(b.URL(), "dev-7", func(o *paho.ClientOptions) { o.SetWill("status/dev-7", "offline", 1, true) })
	defer dev.Disconnect(0)

	if err := b.Disconnect("dev-7", mqtttest.Abrupt); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-got)
	closed := b.Recorder().Find(mqtttest.ClientID("dev-7"), mqtttest.Closed())[0]
	fmt.Println(closed.Line())
	// Output:
	// status/dev-7 offline
	// dev-7  closed by test: closed abruptly by Broker.Disconnect
}

// The broker itself publishes a retained message; a subscriber that comes
// later receives it with the retain flag set.
func Example_retained() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	if err := b.Publish("config/mode", []byte("eco"), 1, true); err != nil {
		log.Fatal(err)
	}
	m, ok := b.Retained("config/mode")
	fmt.Println(string(m.Payload), ok)

	got := make(chan paho.Message, 1)
	late := connect(b.URL(), "late")
	defer late.Disconnect(1000)
	late.Subscribe("config/+", 1, func(_ paho.Client, m paho.Message) { got <- m }).Wait()
	msg := <-got
	fmt.Println(msg.Topic(), string(msg.Payload()), "retained:", msg.Retained())
	// Output:
	// eco true
	// config/mode eco retained: true
}

// Bytes that are not MQTT are passed to the broker unchanged, which closes
// the connection, and recorded with their raw bytes.
func Example_malformed() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	conn, err := net.Dial("tcp", b.Addr())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("hello?"))

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bad, err := b.Recorder().WaitFor(ctx, mqtttest.Malformed())
	if err != nil {
		log.Fatal(err)
	}
	closed, err := b.Recorder().WaitFor(ctx, mqtttest.Closed())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q %s\n", bad.Raw, bad.Err)
	fmt.Println(closed.ClosedBy)
	// Output:
	// "hello?" PUBREL with bad flags 0x8: malformed packet: flags
	// broker
}

// A fault rule drops the first PUBACK the broker sends to one client: the
// client's QoS 1 publish is never acknowledged, and the record says why.
func Example_fault() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Inject(mqtttest.Drop(mqtttest.Type(mqtttest.TypePuback), mqtttest.Dir(mqtttest.ToClient),
		mqtttest.ClientID("sensor-1")).Times(1)); err != nil {
		log.Fatal(err)
	}

	dev := connect(b.URL(), "sensor-1")
	defer dev.Disconnect(1000)
	dev.Publish("home/kitchen/temp", 1, false, "21.5")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ack, err := b.Recorder().WaitFor(ctx, mqtttest.Type(mqtttest.TypePuback))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ack.Line())
	// Output:
	// broker → sensor-1  PUBACK  id=1  [fault: dropped]
}

// exampleTB stands in for the *testing.T of a real test, which examples do
// not have: it prints the first lines of a failure's report, testify's
// "Error:" field (before it, "Error Trace:" names this file; after them
// comes the transcript, whose times vary), and runs cleanups when done is
// called.
type exampleTB struct{ cleanups []func() }

func (*exampleTB) Helper() {}

func (e *exampleTB) Cleanup(f func()) { e.cleanups = append(e.cleanups, f) }

func (*exampleTB) Errorf(format string, args ...any) {
	_, report, _ := strings.Cut(fmt.Sprintf(format, args...), "\tError:")
	lines := strings.SplitN(report, "\n", 4)
	for _, l := range lines[:min(3, len(lines))] {
		_, l, _ = strings.Cut(strings.TrimPrefix(l, "\t"), "\t") // after testify's label and padding
		fmt.Println(l)
	}
}

func (*exampleTB) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }

func (e *exampleTB) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// Assertions read the recording: what reached a client, how many times, what
// the broker retains. A failure says what was wanted and what was seen, then
// shows the transcript of the client concerned.
func Example_assert() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	rec := b.Recorder()
	t := &exampleTB{} // in a test: the test's t

	if err := b.Publish("home/kitchen/setpoint", []byte("20.0"), 1, true); err != nil {
		log.Fatal(err)
	}
	dash := connect(b.URL(), "dashboard")
	defer dash.Disconnect(1000)
	dash.Subscribe("home/#", 1, func(paho.Client, paho.Message) {}).Wait()
	dev := connect(b.URL(), "sensor-1")
	defer dev.Disconnect(1000)
	dev.Publish("home/kitchen/temp", 1, false, "21.5").Wait()

	fmt.Println(assert.Retained(t, b, "home/kitchen/setpoint", assert.Payload("20.0")))
	fmt.Println(assert.ReceivedRetained(t, rec, "dashboard", "home/#", assert.Payload("20.0"), 5*time.Second))
	fmt.Println(assert.Received(t, rec, "dashboard", "home/+/temp", assert.Payload("21.5"), 5*time.Second))
	fmt.Println(assert.ExactlyOnce(t, rec, "dashboard", "home/kitchen/temp", assert.AnyPayload, 5*time.Second))
	fmt.Println(assert.NotReceived(t, rec, "dashboard", "office/#", 20*time.Millisecond))
	fmt.Println(assert.Received(t, rec, "dashboard", "home/+/temp", assert.Payload("30.0"), 20*time.Millisecond))
	// Output:
	// true
	// true
	// true
	// true
	// true
	// assert.Received: no matching PUBLISH reached dashboard within 20ms
	//     want:    PUBLISH to dashboard on "home/+/temp", payload "30.0"
	//     seen:    2 PUBLISH to dashboard:
	// false
}

// A fleet of simulated sensors, for testing a service that consumes device
// data: each device publishes readings on its state topic, keeps a retained
// availability, and has a will that marks it offline when it dies.
func Example_fleet() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	t := &exampleTB{} // in a test: the test's t, which cleans up
	defer t.done()

	fleet := fake.StartFleet(t, b.Addr(), fake.FleetConfig{Devices: 2, Interval: 10 * time.Millisecond, Seed: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rec := b.Recorder()
	readings, err := rec.WaitForN(ctx, 3, mqtttest.Publish("devices/sensor-1/state"))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range readings {
		fmt.Println(r.Topic, string(r.Payload))
	}

	watch := fake.Dial(t, b.Addr()) // the service that watches availability
	watch.Connect(fake.Connect{ClientID: "watch", CleanStart: true})
	watch.Subscribe(1, "devices/+/availability")
	fleet.Kill("sensor-2") // power lost: the broker publishes its will
	offline := mqtttest.Where(`payload "offline"`, func(r mqtttest.Record) bool { return string(r.Payload) == "offline" })
	if _, err := rec.WaitFor(ctx, mqtttest.ClientID("watch"), mqtttest.Publish("devices/sensor-2/availability"), offline); err != nil {
		log.Fatal(err)
	}
	for _, id := range fleet.IDs() {
		m, _ := b.Retained("devices/" + id + "/availability")
		fmt.Println(id, string(m.Payload))
	}
	fleet.Stop() // the others say "offline" themselves and disconnect
	m, _ := b.Retained("devices/sensor-1/availability")
	fmt.Println("sensor-1", string(m.Payload))
	// Output:
	// devices/sensor-1/state {"temperature":22.1,"n":1}
	// devices/sensor-1/state {"temperature":22.2,"n":2}
	// devices/sensor-1/state {"temperature":22.2,"n":3}
	// sensor-1 online
	// sensor-2 offline
	// sensor-1 offline
}

// A message nobody subscribes to is gone, and the recording says why: the
// broker records every message it drops by itself, so a test can tell its
// own mistake (subscribing too late) from a lost message.
func Example_brokerDropped() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	dev := connect(b.URL(), "sensor-1")
	defer dev.Disconnect(1000)
	dev.Publish("home/kitchen/temp", 1, false, "21.5").Wait() // before anyone subscribes

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := b.Recorder().WaitFor(ctx, mqtttest.BrokerDropped(), mqtttest.Topic("home/#"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Line())
	// Output:
	// broker dropped  PUBLISH  q1  home/kitchen/temp  "21.5"  from sensor-1: no subscriber matched
}
