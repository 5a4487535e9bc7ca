package mqtttest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/mqtt-testkit/testkit/internal/mosquittotest"
)

// The benchmarks measure this package against the bare mochi engine in the
// same run: sub-benchmarks named .../mqtttest and .../mochi. BENCHMARKS.md
// says how to run and compare them.

// benchWait bounds every wait in the benchmarks, so a lost message fails the
// run instead of hanging it.
const benchWait = 10 * time.Second

// benchQuiesce is the quiesce, in milliseconds, given to paho's Disconnect.
// Disconnect returns as soon as DISCONNECT is written and paho's goroutines
// have stopped, so this is an upper bound, not a delay. With 0, paho may
// return before its goroutines stop, and may not send DISCONNECT at all
// (it sent none in 300 of 300 tries; see BENCHMARKS.md).
const benchQuiesce = 250

// benchClientSeq makes client IDs unique across benchmarks and iterations.
var benchClientSeq atomic.Uint64

// benchAllowHook is mochi's auth.AllowHook, copied: importing
// github.com/mochi-mqtt/server/v2/hooks/auth pulls in gopkg.in/yaml.v3 (for
// its ledger), which this module does not require.
type benchAllowHook struct{ mqtt.HookBase }

func (h *benchAllowHook) ID() string { return "allow-all-auth" }

func (h *benchAllowHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

func (h *benchAllowHook) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }

func (h *benchAllowHook) OnACLCheck(*mqtt.Client, string, bool) bool { return true }

// benchMochi is a bare mochi broker as its own documentation starts one:
// allow-all auth, a TCP listener on a free loopback port.
type benchMochi struct {
	srv *mqtt.Server
	tcp *listeners.TCP
}

func startBenchMochi() (*benchMochi, error) {
	srv := mqtt.New(&mqtt.Options{InlineClient: true, Logger: slog.New(slog.DiscardHandler)})
	if err := srv.AddHook(new(benchAllowHook), nil); err != nil {
		return nil, err
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "t", Address: "127.0.0.1:0"})
	if err := srv.AddListener(tcp); err != nil { // AddListener calls Init, which binds the port
		return nil, err
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, err
	}
	return &benchMochi{srv: srv, tcp: tcp}, nil
}

func (m *benchMochi) URL() string { return "tcp://" + m.tcp.Address() }

func (m *benchMochi) Close() error { return m.srv.Close() }

// benchBroker is what the benchmarks need of either broker.
type benchBroker interface {
	URL() string
	Close() error
}

// benchImpls are the two brokers compared, in the order they run.
var benchImpls = []struct {
	name  string
	start func() (benchBroker, error)
}{
	{"mqtttest", func() (benchBroker, error) { return Start() }},
	{"mochi", func() (benchBroker, error) { return startBenchMochi() }},
}

// benchClient is a connected paho.mqtt.golang client subscribed to one topic
// at QoS 1, with the messages it receives on got.
type benchClient struct {
	paho.Client
	id    string
	topic string
	got   chan paho.Message
	timer *time.Timer // reused by roundTrip, so the loop allocates no timer
}

// connectBenchClient connects a client with a new ID and subscribes it.
func connectBenchClient(url string) (*benchClient, error) {
	return connectBenchClientVia(url, nil)
}

// connectBenchClientVia is connectBenchClient with the connection opened by
// open, when it is not nil (a connection in memory).
func connectBenchClientVia(url string, open paho.OpenConnectionFunc) (*benchClient, error) {
	id := fmt.Sprintf("bench-%d", benchClientSeq.Add(1))
	c := &benchClient{id: id, topic: "bench/" + id, got: make(chan paho.Message, 1), timer: time.NewTimer(benchWait)}
	c.timer.Stop()
	o := paho.NewClientOptions().AddBroker(url).SetClientID(id).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(benchWait)
	if open != nil {
		o.SetCustomOpenConnectionFn(open)
	}
	c.Client = paho.NewClient(o)
	if err := benchToken(c.Connect()); err != nil {
		c.Disconnect(benchQuiesce) // stops paho's goroutines if the connect timed out
		return nil, fmt.Errorf("connect %s to %s: %w", id, url, err)
	}
	if err := benchToken(c.Subscribe(c.topic, 1, func(_ paho.Client, m paho.Message) { c.got <- m })); err != nil {
		c.Disconnect(benchQuiesce)
		return nil, fmt.Errorf("subscribe %s on %s: %w", c.topic, url, err)
	}
	return c, nil
}

// roundTrip publishes at QoS 1 and waits for the PUBACK and the delivery.
func (c *benchClient) roundTrip(payload []byte) error {
	if err := benchToken(c.Publish(c.topic, 1, false, payload)); err != nil {
		return fmt.Errorf("publish %s: %w", c.topic, err)
	}
	c.timer.Reset(benchWait)
	select {
	case <-c.got:
		c.timer.Stop()
		return nil
	case <-c.timer.C:
		return fmt.Errorf("no delivery on %s within %v", c.topic, benchWait)
	}
}

// startWithClient starts a broker and connects a subscribed client to it;
// the caller closes both.
func startWithClient(b *testing.B, start func() (benchBroker, error)) (benchBroker, *benchClient) {
	br, err := start()
	if err != nil {
		b.Fatal(err)
	}
	c, err := connectBenchClient(br.URL())
	if err != nil {
		br.Close()
		b.Fatal(err)
	}
	return br, c
}

// roundTrips times b.N round trips; what came before is not timed.
func (c *benchClient) roundTrips(b *testing.B, payload []byte) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.roundTrip(payload); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
}

// benchToken waits for a paho token, at most benchWait.
func benchToken(tok paho.Token) error {
	if !tok.WaitTimeout(benchWait) {
		return fmt.Errorf("no answer within %v", benchWait)
	}
	return tok.Error()
}

// BenchmarkStartClose measures starting a broker on a free loopback port and
// closing it, with no client.
//
// mqtttest-memory is a broker WithoutTCP: no socket at all.
func BenchmarkStartClose(b *testing.B) {
	impls := append(benchImpls[:len(benchImpls):len(benchImpls)], struct {
		name  string
		start func() (benchBroker, error)
	}{"mqtttest-memory", func() (benchBroker, error) { return Start(WithoutTCP()) }})
	for _, impl := range impls {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				br, err := impl.start()
				if err != nil {
					b.Fatal(err)
				}
				br.Close()
			}
		})
	}
}

// BenchmarkRoundTripQoS1 measures one QoS 1 publish by a client to a topic it
// subscribes to at QoS 1, until both the PUBACK and the delivery arrived.
// The broker and the client are set up once, outside the timer.
//
// mqtttest-10-idle-rules has ten fault rules installed that never match:
// what a test pays for rules it is not exercising right now.
func BenchmarkRoundTripQoS1(b *testing.B) {
	payload := []byte("21.5")
	impls := append(benchImpls[:len(benchImpls):len(benchImpls)], struct {
		name  string
		start func() (benchBroker, error)
	}{"mqtttest-10-idle-rules", startWithIdleRules})
	for _, impl := range impls {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			br, c := startWithClient(b, impl.start)
			// The broker closes first, while the client is idle: a client
			// leaving while bare mochi v2.7.9 closes can deadlock it
			// (Clients.GetByListener takes its read lock twice,
			// mochi-mqtt/server#488; Broker.Close avoids that call).
			// Disconnect then waits for paho to finish with the lost
			// connection.
			defer c.Disconnect(benchQuiesce)
			defer br.Close()
			c.roundTrips(b, payload)
		})
	}
}

// startWithIdleRules starts our broker with ten fault rules that match no
// packet of the benchmark (another client ID each).
func startWithIdleRules() (benchBroker, error) {
	br, err := Start()
	if err != nil {
		return nil, err
	}
	for i := 0; i < 10; i++ {
		if _, err := br.Inject(Drop(ClientID(fmt.Sprintf("idle-%d", i)), Type(TypePuback))); err != nil {
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

// BenchmarkTestLifecycle measures what one typical test costs: start the
// broker, connect a paho.mqtt.golang client, subscribe, publish at QoS 1 and
// receive it, disconnect the client, close the broker: over TCP, and in
// memory (a broker WithoutTCP, the client connected through Dial).
func BenchmarkTestLifecycle(b *testing.B) {
	payload := []byte("21.5")
	for _, memory := range []bool{false, true} {
		name := "tcp"
		if memory {
			name = "memory"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := benchLifecycle(payload, memory); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchLifecycle is one iteration of BenchmarkTestLifecycle.
func benchLifecycle(payload []byte, memory bool) error {
	var opts []Option
	if memory {
		opts = append(opts, WithoutTCP())
	}
	br, err := Start(opts...)
	if err != nil {
		return err
	}
	defer br.Close()
	addr, open := br.URL(), paho.OpenConnectionFunc(nil)
	if memory {
		addr = "tcp://in-memory:1883" // not dialled
		open = func(*url.URL, paho.ClientOptions) (net.Conn, error) { return br.Dial(context.Background()) }
	}
	c, err := connectBenchClientVia(addr, open)
	if err != nil {
		return err
	}
	if err := c.roundTrip(payload); err != nil {
		br.Close()
		c.Disconnect(benchQuiesce)
		return err
	}
	c.Disconnect(benchQuiesce)
	return br.Close()
}

// BenchmarkInjectedDelay measures how exactly a Delay rule delays: a 20 ms
// delay on the PUBACKs to one client, against that client's round trip
// without it (the median of 200, measured first). It reports the median and
// 99th percentile of |extra latency − 20 ms|.
func BenchmarkInjectedDelay(b *testing.B) {
	const delay = 20 * time.Millisecond
	b0, c := startWithClient(b, func() (benchBroker, error) { return Start() })
	br := b0.(*Broker)
	defer c.Disconnect(benchQuiesce)
	defer br.Close()
	rtt := func() time.Duration {
		start := time.Now()
		if err := benchToken(c.Publish(c.topic, 1, false, "d")); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		<-c.got
		return took
	}
	base := make([]time.Duration, 200)
	for i := range base {
		base[i] = rtt()
	}
	baseline := median(base)
	if _, err := br.Inject(Delay(delay, Type(TypePuback), Dir(ToClient))); err != nil {
		b.Fatal(err)
	}
	errs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		extra := rtt() - baseline
		errs = append(errs, (extra - delay).Abs())
	}
	b.StopTimer()
	slices.Sort(errs)
	b.ReportMetric(float64(errs[len(errs)/2].Microseconds())/1000, "median-err-ms")
	b.ReportMetric(float64(errs[len(errs)*99/100].Microseconds())/1000, "p99-err-ms")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkProxyRoundTripQoS1 measures the proxy's cost in front of a real
// broker: the QoS 1 round trip of BenchmarkRoundTripQoS1 against the Debian
// mosquitto broker, through the proxy (/mosquitto) and directly (/direct).
func BenchmarkProxyRoundTripQoS1(b *testing.B) {
	upstream := mosquittotest.Start(b)
	p, err := StartProxy(upstream)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	relay := startBareRelay(b, upstream)
	payload := []byte("21.5")
	for _, c := range []struct{ name, url string }{{"mosquitto", p.URL()}, {"direct", "tcp://" + upstream}, {"bare-relay", relay}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cl, err := connectBenchClient(c.url)
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Disconnect(benchQuiesce)
			cl.roundTrips(b, payload)
		})
	}
}

// startBareRelay starts the simplest TCP relay to upstream (io.Copy both
// ways, no tap), the floor for any proxy, and returns its URL. It is closed
// with b.
func startBareRelay(b *testing.B, upstream string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(up, c); up.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	return "tcp://" + ln.Addr().String()
}

// BenchmarkIdleRulesPerPacket measures what ten installed rules that do not
// match cost one packet: the per-packet part of
// RoundTripQoS1/mqtttest-10-idle-rules, without the network's noise.
func BenchmarkIdleRulesPerPacket(b *testing.B) {
	set := new(faultSet)
	for i := 0; i < 10; i++ {
		newFault(Drop(ClientID(fmt.Sprintf("idle-%d", i)), Type(TypePuback)), set)
	}
	r := Record{Event: EventPacket, Dir: ToClient, Type: TypePuback, ClientID: "bench-1", PacketID: 1}
	b.ReportAllocs()
	for b.Loop() {
		if v := set.Decide(&r); v.Act != nil {
			b.Fatal("an idle rule acted")
		}
	}
}

// BenchmarkRestart measures Restart keeping sessions, with 100 persistent
// sessions (offline) holding 10 queued QoS 1 messages each.
func BenchmarkRestart(b *testing.B) {
	br, err := Start()
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	ctx, cancel := context.WithTimeout(context.Background(), benchWait)
	defer cancel()
	for i := 0; i < 100; i++ {
		id, topic := fmt.Sprintf("s%03d", i), fmt.Sprintf("r/%03d", i)
		c, err := net.Dial("tcp", br.Addr())
		if err != nil {
			b.Fatal(err)
		}
		c.Write(append(rawConnect(id, false), rawSubscribe(topic, 1)...))
		if _, err := br.Recorder().WaitFor(ctx, ClientID(id), Type(TypeSuback)); err != nil {
			b.Fatal(err)
		}
		c.Close()
		if _, err := br.Recorder().WaitFor(ctx, ClientID(id), Closed()); err != nil {
			b.Fatal(err)
		}
		for j := 0; j < 10; j++ {
			if err := br.Publish(topic, []byte("queued"), 1, false); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := br.Restart(true); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := len(br.Clients()); n != 100 {
		b.Fatalf("%d sessions after the restarts, want 100", n)
	}
}

// rawConnect is an MQTT 3.1.1 CONNECT with keepalive 30.
func rawConnect(id string, clean bool) []byte {
	flags := byte(0)
	if clean {
		flags = 0x02
	}
	body := append([]byte{0, 4, 'M', 'Q', 'T', 'T', 4, flags, 0, 30, 0, byte(len(id))}, id...)
	return append([]byte{0x10, byte(len(body))}, body...)
}

// rawSubscribe is an MQTT 3.1.1 SUBSCRIBE, packet ID 1.
func rawSubscribe(filter string, qos byte) []byte {
	body := append(append([]byte{0, 1, 0, byte(len(filter))}, filter...), qos)
	return append([]byte{0x82, byte(len(body))}, body...)
}

// BenchmarkIdleBrokers starts 10,000 brokers WithoutTCP, all alive at once,
// as a suite that starts a broker per parallel test might, and reports what
// each costs: its start, the heap and resident memory it holds, its
// goroutines, and the CPU the 10,000 use while idle (mochi's event loop
// wakes each broker once a second). One iteration takes several seconds:
// run it with -benchtime 1x, in a process of its own (-count 1) for the
// resident memory.
func BenchmarkIdleBrokers(b *testing.B) {
	const n = 10000
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		rss0, goroutines0 := residentBytes(b), runtime.NumGoroutine()
		brokers := make([]*Broker, 0, n)
		start := time.Now()
		for range n {
			br, err := Start(WithoutTCP())
			if err != nil {
				b.Fatal(err)
			}
			brokers = append(brokers, br)
		}
		took := time.Since(start)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		rss, goroutines := residentBytes(b), runtime.NumGoroutine()
		cpu0 := cpuTime(b)
		time.Sleep(2 * time.Second) // idle: the measure is of what happens meanwhile, not a wait for something
		idleCPU := cpuTime(b) - cpu0
		for _, br := range brokers {
			br.Close()
		}
		b.ReportMetric(float64(took.Microseconds())/n, "µs-start/broker")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/n/1024, "KiB-heap/broker")
		b.ReportMetric((float64(rss)-float64(rss0))/n/1024, "KiB-rss/broker") // in a fresh process (-count 1): later iterations reuse memory the first freed
		b.ReportMetric(float64(goroutines-goroutines0)/n, "goroutines/broker")
		b.ReportMetric(idleCPU.Seconds()/2*100, "%CPU-idle-10k")
	}
}

// residentBytes returns the process's resident memory (VmRSS).
func residentBytes(b *testing.B) uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status to read resident memory from: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				b.Fatalf("VmRSS line %q: %v", line, err)
			}
			return kb * 1024
		}
	}
	b.Skip("no VmRSS in /proc/self/status")
	return 0
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
