package mqtttest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// pahoClient connects a paho.mqtt.golang client, standing for the client
// under test; persistent asks for a session that outlives the connection.
func pahoClient(url, id string, persistent bool, opts ...func(*paho.ClientOptions)) paho.Client {
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(!persistent).
		SetAutoReconnect(false).SetDefaultPublishHandler(func(paho.Client, paho.Message) {})
	for _, f := range opts {
		f(o)
	}
	c := paho.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		log.Fatalf("connect %s: %v", id, tok.Error())
	}
	return c
}

// In a test, NewBroker(t) starts the broker and closes it at cleanup; the
// examples here, which have no *testing.T, use Start and Close. A client
// connects to URL; the recorder has every packet, decoded.
func ExampleNewBroker() {
	b, err := mqtttest.Start() // in a test: b := mqtttest.NewBroker(t)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	dev := pahoClient(b.URL(), "sensor-1", false)
	dev.Publish("home/kitchen/temp", 1, false, "21.5").Wait()
	dev.Disconnect(1000)
	if err := b.WaitOffline("sensor-1", 5*time.Second); err != nil {
		log.Fatal(err)
	}
	for _, r := range b.Recorder().Find(mqtttest.ClientID("sensor-1")) {
		fmt.Println(r.Line())
	}
	// Output:
	// sensor-1 → broker  CONNECT  v4 clean keepalive=30
	// broker → sensor-1  CONNACK  rc=0x00
	// sensor-1 → broker  PUBLISH  q1 id=1  home/kitchen/temp  "21.5"
	// broker → sensor-1  PUBACK  id=1
	// broker dropped  PUBLISH  q1  home/kitchen/temp  "21.5"  from sensor-1: no subscriber matched
	// sensor-1 → broker  DISCONNECT
	// sensor-1  closed by client: client sent DISCONNECT
}

// WaitFor returns the first record that matches, already recorded or still
// to come; it never polls.
func ExampleRecorder_WaitFor() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	dev := pahoClient(b.URL(), "sensor-1", false)
	defer dev.Disconnect(1000)
	dev.Publish("home/kitchen/temp", 1, false, "21.5")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := b.Recorder().WaitFor(ctx, mqtttest.Publish("home/+/temp"), mqtttest.ClientID("sensor-1"))
	if err != nil {
		log.Fatal(err) // the error shows what was awaited and the last records
	}
	fmt.Println(r.Topic, string(r.Payload), r.QoS)
	// Output:
	// home/kitchen/temp 21.5 1
}

// A paho.mqtt.golang client with a persistent session and its in-memory
// store loses a QoS 1 message in flight when its process restarts: the
// fault drops its PUBLISH on the way to the broker, the client waits for a
// PUBACK that never comes, and the new client object, with the same ID and
// a fresh store, knows nothing of it.
func ExampleBroker_Inject() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	drop, err := b.Inject(mqtttest.Drop(mqtttest.Publish("jobs/#"), mqtttest.ClientID("dev")).Times(1))
	if err != nil {
		log.Fatal(err) // a rule that can never act is refused, with the reason
	}

	pahoClient(b.URL(), "dev", true).Publish("jobs/1", 1, false, "build")
	if err := drop.Wait(5 * time.Second); err != nil {
		log.Fatal(err)
	}
	if err := b.Disconnect("dev", mqtttest.Abrupt); err != nil { // the process dies...
		log.Fatal(err)
	}
	dev := pahoClient(b.URL(), "dev", true) // ...and starts again
	dev.Publish("jobs/2", 1, false, "next").Wait()
	dev.Disconnect(1000)

	for _, r := range b.Recorder().Find(mqtttest.Publish("jobs/#")) {
		fmt.Println(r.Line())
	}
	// Output:
	// dev → broker  PUBLISH  q1 id=1  jobs/1  "build"  [fault: dropped]
	// dev → broker  PUBLISH  q1 id=1  jobs/2  "next"
}

// A restart that loses sessions: the client's session is not present when
// it connects again, and the message queued for it while it was offline
// is gone, each with a record that says so.
func ExampleBroker_Restart() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	pahoClient(b.URL(), "dev", true).Subscribe("cmd/#", 1, nil).Wait()
	if err := b.Disconnect("dev", mqtttest.Abrupt); err != nil {
		log.Fatal(err)
	}
	if err := b.Publish("cmd/1", []byte("reboot"), 1, false); err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Clients()[0].Inflight, "message held for dev")
	if err := b.Restart(false); err != nil {
		log.Fatal(err)
	}
	dev := pahoClient(b.URL(), "dev", true)
	defer dev.Disconnect(1000)

	rec := b.Recorder()
	for _, r := range rec.Find(mqtttest.BrokerDropped()) {
		fmt.Println(r.Line())
	}
	connacks := rec.Find(mqtttest.Type(mqtttest.TypeConnack), mqtttest.ClientID("dev"))
	fmt.Println("session present:", connacks[len(connacks)-1].SessionPresent)
	// Output:
	// 1 message held for dev
	// broker dropped  PUBLISH  q1 id=1  cmd/1  "reboot"  for dev: the broker restarted without sessions (Restart(false))
	// session present: false
}

// Settle is the barrier in front of a check that something did not happen:
// once it returns, the broker has finished with everything it has read,
// so a delivery that is not recorded was not made.
func ExampleBroker_Settle() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	sub := pahoClient(b.URL(), "dashboard", false)
	defer sub.Disconnect(1000)
	sub.Subscribe("home/#", 0, nil).Wait()
	dev := pahoClient(b.URL(), "sensor-1", false)
	defer dev.Disconnect(1000)
	dev.Publish("office/temp", 1, false, "19.0").Wait() // acknowledged: the broker has read it

	if err := b.Settle(5 * time.Second); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(b.Recorder().Find(mqtttest.Publish("office/#"), mqtttest.ClientID("dashboard"))), "deliveries to the dashboard")
	for _, r := range b.Recorder().Find(mqtttest.BrokerDropped()) {
		fmt.Println(r.Line())
	}
	// Output:
	// 0 deliveries to the dashboard
	// broker dropped  PUBLISH  q1  office/temp  "19.0"  from sensor-1: no subscriber matched
}

// A client in memory: no socket, no port. Here the client is raw bytes; a
// client library gets the connection through package memdial.
func ExampleBroker_Dial() {
	b, err := mqtttest.Start(mqtttest.WithoutTCP())
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := b.Dial(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte{0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 30, 0, 3, 'm', 'e', 'm'}) // CONNECT "mem", v3.1.1
	r, err := b.Recorder().WaitFor(ctx, mqtttest.Type(mqtttest.TypeConnack))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Listener, r.Line())
	// Output: memory broker → mem  CONNACK  rc=0x00
}
