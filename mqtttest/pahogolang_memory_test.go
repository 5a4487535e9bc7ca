package mqtttest_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	paho5 "github.com/eclipse/paho.golang/paho"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestPahoGolangWritesPacketsWhole: eclipse/paho.golang writes a packet in
// several pieces (its fixed header, then the rest) and, from several
// goroutines, interleaves them unless the connection is a sync.Locker: over
// a plain in-memory pipe, 14 runs in 100 of a test with fewer publishes
// recorded malformed packets, and this one over a connection from Dial
// with its Lock hidden failed 20 runs in 20. A connection from Dial is a
// sync.Locker.
func TestPahoGolangWritesPacketsWhole(t *testing.T) {
	testPahoGolangConcurrentPublishes(t, func(c net.Conn) net.Conn { return c })
}

// testPahoGolangConcurrentPublishes publishes from 8 goroutines at once
// through a paho.golang client on a connection from Dial, as wrap returns
// it, and checks every packet arrived whole.
func testPahoGolangConcurrentPublishes(t *testing.T, wrap func(net.Conn) net.Conn) {
	const writers, each = 16, 100
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := b.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := paho5.NewClient(paho5.ClientConfig{Conn: wrap(conn)})
	if _, err := c.Connect(ctx, &paho5.Connect{ClientID: "p5", CleanStart: true, KeepAlive: 30}); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(&paho5.Disconnect{})
	payload := make([]byte, 1000)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := c.Publish(ctx, &paho5.Publish{Topic: fmt.Sprintf("w/%d/%d", w, i), Payload: payload}); err != nil {
					t.Errorf("publish: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// A barrier: once its PUBACK is back, the broker has read everything before it.
	_, barrier := c.Publish(ctx, &paho5.Publish{Topic: "end", QoS: 1})
	if bad := b.Recorder().Find(mqtttest.Malformed()); len(bad) > 0 {
		t.Fatalf("%d packets arrived malformed, the first: %s", len(bad), bad[0].Line())
	}
	if barrier != nil {
		t.Fatal(barrier)
	}
	if n := len(b.Recorder().Find(mqtttest.Publish("w/#"), mqtttest.Dir(mqtttest.ToBroker))); n != writers*each {
		t.Fatalf("%d PUBLISH packets arrived, want %d", n, writers*each)
	}
}
