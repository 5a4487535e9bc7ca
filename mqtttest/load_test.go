package mqtttest

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// A load: publishers, each publishing its QoS 1 messages as fast as paho
// lets it (without waiting for each PUBACK), to persistent subscribers that
// share the topics between them.
type load struct {
	publishers, each, subscribers int
	// beforeDisconnect, if set, runs once every message has reached a
	// subscriber's handler, before the clients disconnect: paho.mqtt.golang
	// sends the PUBACK after the handler returns, so the last ones may
	// still be on their way.
	beforeDisconnect func()
}

// loadResult is what the subscribers received.
type loadResult struct {
	sent, received, duplicates int
	wall                       time.Duration // from the first publish to the last delivery, or to giving up
}

func (r loadResult) lost() int { return r.sent - r.received }

// loadWait bounds a load run: a broker that loses messages makes it wait
// this long for them before it reports them lost.
const loadWait = 60 * time.Second

// run runs the load against the broker at url. Client IDs start with prefix.
func (l load) run(url, prefix string) (loadResult, error) {
	total := l.publishers * l.each
	res := loadResult{sent: total}
	var (
		mu      sync.Mutex
		seen    = make([]bool, total)
		arrived atomic.Int64
		all     = make(chan struct{})
	)
	var clients []paho3.Client
	defer func() {
		if l.beforeDisconnect != nil {
			l.beforeDisconnect()
		}
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Add(1)
			go func() { defer wg.Done(); c.Disconnect(250) }()
		}
		wg.Wait()
	}()
	connect := func(id string, clean bool, handler paho3.MessageHandler) (paho3.Client, error) {
		o := paho3.NewClientOptions().AddBroker(url).SetClientID(id).SetCleanSession(clean).
			SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(loadWait).SetWriteTimeout(loadWait).
			SetMaxResumePubInFlight(0).SetDefaultPublishHandler(handler)
		c := paho3.NewClient(o)
		if tok := c.Connect(); !tok.WaitTimeout(loadWait) || tok.Error() != nil {
			c.Disconnect(0)
			return nil, fmt.Errorf("connect %s: %v", id, tok.Error())
		}
		mu.Lock()
		clients = append(clients, c)
		mu.Unlock()
		return c, nil
	}
	for s := range l.subscribers {
		c, err := connect(fmt.Sprintf("%s-sub-%d", prefix, s), false, func(_ paho3.Client, m paho3.Message) {
			var p, i int
			fmt.Sscanf(string(m.Payload()), "%d/%d", &p, &i)
			mu.Lock()
			dup := seen[p*l.each+i]
			seen[p*l.each+i] = true
			if dup {
				res.duplicates++
			}
			mu.Unlock()
			if !dup && arrived.Add(1) == int64(total) {
				close(all)
			}
		})
		if err != nil {
			return res, err
		}
		if tok := c.Subscribe(fmt.Sprintf("load/%d/#", s), 1, nil); !tok.WaitTimeout(loadWait) || tok.Error() != nil {
			return res, fmt.Errorf("subscribe: %v", tok.Error())
		}
	}
	pubs := make([]paho3.Client, l.publishers)
	errs := make([]error, l.publishers)
	var wg sync.WaitGroup
	for p := range pubs {
		wg.Add(1)
		go func() { defer wg.Done(); pubs[p], errs[p] = connect(fmt.Sprintf("%s-pub-%d", prefix, p), true, nil) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return res, err
	}

	start := time.Now()
	for p, c := range pubs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks := make([]paho3.Token, l.each)
			for i := range toks {
				toks[i] = c.Publish(fmt.Sprintf("load/%d/%d", p%l.subscribers, p), 1, false, fmt.Sprintf("%d/%d", p, i))
			}
			for _, tok := range toks {
				if !tok.WaitTimeout(loadWait) || tok.Error() != nil {
					errs[p] = fmt.Errorf("publish by %d: no PUBACK (%v)", p, tok.Error())
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case <-all:
	case <-time.After(loadWait):
	}
	res.wall = time.Since(start)
	mu.Lock()
	res.received = int(arrived.Load())
	mu.Unlock()
	return res, errors.Join(errs...)
}

// TestLoadNothingLost runs 200 clients publishing 50 QoS 1 messages each to
// one persistent subscriber, then to ten that share the load: mochi's
// default limits dropped thousands of them without a trace. Nothing may be
// lost, nothing duplicated, and every packet is recorded exactly once.
func TestLoadNothingLost(t *testing.T) {
	for _, subs := range []int{1, 10} {
		t.Run(fmt.Sprintf("%d subscribers", subs), func(t *testing.T) {
			b := NewBroker(t)
			l := load{publishers: 200, each: 50, subscribers: subs}
			l.beforeDisconnect = func() { // the subscribers' last PUBACKs, before their DISCONNECT
				_, _ = b.Recorder().WaitForN(ctxFor(t), l.publishers*l.each, Type(TypePuback), Dir(ToBroker))
			}
			res, err := l.run(b.URL(), "t")
			if err != nil {
				t.Fatal(err)
			}
			total := l.publishers * l.each
			if res.lost() > 0 || res.duplicates > 0 {
				t.Errorf("%d of %d messages lost, %d duplicated", res.lost(), total, res.duplicates)
			}
			if ds := b.Recorder().Find(BrokerDropped()); len(ds) > 0 {
				t.Errorf("%d drops, the first: %s", len(ds), ds[0].Line())
			}
			rec := b.Recorder()
			for _, c := range []struct {
				what string
				m    []Matcher
			}{
				{"PUBLISH to the broker", []Matcher{Type(TypePublish), Dir(ToBroker)}},
				{"PUBACK to a publisher", []Matcher{Type(TypePuback), Dir(ToClient)}},
				{"PUBLISH to a subscriber", []Matcher{Type(TypePublish), Dir(ToClient)}},
				{"PUBACK from a subscriber", []Matcher{Type(TypePuback), Dir(ToBroker)}},
			} {
				if n, err := rec.WaitForN(ctxFor(t), total, c.m...); err != nil || len(rec.Find(c.m...)) != total {
					t.Errorf("%s: %d records, want %d, one for each message", c.what, len(n), total)
				}
			}
			t.Logf("%d messages in %v", total, res.wall.Round(time.Millisecond))
		})
	}
}

// BenchmarkLoad1000x100 runs 1,000 clients publishing 100 QoS 1 messages
// each to one persistent subscriber, against mqtttest and bare mochi. It
// reports the messages lost (mqtttest: 0), the time from the first publish
// to the last delivery (or to giving up on the lost ones, after a minute),
// and, for mqtttest, the heap the recording takes per record.
func BenchmarkLoad1000x100(b *testing.B) {
	l := load{publishers: 1000, each: 100, subscribers: 1}
	for _, impl := range benchImpls {
		b.Run(impl.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				br, err := impl.start()
				if err != nil {
					b.Fatal(err)
				}
				res, err := l.run(br.URL(), fmt.Sprintf("b%d", benchClientSeq.Add(1)))
				if err != nil {
					br.Close()
					b.Fatal(err)
				}
				if m, ok := br.(*Broker); ok {
					runtime.GC()
					var after runtime.MemStats
					runtime.ReadMemStats(&after)
					b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(m.Recorder().Len()), "B/record")
					b.ReportMetric(float64(m.Recorder().Len()), "records")
				}
				br.Close()
				b.ReportMetric(float64(res.lost()), "lost")
				b.ReportMetric(float64(res.duplicates), "duplicated")
				b.ReportMetric(float64(res.wall.Milliseconds()), "ms/load")
			}
		})
	}
}
