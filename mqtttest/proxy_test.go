package mqtttest

import (
	"strings"
	"testing"

	paho3 "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/internal/mosquittotest"
)

// TestProxyRecordsMosquittoTraffic runs real clients through the proxy to
// the Debian mosquitto broker: the traffic is recorded like the embedded
// broker's.
func TestProxyRecordsMosquittoTraffic(t *testing.T) {
	p := NewProxy(t, mosquittotest.Start(t))
	sub := connect3(t, p.URL(), "sub")
	sub.subscribe(t, "m/#", 1)
	pub := connect3(t, p.URL(), "pub")
	pub.publish(t, "m/1", 1, false, "via mosquitto")
	if m := receive(t, sub.got); m.payload != "via mosquitto" {
		t.Fatalf("subscriber got %+v", m)
	}
	rec := p.Recorder()
	in := wait(t, rec, ClientID("pub"), Publish("m/1"), Dir(ToBroker))
	checkFlow(t, rec, "pub", in.PacketID, "to-broker PUBLISH", "to-client PUBACK")
	wait(t, rec, ClientID("sub"), Publish("m/1"), Dir(ToClient))
	wait(t, rec, ClientID("sub"), Type(TypePuback), Dir(ToBroker))
	if r := wait(t, rec, ClientID("pub"), Type(TypeConnack)); r.Listener != "proxy" {
		t.Errorf("record listener %q, want proxy", r.Listener)
	}
}

// TestProxyWillAfterCut cuts a client's connection through the proxy with a
// fault rule: the real mosquitto broker publishes its will.
func TestProxyWillAfterCut(t *testing.T) {
	p := NewProxy(t, mosquittotest.Start(t))
	watcher := connect3(t, p.URL(), "watcher")
	watcher.subscribe(t, "wills/#", 1)
	f := inject(t, p, CutBefore(ClientID("dev"), Publish("cut/#")).Times(1))
	dev := connect3(t, p.URL(), "dev", func(o *paho3.ClientOptions) { o.SetWill("wills/dev", "gone", 1, false) })
	dev.Publish("cut/now", 0, false, "")
	if m := receive(t, watcher.got); m.topic != "wills/dev" || m.payload != "gone" {
		t.Fatalf("watcher got %+v, want the will", m)
	}
	if f.Acted() != 1 {
		t.Errorf("cut acted %d times, want 1", f.Acted())
	}
	if r := wait(t, p.Recorder(), ClientID("dev"), Closed()); r.ClosedBy != "test" {
		t.Errorf("close record %q, want closed by the test's fault", r.Line())
	}
}

// TestProxyUnreachableUpstream checks a client of a proxy whose upstream is
// down gets a closed connection at once, and the record says why.
func TestProxyUnreachableUpstream(t *testing.T) {
	dead := NewBroker(t)
	addr := dead.Addr()
	dead.Close()
	p := NewProxy(t, addr)
	c := dialAddr(t, p.Addr())
	readUntilClosed(t, c)
	r := wait(t, p.Recorder(), Closed())
	if r.ClosedBy != "broker" || !strings.Contains(r.Reason, "unreachable") || !strings.Contains(r.Reason, addr) {
		t.Errorf("close record %q, want the upstream %s unreachable", r.Line(), addr)
	}
}

// TestProxyRejectsBrokerOptions checks options that belong to a broker are refused.
func TestProxyRejectsBrokerOptions(t *testing.T) {
	if p, err := StartProxy("127.0.0.1:1", WithTLS()); err == nil {
		p.Close()
		t.Error("StartProxy with WithTLS succeeded, want an error")
	}
	if p, err := StartProxy(""); err == nil {
		p.Close()
		t.Error("StartProxy without an upstream succeeded, want an error")
	}
	// The error names the options given (issue 9, defect 10), each once,
	// WithMaxInflight included: a proxy has no queues to limit.
	_, err := StartProxy("127.0.0.1:1", WithRecordLimit(5), WithTLS(), WithACL(DenyPublish("a")), WithACL(DenySubscribe("b")), WithMaxInflight(10))
	if want := "cannot use WithTLS, WithACL, WithMaxInflight ("; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("StartProxy with broker options: error %v, want one that says %q", err, want)
	}
}

// TestFailedProxyTestWithoutRecords checks a failed test's log says so
// when nothing went through the proxy, rather than "last records:" over
// nothing (issue 9, defect 10).
func TestFailedProxyTestWithoutRecords(t *testing.T) {
	f := &fakeTB{TB: t}
	p := NewProxy(f, "127.0.0.1:1")
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	if len(f.logs) != 1 || !strings.Contains(f.logs[0], p.Addr()) || !strings.HasSuffix(f.logs[0], ", no records (nothing was recorded)") {
		t.Errorf("failed test logged %q, want the proxy address and no records", f.logs)
	}
}

// TestProxyPartition: Proxy.Partition freezes the connections through the
// proxy both ways and refuses new ones; Heal lets packets through again.
func TestProxyPartition(t *testing.T) {
	p := NewProxy(t, mosquittotest.Start(t))
	sub := connect3(t, p.URL(), "sub")
	sub.subscribe(t, "p/#", 1)
	pub := connect3(t, p.URL(), "pub")
	p.Partition()
	pub.Publish("p/lost", 0, false, "into the partition")
	if r := wait(t, p.Recorder(), ClientID("pub"), Publish("p/lost")); !r.Withheld || !strings.Contains(r.Fault, "Partition") {
		t.Errorf("a PUBLISH during the partition: %s, want it withheld by the partition", r.Line())
	}
	late := dialAddr(t, p.Addr())
	defer late.Close()
	wait(t, p.Recorder(), Closed(), Where("refused by the partition", func(r Record) bool { return strings.Contains(r.Reason, "partitioned") }))
	p.Heal()
	pub.publish(t, "p/after", 1, false, "healed")
	if m := receive(t, sub.got); m.topic != "p/after" {
		t.Fatalf("after Heal the subscriber got %+v, want p/after (and never p/lost)", m)
	}
}
