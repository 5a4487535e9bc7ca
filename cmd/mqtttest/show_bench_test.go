package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// BenchmarkShowMillion runs show over a recording of 1,000,000 records (a
// QoS 1 PUBLISH and its PUBACK from each of 100 clients in turn), printing
// every record, and only one client's; and diagram over it. It reports the
// time per record and the largest heap in use while show ran: show reads
// a record at a time, so the heap does not grow with the file. Writing the
// file is not timed. One iteration takes seconds: run it with -benchtime 1x.
func BenchmarkShowMillion(b *testing.B) {
	const n = 1_000_000
	file := writeMillion(b, n)
	st, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		run  func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
		args []string
	}{
		{"show-all", show, nil},
		{"show-one-client", show, []string{"--client", "c-7"}},
		{"diagram", diagram, nil}, // reads every record, draws the first 300
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				peak := watchHeap()
				start := time.Now()
				if code := c.run(append(c.args, file), nil, io.Discard, io.Discard); code != exitOK {
					b.Fatalf("%s exited %d", c.name, code)
				}
				took := time.Since(start)
				b.ReportMetric(float64(took.Nanoseconds())/n, "ns/record")
				b.ReportMetric(float64(peak())/(1<<20), "MiB-peak-heap")
				b.ReportMetric(float64(st.Size())/1e6, "MB-file")
			}
		})
	}
}

// writeMillion writes a recording of n records to a file in b's temporary
// directory, a record at a time, and returns its name.
func writeMillion(b *testing.B, n int) string {
	name := filepath.Join(b.TempDir(), "million.jsonl")
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	payload := []byte("21.5")
	for i := range n / 2 {
		client := fmt.Sprintf("c-%d", i%100)
		id := uint16(i%65535 + 1)
		topic := "sensors/" + client + "/temp"
		frame := append([]byte{0x32, byte(2 + len(topic) + 2 + len(payload)), 0, byte(len(topic))}, topic...)
		frame = append(append(frame, byte(id>>8), byte(id)), payload...)
		for j, f := range [][]byte{frame, {0x40, 0x02, byte(id >> 8), byte(id)}} {
			dir := record.ToBroker
			if j == 1 {
				dir = record.ToClient
			}
			r, _, err := record.DecodePacket(f, 4, dir)
			if err != nil {
				b.Fatal(err)
			}
			r.Seq, r.Time, r.Conn, r.ClientID, r.Listener = uint64(2*i+j+1), start.Add(time.Duration(2*i+j)*time.Microsecond), uint64(i%100+1), client, "tcp"
			line, err := r.MarshalJSON()
			if err != nil {
				b.Fatal(err)
			}
			w.Write(append(line, '\n'))
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return name
}

// watchHeap samples the heap in use every 5 ms until the function it
// returns is called, which returns the largest sample.
func watchHeap() func() uint64 {
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	runtime.GC()
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return peak.Load()
	}
}
