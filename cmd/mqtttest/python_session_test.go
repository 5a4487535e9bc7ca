package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestPythonSessionLoss runs examples/python/session_loss.py with Debian's
// Python paho-mqtt 1.6 against serve --control: the script drops its
// device's PUBLISH through the control API, kills the device process, and
// shows that the new process, though its session was kept, never sends the
// message again. The recording shows the same.
func TestPythonSessionLoss(t *testing.T) {
	t.Parallel()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import paho.mqtt.client").CombinedOutput(); err != nil {
		needExternal(t, python+" with paho-mqtt", fmt.Errorf("%v: %s", err, bytes.TrimSpace(out)), "apt-get install -y python3-paho-mqtt")
	}
	s, a := controlAPI(t)
	port := s.port()
	ctx, cancel := context.WithTimeout(context.Background(), 4*waitLimit)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "../../examples/python/session_loss.py", "--control", a.url, "--host", "127.0.0.1", "--port", port).CombinedOutput()
	if err != nil {
		t.Fatalf("session_loss.py: %v\n%s\ntranscript:\n%s", err, out, s.broker.Recorder().Transcript())
	}
	if !strings.Contains(string(out), "lost: plant/1/state") {
		t.Fatalf("session_loss.py did not report the loss:\n%s", out)
	}
	rec := s.broker.Recorder()
	if rs := rec.Find(mqtttest.Publish("plant/1/state"), mqtttest.ClientID("py-device")); len(rs) != 1 || rs[0].Fault != "dropped" {
		t.Errorf("want the device's one PUBLISH, dropped by the fault:\n%s", rec.Transcript())
	}
	if rs := rec.Find(mqtttest.Type(mqtttest.TypeConnack), mqtttest.ClientID("py-device")); len(rs) != 2 || !rs[1].SessionPresent {
		t.Errorf("want two connections of the device, the second resuming its session:\n%s", rec.Transcript())
	}
	if rs := rec.Find(mqtttest.Publish("plant/1/state"), mqtttest.ClientID("py-watch")); len(rs) != 0 {
		t.Errorf("the message reached the subscriber:\n%s", rec.Transcript())
	}
	if rs := rec.Find(mqtttest.Publish("plant/1/marker"), mqtttest.ClientID("py-watch")); len(rs) != 1 {
		t.Errorf("the marker did not reach the subscriber, so nothing shows the message could not still come:\n%s", rec.Transcript())
	}
}
