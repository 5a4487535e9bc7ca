package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// BenchmarkControl measures the control API from a client on the same
// machine: installing a fault (POST /faults), and how soon a waiting
// GET /records?wait answers after the record it waits for is made. Each
// reports its median and 99th percentile.
func BenchmarkControl(b *testing.B) {
	br, err := mqtttest.Start(mqtttest.WithoutTCP())
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	c, err := startControl(br, br, "127.0.0.1:0", "")
	if err != nil {
		b.Fatal(err)
	}
	defer c.close()
	client := &http.Client{}
	post := func(path, body string) {
		resp, err := client.Post(c.url()+path, "application/json", bytes.NewBufferString(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			b.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
	}
	report := func(b *testing.B, ds []time.Duration) {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "µs-median")
		b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "µs-p99")
	}
	b.Run("install-fault", func(b *testing.B) {
		var ds []time.Duration
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			post("/faults", fmt.Sprintf(`{"match":{"client":"c-%d","type":"PUBACK"},"action":"drop"}`, i))
			ds = append(ds, time.Since(start))
		}
		post("/publish", `{"topic":"x"}`) // the broker still answers
		req, _ := http.NewRequest("DELETE", c.url()+"/faults", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
		}
		report(b, ds)
	})
	b.Run("records-wait-wakes", func(b *testing.B) {
		var ds []time.Duration
		for i := 0; b.Loop(); i++ {
			topic := fmt.Sprintf("wake/%d", i)
			since := uint64(len(br.Recorder().Records()) + 1)
			answered := make(chan time.Time, 1)
			go func() {
				resp, err := client.Get(fmt.Sprintf("%s/records?since=%d&topic=%s&wait=10s", c.url(), since, topic))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				answered <- time.Now()
			}()
			waitWaiting(b, c)
			if err := br.Publish(topic, []byte("x"), 0, false); err != nil {
				b.Fatal(err)
			}
			rs, err := br.Recorder().WaitFor(context.Background(), mqtttest.BrokerDropped(), mqtttest.Topic(topic))
			if err != nil {
				b.Fatal(err)
			}
			ds = append(ds, (<-answered).Sub(rs.Time))
		}
		report(b, ds)
	})
}

// waitWaiting returns once a GET /records is waiting in the server: the
// benchmark measures a wake-up, not a request that came late.
func waitWaiting(b *testing.B, c *control) {
	deadline := time.Now().Add(10 * time.Second)
	for c.waiting.Load() == 0 {
		if time.Now().After(deadline) {
			b.Fatal("no GET /records?wait is waiting")
		}
		time.Sleep(20 * time.Microsecond) // a poll of a condition in a benchmark, not a guess at timing
	}
}
