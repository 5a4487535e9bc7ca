package mqtttest

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func TestSmoke(t *testing.T) {
	b := NewBroker(t)
	o := paho.NewClientOptions().AddBroker(b.URL()).SetClientID("c1")
	c := paho.NewClient(o)
	tok := c.Connect()
	tok.Wait()
	if tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	got := make(chan string, 1)
	c.Subscribe("a/+", 1, func(_ paho.Client, m paho.Message) { got <- string(m.Payload()) }).Wait()
	c.Publish("a/b", 1, false, "hi").Wait()
	<-got
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := b.Recorder().WaitFor(ctx, Type(TypePuback), Dir(ToBroker)); err != nil {
		t.Fatal(err)
	}
	c.Disconnect(100)
	t.Log("\n" + b.Recorder().Transcript())
}
