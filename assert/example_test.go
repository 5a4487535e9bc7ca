package assert_test

import (
	"fmt"
	"log"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// printT stands in for the *testing.T of a real test, which examples do not
// have: it prints the first line of a failure's report.
type printT struct{}

func (printT) Errorf(format string, args ...any) {
	_, report, _ := strings.Cut(fmt.Sprintf(format, args...), "Error:")
	line, _, _ := strings.Cut(strings.TrimSpace(report), "\n")
	fmt.Println(line)
}

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

// A QoS 1 message whose PUBACK never reached the broker (the subscriber's
// connection was cut before it) is sent again on the subscriber's next
// connection, with DUP set and the same packet ID.
func ExampleRedelivered() {
	b, err := mqtttest.Start() // in a test: b := mqtttest.NewBroker(t)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	t := printT{} // in a test: the test's t
	cut, err := b.Inject(mqtttest.CutBefore(mqtttest.Type(mqtttest.TypePuback), mqtttest.ClientID("sub")).Times(1))
	if err != nil {
		log.Fatal(err)
	}

	pahoClient(b.URL(), "sub", true).Subscribe("jobs/#", 1, nil).Wait()
	if err := b.Publish("jobs/1", []byte("build"), 1, false); err != nil {
		log.Fatal(err)
	}
	if err := cut.Wait(5 * time.Second); err != nil {
		log.Fatal(err)
	}
	fmt.Println(assert.Redelivered(t, b.Recorder(), "sub", "jobs/#", assert.Payload("build"), 10*time.Millisecond))
	sub := pahoClient(b.URL(), "sub", true)
	defer sub.Disconnect(1000)
	fmt.Println(assert.Redelivered(t, b.Recorder(), "sub", "jobs/#", assert.Payload("build"), 5*time.Second))
	// Output:
	// assert.Redelivered: the message on "jobs/#" was not sent to sub again on a later connection within 10ms
	// false
	// true
}

// A QoS 2 publish whose connection is cut right after the broker's PUBREC
// completes when the publisher connects again, and the subscriber gets the
// message exactly once.
func ExampleExactlyOnce() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	t := printT{}
	sub := pahoClient(b.URL(), "sub", false)
	defer sub.Disconnect(1000)
	sub.Subscribe("pay/#", 2, nil).Wait()
	cut, err := b.Inject(mqtttest.CutAfter(mqtttest.Type(mqtttest.TypePubrec), mqtttest.ClientID("pub")).Times(1))
	if err != nil {
		log.Fatal(err)
	}

	pahoClient(b.URL(), "pub", true).Publish("pay/1", 2, false, "10 EUR")
	if err := cut.Wait(5 * time.Second); err != nil {
		log.Fatal(err)
	}
	if err := b.WaitOffline("pub", 5*time.Second); err != nil {
		log.Fatal(err)
	}
	pub := pahoClient(b.URL(), "pub", true) // resumes the flow: PUBREL, PUBCOMP
	defer pub.Disconnect(1000)
	fmt.Println(assert.HandshakeCompleted(t, b.Recorder(), "pub", "pay/1", assert.AnyPayload, 5*time.Second))
	fmt.Println(assert.ExactlyOnce(t, b.Recorder(), "sub", "pay/1", assert.Payload("10 EUR"), 5*time.Second))
	// Output:
	// true
	// true
}

// The broker publishes a client's will when its connection is cut, and not
// after a clean DISCONNECT.
func ExampleWillPublished() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	t := printT{}
	watch := pahoClient(b.URL(), "watch", false)
	defer watch.Disconnect(1000)
	watch.Subscribe("wills/#", 1, nil).Wait()
	will := func(o *paho.ClientOptions) { o.SetWill("wills/dev", "gone", 1, false) }

	pahoClient(b.URL(), "dev", false, will)
	if err := b.Disconnect("dev", mqtttest.Abrupt); err != nil {
		log.Fatal(err)
	}
	fmt.Println(assert.WillPublished(t, b.Recorder(), "dev", 5*time.Second))
	pahoClient(b.URL(), "dev", false, will).Disconnect(1000)
	fmt.Println(assert.NoWill(t, b.Recorder(), "dev", 10*time.Millisecond))
	// Output:
	// true
	// true
}
