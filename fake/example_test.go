package fake_test

import (
	"fmt"
	"log"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// exampleT stands in for the *testing.T of a real test, which examples do
// not have: it is a fake.TB.
type exampleT struct{ cleanups []func() }

func (*exampleT) Helper()                           {}
func (e *exampleT) Cleanup(f func())                { e.cleanups = append(e.cleanups, f) }
func (*exampleT) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }
func (*exampleT) Errorf(format string, args ...any) { log.Printf(format, args...) }

func (e *exampleT) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// A scripted client does what real client libraries will not: here it
// takes a QoS 1 message and never acknowledges it, then dies, so the broker
// must send the message again to the next connection with that client ID,
// with DUP set and the same packet ID.
func ExampleDial() {
	b, err := mqtttest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	t := &exampleT{} // in a test: the test's t
	defer t.done()

	c := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
	c.Connect(fake.Connect{ClientID: "sub"})
	c.Subscribe(1, "jobs/#")
	if err := b.Publish("jobs/1", []byte("build"), 1, false); err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Expect(mqtttest.Publish("jobs/#")).Line())
	c.Close() // dies without PUBACK or DISCONNECT

	again := fake.Dial(t, b.Addr())
	fmt.Println(again.Connect(fake.Connect{ClientID: "sub"}).Line())
	fmt.Println(again.Expect(mqtttest.Publish("jobs/#")).Line())
	// Output:
	// broker → sub  PUBLISH  q1 id=1  jobs/1  "build"
	// broker → sub  CONNACK  rc=0x00 session-present
	// broker → sub  PUBLISH  q1 id=1 dup  jobs/1  "build"
}
