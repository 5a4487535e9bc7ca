package memdial_test

import (
	"fmt"

	pahomqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/mqtttest/memdial"
)

// A paho.mqtt.golang client on a broker that takes no port.
func ExamplePaho() {
	b, err := mqtttest.Start(mqtttest.WithoutTCP())
	if err != nil {
		panic(err)
	}
	defer b.Close()
	opts := pahomqtt.NewClientOptions().AddBroker("tcp://unused:1883").SetClientID("example").
		SetCustomOpenConnectionFn(memdial.Paho(b))
	c := pahomqtt.NewClient(opts)
	if tok := c.Connect(); tok.Wait() && tok.Error() != nil {
		panic(tok.Error())
	}
	c.Publish("hello", 1, false, "in memory").Wait()
	c.Disconnect(1000)
	r := b.Recorder().Find(mqtttest.Publish("hello"))[0]
	fmt.Println(r.Listener, r.Line())
	// Output: memory example → broker  PUBLISH  q1 id=1  hello  "in memory"
}
