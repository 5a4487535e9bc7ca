package mqtttest_test

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"testing"
	"time"

	paho3 "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// The durability test publishes a stream of QoS 1 and then QoS 2 messages to
// a persistent subscriber while the broker restarts five times keeping its
// sessions and the subscriber's session is taken over five times by a new
// connection. The broker must lose none: each message is delivered, and a
// message delivered twice was resent by the broker with DUP under the same
// packet ID (the client's to deduplicate, or not).

const (
	durMessages    = 10000 // of each QoS
	durDisruptions = 10    // restarts and takeovers, alternating
	durWait        = 60 * time.Second
)

// durSubscriber is the subscriber under test: it connects (again) to the
// session "dur-sub", and says what its application received.
type durSubscriber interface {
	connect(t *testing.T, b *mqtttest.Broker)      // (re)connect with the persistent session
	takeOver(t *testing.T, b *mqtttest.Broker)     // a new connection with the same client ID takes the session
	afterRestart(t *testing.T, b *mqtttest.Broker) // the broker restarted: reconnect, if the client does not itself
	delivered(t *testing.T) map[string]int         // once all arrived: the payloads the application received, how often
}

func TestDurabilityAcrossRestartsAndTakeovers(t *testing.T) {
	for _, qos := range []byte{1, 2} {
		for _, client := range []struct {
			name string
			make func() durSubscriber
		}{
			{"raw client", func() durSubscriber { return &fakeSub{qos: qos} }},
			{"paho.mqtt.golang", func() durSubscriber { return &pahoSub{qos: qos} }},
		} {
			t.Run(fmt.Sprintf("QoS %d/%s", qos, client.name), func(t *testing.T) {
				durability(t, qos, client.make())
			})
		}
	}
}

func durability(t *testing.T, qos byte, sub durSubscriber) {
	b := mqtttest.NewBroker(t)
	sub.connect(t, b)

	// The publisher stops at each disruption's place in the stream until the
	// test has taken it up, and publishes on while the disruption goes on.
	milestones := make(chan int)
	pubErr := make(chan error, 1)
	go func() { // Broker.Publish returns once the message is in the session
		defer close(milestones)
		k := 0
		for i := range durMessages {
			if err := b.Publish("dur/x", []byte(strconv.Itoa(i)), qos, false); err != nil {
				pubErr <- fmt.Errorf("publish %d: %w", i, err)
				return
			}
			if k < durDisruptions && i+1 == (k+1)*durMessages/(durDisruptions+1) {
				milestones <- k
				k++
			}
		}
		pubErr <- nil
	}()
	for range durDisruptions {
		var k int
		select {
		case m, ok := <-milestones:
			if !ok {
				t.Fatal(<-pubErr)
			}
			k = m
		case <-time.After(durWait):
			t.Fatal("the publisher is stuck")
		}
		if k%2 == 0 {
			if err := b.Restart(true); err != nil {
				t.Fatal(err)
			}
			sub.afterRestart(t, b)
		} else {
			sub.takeOver(t, b)
		}
	}
	select {
	case err := <-pubErr:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(durWait):
		t.Fatal("the publisher did not finish")
	}

	// Every message reaches the subscriber.
	rec := b.Recorder()
	toSub := []mqtttest.Matcher{mqtttest.ClientID("dur-sub"), mqtttest.Publish("dur/x"), mqtttest.Dir(mqtttest.ToClient)}
	seen := map[string]bool{}
	each := mqtttest.Where("the first delivery of each message", func(r mqtttest.Record) bool {
		first := !seen[string(r.Payload)]
		seen[string(r.Payload)] = true
		return first
	})
	ctx, cancel := context.WithTimeout(context.Background(), durWait)
	defer cancel()
	if _, err := rec.WaitForN(ctx, durMessages, append(toSub, each)...); err != nil {
		t.Fatalf("%d of %d messages reached the subscriber: %v", len(seen), durMessages, err)
	}
	if ds := rec.Find(mqtttest.BrokerDropped()); len(ds) > 0 {
		t.Errorf("the broker dropped %d messages; the first: %s", len(ds), ds[0].Line())
	}
	if restarts := len(rec.Find(mqtttest.Restarted())); restarts != durDisruptions/2 {
		t.Errorf("%d restarts, want %d", restarts, durDisruptions/2)
	}

	// A message the broker sent more than once, it resent: with DUP, under
	// the same packet ID. A message the client's application got more than
	// once, the broker sent more than once: the duplicate is the client's.
	got := sub.delivered(t) // once it has them all: the records of what it got are made by then
	deliveries := map[string][]mqtttest.Record{}
	for _, r := range rec.Find(toSub...) {
		deliveries[string(r.Payload)] = append(deliveries[string(r.Payload)], r)
	}
	var resent int
	shown := false
	for p, rs := range deliveries {
		for _, r := range rs[1:] {
			resent++
			if !r.Dup || r.PacketID != rs[0].PacketID || r.QoS != qos {
				t.Errorf("message %s sent again as %s (conn#%d), after %s (conn#%d): want a resend with DUP, the same packet ID and QoS",
					p, r.Line(), r.Conn, rs[0].Line(), rs[0].Conn)
				if !shown { // the history of the message, for a failure read from CI's log alone
					shown = true
					for _, x := range rec.Records() {
						if string(x.Payload) == p || x.Event != mqtttest.EventPacket && x.Event != mqtttest.EventDrop {
							t.Logf("  %s (conn#%d)", x.Line(), x.Conn)
						}
					}
				}
				break
			}
		}
	}
	var twice int
	for p, n := range got {
		if n > 1 {
			twice++
			if len(deliveries[p]) < n {
				t.Errorf("the client delivered message %s to its application %d times; the broker sent it %d times", p, n, len(deliveries[p]))
			}
		}
	}
	t.Logf("%d messages, %d resent by the broker, %d delivered more than once by the client", durMessages, resent, twice)
}

// fakeSub is the package's raw client: it acknowledges what it receives,
// and is replaced by a new connection at each disruption.
type fakeSub struct {
	qos byte
	c   *fake.Client
	n   int
}

func (s *fakeSub) connect(t *testing.T, b *mqtttest.Broker) {
	s.n++
	c := fake.Dial(t, b.Addr(), fake.Timeout(durWait))
	ack := c.Connect(fake.Connect{ClientID: "dur-sub", Keepalive: 60})
	if s.c == nil {
		c.Subscribe(s.qos, "dur/#")
	} else if !ack.SessionPresent {
		t.Fatalf("connection %d: %s, want the session present", s.n, ack.Line())
	}
	s.c = c
}

func (s *fakeSub) takeOver(t *testing.T, b *mqtttest.Broker) {
	old := s.c
	s.connect(t, b)
	old.ExpectClosed()
}

func (s *fakeSub) afterRestart(t *testing.T, b *mqtttest.Broker) {
	s.c.ExpectClosed()
	s.connect(t, b)
}

func (s *fakeSub) delivered(*testing.T) map[string]int { return nil } // its application is the recording

// pahoSub is a paho.mqtt.golang client that reconnects by itself; a
// takeover is the raw client connecting with its client ID, receiving what
// the session resends without acknowledging it, and going away, after which
// paho takes the session back.
type pahoSub struct {
	qos byte
	c   paho3.Client
	mu  sync.Mutex
	got map[string]int
	all chan struct{} // closed when the application has every message
}

func (s *pahoSub) connect(t *testing.T, b *mqtttest.Broker) {
	s.got, s.all = map[string]int{}, make(chan struct{})
	o := paho3.NewClientOptions().AddBroker(b.URL()).SetClientID("dur-sub").SetCleanSession(false).
		SetAutoReconnect(true).SetMaxReconnectInterval(20 * time.Millisecond).SetConnectTimeout(durWait).
		SetDefaultPublishHandler(func(_ paho3.Client, m paho3.Message) {
			s.mu.Lock()
			s.got[string(m.Payload())]++
			if s.got[string(m.Payload())] == 1 && len(s.got) == durMessages {
				close(s.all)
			}
			s.mu.Unlock()
		})
	s.c = paho3.NewClient(o)
	if tok := s.c.Connect(); !tok.WaitTimeout(durWait) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { s.c.Disconnect(250) })
	if tok := s.c.Subscribe("dur/#", s.qos, nil); !tok.WaitTimeout(durWait) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
}

func (s *pahoSub) takeOver(t *testing.T, b *mqtttest.Broker) {
	intruder := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()), fake.Timeout(durWait))
	intruder.Connect(fake.Connect{ClientID: "dur-sub", Keepalive: 60})
	// The intruder's connection is the last whose CONNECT has keepalive 60;
	// paho.mqtt.golang may have taken the session back already.
	connects := b.Recorder().Find(mqtttest.ClientID("dur-sub"), mqtttest.Type(mqtttest.TypeConnect),
		mqtttest.Where("keepalive 60", func(r mqtttest.Record) bool { return r.Connect != nil && r.Connect.Keepalive == 60 }))
	conn := connects[len(connects)-1].Conn
	mine := b.Recorder().Find(mqtttest.ConnNumber(conn), mqtttest.Type(mqtttest.TypeConnack))[0]
	intruder.Close()
	waitConnack(t, b, mine.Seq, mqtttest.Where("not the intruder's connection", func(r mqtttest.Record) bool { return r.Conn != mine.Conn }))
}

func (s *pahoSub) afterRestart(t *testing.T, b *mqtttest.Broker) {
	rs := b.Recorder().Find(mqtttest.Restarted())
	waitConnack(t, b, rs[len(rs)-1].Seq)
}

func (s *pahoSub) delivered(t *testing.T) map[string]int {
	select {
	case <-s.all:
	case <-time.After(durWait):
		s.mu.Lock()
		defer s.mu.Unlock()
		t.Fatalf("paho delivered %d of %d messages to its application", len(s.got), durMessages)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.got) // paho goes on delivering resends
}

// waitConnack waits for a CONNACK to dur-sub after the record after, on a
// connection m selects.
func waitConnack(t *testing.T, b *mqtttest.Broker, after uint64, m ...mqtttest.Matcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), durWait)
	defer cancel()
	m = append(m, mqtttest.ClientID("dur-sub"), mqtttest.Type(mqtttest.TypeConnack), mqtttest.After(after))
	if _, err := b.Recorder().WaitFor(ctx, m...); err != nil {
		t.Fatal(err)
	}
}
