package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

// recordedSession records two clients' traffic (connect, subscribe, QoS 0
// and 1 publishes, a drop, a close) on a broker in memory, writes it to a
// JSON Lines file as serve's --record would, and returns the file and the
// records.
func recordedSession(t *testing.T) (string, []record.Record) {
	t.Helper()
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
	sub := fake.New(t, b.Conn(t))
	sub.Connect(fake.Connect{ClientID: "sub", CleanStart: true})
	sub.Subscribe(1, "home/#")
	pub := fake.New(t, b.Conn(t))
	pub.Connect(fake.Connect{ClientID: "pub", CleanStart: true})
	pub.Publish(fake.Publish{Topic: "home/kitchen/temp", Payload: []byte("21.5"), QoS: 1, PacketID: 1})
	pub.Publish(fake.Publish{Topic: "garden/temp", Payload: []byte("9"), QoS: 0})
	pub.Expect(mqtttest.Type(mqtttest.TypePuback))
	sub.Expect(mqtttest.Publish("home/kitchen/temp"))
	pub.Disconnect()
	if err := b.WaitOffline("pub", waitLimit); err != nil {
		t.Fatal(err)
	}
	if len(b.Recorder().Find(mqtttest.BrokerDropped())) == 0 {
		t.Fatalf("no drop recorded for garden/temp:\n%s", b.Recorder().Transcript())
	}
	name := filepath.Join(t.TempDir(), "rec.jsonl")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Recorder().WriteJSONL(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return name, b.Recorder().Records()
}

// runShow runs "mqtttest show" with args and returns its exit code, its
// standard output and its standard error.
func runShow(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runWith(context.Background(), append([]string{"show"}, args...), &stdout, &stderr, hooks{})
	return code, stdout.String(), stderr.String()
}

// TestShowFilters: show prints the transcript lines of exactly the records
// each filter selects, timed from the first record.
func TestShowFilters(t *testing.T) {
	t.Parallel()
	file, recs := recordedSession(t)
	start := recs[0].Time
	at := func(i int) time.Duration { return recs[i].Time.Sub(start) }
	mid := len(recs) / 2
	for _, c := range []struct {
		args []string
		keep func(r record.Record) bool
	}{
		{nil, func(record.Record) bool { return true }},
		{[]string{"--client", "pub"}, func(r record.Record) bool { return r.ClientID == "pub" }},
		{[]string{"--topic", "home/#"}, func(r record.Record) bool {
			return r.Topic == "home/kitchen/temp" || len(r.Subscriptions) == 1 && r.Subscriptions[0].Filter == "home/#"
		}},
		{[]string{"--type", "publish,PUBACK"}, func(r record.Record) bool {
			return r.Event == record.EventPacket && (r.Type == record.TypePublish || r.Type == record.TypePuback)
		}},
		{[]string{"--conn", "2"}, func(r record.Record) bool { return r.Conn == 2 }},
		{[]string{"--from", at(mid).String()}, func(r record.Record) bool { return !r.Time.Before(recs[mid].Time) }},
		{[]string{"--to", recs[mid].Time.Format(time.RFC3339Nano)}, func(r record.Record) bool { return !r.Time.After(recs[mid].Time) }},
	} {
		var want strings.Builder
		for _, r := range recs {
			if c.keep(r) {
				want.WriteString(r.LineSince(start) + "\n")
			}
		}
		code, out, errOut := runShow(t, append(c.args, file)...)
		if code != exitOK || errOut != "" {
			t.Errorf("show %v: exit %d, stderr %q", c.args, code, errOut)
		}
		if out != want.String() || out == "" {
			t.Errorf("show %v printed\n%s\nwant\n%s", c.args, out, want.String())
		}
	}
}

// TestShowBadInput: each mistake is refused in one line that says what is
// wrong, with exit code 2 for the command line and 1 for a damaged file.
func TestShowBadInput(t *testing.T) {
	t.Parallel()
	file, _ := recordedSession(t)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(t.TempDir(), "damaged.jsonl")
	lines := strings.SplitAfter(string(data), "\n")
	if err := os.WriteFile(damaged, []byte(lines[0]+lines[1]+"{not json\n"+lines[2]), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, exitUsage, "want one recording FILE"},
		{[]string{filepath.Join(t.TempDir(), "absent.jsonl")}, exitUsage, "cannot read the recording"},
		{[]string{"--type", "PUBLISH,PUBLIHS", file}, exitUsage, `no packet type "PUBLIHS"`},
		{[]string{"--topic", "a/#/b", file}, exitUsage, "--topic"},
		{[]string{"--from", "yesterday", file}, exitUsage, `--from "yesterday"`},
		{[]string{"--nope", file}, exitUsage, "flag provided but not defined"},
		{[]string{damaged}, exitRuntime, "line 3"},
	} {
		code, _, errOut := runShow(t, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("show %v: exit %d, stderr %q; want exit %d and one line with %q", c.args, code, errOut, c.code, c.want)
		}
	}
	if code, out, _ := runShow(t, "--help"); code != exitOK || !strings.Contains(out, "--client") {
		t.Errorf("show --help: exit %d, output %q", code, out)
	}
}

// TestShowServeRecording: mosquitto_pub publishes a retained message
// through serve --record; show of the file finds it by topic and client.
func TestShowServeRecording(t *testing.T) {
	t.Parallel()
	pubPath := lookPath(t, "mosquitto_pub", "mosquitto-clients")
	s := startServe(t, "--addr", "127.0.0.1:0", "--record", "{dir}/rec.jsonl")
	port := s.port()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if out, err := exec.CommandContext(ctx, pubPath, "-h", "127.0.0.1", "-p", port, "-i", "mosq-pub", "-t", "plant/1/state", "-m", "on", "-q", "1", "-r").CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_pub: %v\n%s", err, out)
	}
	s.wait(mqtttest.Closed(), mqtttest.ClientID("mosq-pub"))
	if code := s.stop(); code != exitOK {
		t.Fatalf("serve exit code %d; stderr: %s", code, s.stderr)
	}
	code, out, errOut := runShow(t, "--topic", "plant/+/state", "--client", "mosq-pub", s.path("rec.jsonl"))
	if code != exitOK || errOut != "" {
		t.Fatalf("show: exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `mosq-pub → broker  PUBLISH  q1 id=1 retain  plant/1/state  "on"`) {
		t.Fatalf("show printed %q, want the one PUBLISH of mosquitto_pub", out)
	}
}
