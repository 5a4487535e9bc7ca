package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestMosquittoRetainedWildcardWill: through serve, with the Debian
// mosquitto_pub and mosquitto_sub programs, a retained message reaches a
// later wildcard subscriber with the retain flag, and the will of a
// subscriber killed without DISCONNECT is published; the recording shows
// each.
func TestMosquittoRetainedWildcardWill(t *testing.T) {
	t.Parallel()
	subPath := lookPath(t, "mosquitto_sub", "mosquitto-clients")
	pubPath := lookPath(t, "mosquitto_pub", "mosquitto-clients")
	s := startServe(t, "--addr", "127.0.0.1:0")
	port := s.port()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()

	if out, err := exec.CommandContext(ctx, pubPath, "-h", "127.0.0.1", "-p", port, "-i", "thermostat", "-t", "home/kitchen/temp", "-m", "21.5", "-q", "1", "-r").CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_pub: %v\n%s", err, out)
	}
	// A later subscriber to a wildcard gets the retained message, flagged (-v prints the topic, -R would skip it).
	out, err := exec.CommandContext(ctx, subPath, "-h", "127.0.0.1", "-p", port, "-i", "dashboard", "-t", "home/+/temp", "-q", "1", "-C", "1", "-v").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "home/kitchen/temp 21.5" {
		t.Fatalf("mosquitto_sub home/+/temp: %v, printed %q", err, out)
	}
	if r := s.wait(mqtttest.Publish("home/kitchen/temp"), mqtttest.ClientID("dashboard"), mqtttest.Dir(mqtttest.ToClient)); !r.Retain {
		t.Errorf("the retained message to the late subscriber: %s, want the retain flag", r.Line())
	}

	// A subscriber with a will, killed: the broker publishes the will.
	var errOut bytes.Buffer
	dev := exec.CommandContext(ctx, subPath, "-h", "127.0.0.1", "-p", port, "-i", "device", "-t", "cmd/device", "-k", "60",
		"--will-topic", "status/device", "--will-payload", "offline", "--will-qos", "1")
	dev.Stderr = &errOut
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	s.wait(mqtttest.Type(mqtttest.TypeSuback), mqtttest.ClientID("device"))
	watch := exec.CommandContext(ctx, subPath, "-h", "127.0.0.1", "-p", port, "-i", "watch", "-t", "status/#", "-q", "1", "-C", "1")
	var watchOut bytes.Buffer
	watch.Stdout = &watchOut
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	s.wait(mqtttest.Type(mqtttest.TypeSuback), mqtttest.ClientID("watch"))
	if err := dev.Process.Kill(); err != nil { // no DISCONNECT: the will must go out
		t.Fatal(err)
	}
	_ = dev.Wait()
	if err := watch.Wait(); err != nil || strings.TrimSpace(watchOut.String()) != "offline" {
		t.Fatalf("mosquitto_sub status/#: %v, printed %q; want the will", err, watchOut.String())
	}
	closed := s.wait(mqtttest.Closed(), mqtttest.ClientID("device"))
	will := s.wait(mqtttest.Publish("status/device"), mqtttest.ClientID("watch"), mqtttest.Dir(mqtttest.ToClient))
	if closed.ClosedBy != mqtttest.ClosedByClient || will.Seq < closed.Seq || string(will.Payload) != "offline" {
		t.Errorf("want the device's close (by the client, without DISCONNECT) and then its will:\n%s", s.broker.Recorder().Transcript())
	}
}
