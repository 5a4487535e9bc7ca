package mqtttest_test

import (
	"context"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// BenchmarkResumeSession times a connection taking over a session that
// holds 100 unacknowledged QoS 1 messages, until the broker has sent them
// all again: the path the resume gate (resume.go, internal/tap/resume.go) is on.
func BenchmarkResumeSession(b *testing.B) {
	const n = 100
	br := mqtttest.NewBroker(b)
	first := fake.Dial(b, br.Addr(), fake.Acks(fake.AckNever()))
	first.Connect(fake.Connect{ClientID: "sub"})
	first.Subscribe(1, "resume/#")
	for range n {
		if err := br.Publish("resume/x", []byte("m"), 1, false); err != nil {
			b.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rec := br.Recorder()
	if _, err := rec.WaitForN(ctx, n, mqtttest.ClientID("sub"), mqtttest.Publish("resume/x")); err != nil {
		b.Fatal(err)
	}
	last := uint64(rec.Len()) // nothing is dropped: Seq counts from 1
	b.ResetTimer()
	for range b.N {
		c := fake.Dial(b, br.Addr(), fake.Acks(fake.AckNever()))
		c.Connect(fake.Connect{ClientID: "sub"})
		for got := 0; got < n; {
			rs, err := rec.Next(ctx, last)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range rs {
				if r.Type == mqtttest.TypePublish && r.Dir == mqtttest.ToClient {
					got++
				}
			}
			last = rs[len(rs)-1].Seq
		}
	}
}
