package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"testing"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestMosquittoClients relays a QoS 1 message between the Debian
// mosquitto_pub and mosquitto_sub programs through serve.
func TestMosquittoClients(t *testing.T) {
	t.Parallel()
	subPath := lookPath(t, "mosquitto_sub", "mosquitto-clients")
	pubPath := lookPath(t, "mosquitto_pub", "mosquitto-clients")
	s := startServe(t, "--addr", "127.0.0.1:0")
	port := s.port()

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var subOut, subErr bytes.Buffer
	sub := exec.CommandContext(ctx, subPath, "-h", "127.0.0.1", "-p", port, "-i", "mosq-sub", "-t", "a/#", "-q", "1", "-C", "1")
	sub.Stdout, sub.Stderr = &subOut, &subErr
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cancel()
			_ = sub.Wait()
		}
	}()
	s.wait(mqtttest.Type(mqtttest.TypeSuback), mqtttest.ClientID("mosq-sub"))

	out, err := exec.CommandContext(ctx, pubPath, "-h", "127.0.0.1", "-p", port, "-i", "mosq-pub", "-t", "a/b", "-m", "hello", "-q", "1").CombinedOutput()
	if err != nil {
		t.Fatalf("mosquitto_pub: %v\n%s", err, out)
	}
	waited = true
	if err := sub.Wait(); err != nil {
		t.Fatalf("mosquitto_sub: %v\nstderr: %s\ntranscript:\n%s", err, subErr.String(), s.broker.Recorder().Transcript())
	}
	if got := subOut.String(); got != "hello\n" {
		t.Errorf("mosquitto_sub printed %q, want %q", got, "hello\n")
	}
	s.wait(mqtttest.Publish("a/b"), mqtttest.Dir(mqtttest.ToClient), mqtttest.ClientID("mosq-sub"))
}

// pythonScript connects with Python paho-mqtt (1.6 or 2.x), subscribes,
// publishes QoS 1 to itself, and prints the payload it receives.
const pythonScript = `
import sys
import paho.mqtt.client as mqtt

port = int(sys.argv[1])
if hasattr(mqtt, "CallbackAPIVersion"):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="py-paho")
else:
    c = mqtt.Client(client_id="py-paho")

def on_connect(client, userdata, flags, rc, *rest):
    client.subscribe("py/echo", qos=1)

def on_subscribe(client, userdata, mid, *rest):
    client.publish("py/echo", b"hello from python", qos=1)

def on_message(client, userdata, msg):
    print(msg.payload.decode())
    sys.stdout.flush()
    client.disconnect()

c.on_connect = on_connect
c.on_subscribe = on_subscribe
c.on_message = on_message
c.connect("127.0.0.1", port, keepalive=10)
c.loop_forever()
`

// TestPythonPaho runs a Python paho-mqtt client (the Debian package
// python3-paho-mqtt, under /usr/bin/python3) against serve.
func TestPythonPaho(t *testing.T) {
	t.Parallel()
	const python = "/usr/bin/python3"
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if out, err := exec.CommandContext(ctx, python, "-c", "import paho.mqtt.client").CombinedOutput(); err != nil {
		needExternal(t, python+" with paho-mqtt", fmt.Errorf("%v: %s", err, bytes.TrimSpace(out)), "apt-get install -y python3-paho-mqtt")
	}
	s := startServe(t, "--addr", "127.0.0.1:0")
	port := s.port()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "-c", pythonScript, port)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python: %v\nstderr: %s\ntranscript:\n%s", err, stderr.String(), s.broker.Recorder().Transcript())
	}
	if got := stdout.String(); got != "hello from python\n" {
		t.Errorf("python printed %q, want %q; stderr: %s", got, "hello from python\n", stderr.String())
	}
	pub := s.wait(mqtttest.Publish("py/echo"), mqtttest.Dir(mqtttest.ToBroker), mqtttest.ClientID("py-paho"))
	if pub.QoS != 1 {
		t.Errorf("python's PUBLISH: got QoS %d, want 1", pub.QoS)
	}
	s.wait(mqtttest.Type(mqtttest.TypePuback), mqtttest.Dir(mqtttest.ToClient), mqtttest.PacketID(pub.PacketID), mqtttest.ClientID("py-paho"))
}
