package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

// TestUsers: with --users, a client with a listed user and password
// connects, and one with a wrong password is refused with CONNACK 0x05
// (v3.1.1) and a clear error; the password appears in no line serve
// prints, transcript and logs included, nor in the --record file.
func TestUsers(t *testing.T) {
	t.Parallel()
	users := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(users, []byte("# who may connect\nsensor:hunter2-secret\n\nops:0ps-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "--addr", "127.0.0.1:0", "--users", users, "--transcript", "--logs", "--record", "{dir}/rec.jsonl")
	connect := func(user, password string) error {
		o := mqtt.NewClientOptions().AddBroker(s.broker.URL()).SetClientID(user + "-client").
			SetUsername(user).SetPassword(password).SetAutoReconnect(false).SetConnectTimeout(waitLimit)
		c := mqtt.NewClient(o)
		tok := c.Connect()
		tok.WaitTimeout(waitLimit)
		if tok.Error() == nil {
			c.Disconnect(50)
		}
		return tok.Error()
	}
	if err := connect("sensor", "hunter2-secret"); err != nil {
		t.Fatalf("a listed user could not connect: %v", err)
	}
	err := connect("sensor", "wrong-secret")
	if err == nil || !strings.Contains(err.Error(), "not Authorized") {
		t.Fatalf("a wrong password: %v, want paho's \"not Authorized\"", err)
	}
	if r := s.wait(mqtttest.Type(mqtttest.TypeConnack), mqtttest.ClientID("sensor-client"), mqtttest.Where("refused", func(r mqtttest.Record) bool { return r.ReasonCode != 0 })); r.ReasonCode != 0x05 {
		t.Errorf("the refusal: %s, want return code 0x05", r.Line())
	}
	s.stop()
	if !strings.Contains(s.stderr.String(), "level=") || !strings.Contains(s.stdout.String(), "CONNECT") {
		t.Fatalf("serve printed no logs or no transcript, so the check below would check nothing:\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
	}
	recording, err := os.ReadFile(s.path("rec.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var raws []byte // the raw bytes of every record, decoded from the JSON
	if err := record.ReadJSONL(bytes.NewReader(recording), func(r record.Record) error { raws = append(raws, r.Raw...); return nil }); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raws, []byte("sensor")) {
		t.Fatal("the recording holds no CONNECT of sensor, so the check below would check nothing")
	}
	for _, secret := range []string{"hunter2-secret", "wrong-secret"} {
		if strings.Contains(s.stdout.String()+s.stderr.String(), secret) {
			t.Errorf("a password reached serve's output:\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
		}
		if bytes.Contains(raws, []byte(secret)) || bytes.Contains(recording, []byte(secret)) {
			t.Errorf("the password %q reached the --record file", secret)
		}
	}
}

// TestUsersFileErrors: a bad --users file is refused with the line, and
// never its text.
func TestUsersFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct{ body, want string }{
		{"alice-no-colon-secret\n", "line 1 has no colon"},
		{"bob:x\n:nobody\n", "line 2 has an empty user name"},
		{"bob:x\nbob:y\n", `line 2 repeats user "bob"`},
		{"# nobody\n", "no users"},
	} {
		name := filepath.Join(dir, "users")
		if err := os.WriteFile(name, []byte(c.body), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runOnce(t, "serve", "--users", name)
		if code != exitUsage || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "secret") {
			t.Errorf("--users with %q: exit %d, stderr %q; want 2, %q, and no password", c.body, code, stderr, c.want)
		}
	}
}
