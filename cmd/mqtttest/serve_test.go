package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestServeRecordsPahoPublish runs serve with --record and --ready-file,
// publishes QoS 1 with paho.mqtt.golang, stops it with the client still
// connected, and checks the JSON Lines file, including the close that the
// shutdown made.
func TestServeRecordsPahoPublish(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--addr", "127.0.0.1:0", "--record", "{dir}/rec.jsonl", "--ready-file", "{dir}/ready.json")

	ri := readReady(t, s.path("ready.json"))
	if ri.URL != s.broker.URL() || ri.Addr != s.broker.Addr() || ri.PID != os.Getpid() {
		t.Fatalf("ready file: got url %q addr %q pid %d, want %q %q %d", ri.URL, ri.Addr, ri.PID, s.broker.URL(), s.broker.Addr(), os.Getpid())
	}
	if ri.WSURL != "" || ri.TLSURL != "" || ri.CAFile != "" {
		t.Errorf("ready file: got ws_url %q tls_url %q ca_file %q, want none without --ws and --tls", ri.WSURL, ri.TLSURL, ri.CAFile)
	}
	if want := "mqtttest: listening on " + s.broker.URL() + "\n"; s.stdout.String() != want {
		t.Errorf("stdout: got %q, want %q", s.stdout, want)
	}

	c := connectPaho(t, ri.URL, "go-paho", nil)
	waitToken(t, c.Publish("sensors/1/temp", 1, false, "21.5"), "publish")
	s.wait(mqtttest.Type(mqtttest.TypePuback), mqtttest.ClientID("go-paho"))

	if code := s.stop(); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, s.stderr)
	}
	if _, err := os.Stat(s.path("ready.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ready file still there after exit: %v", err)
	}

	lines := readJSONL(t, s.path("rec.jsonl"))
	find := func(typ, dir string) map[string]any {
		t.Helper()
		for _, l := range lines {
			if l["type"] == typ && l["dir"] == dir {
				return l
			}
		}
		t.Fatalf("no %s %s in the record file:\n%s", dir, typ, s.broker.Recorder().Transcript())
		return nil
	}
	connect := find("CONNECT", "to-broker")
	if connect["client_id"] != "go-paho" || connect["version"] != 4.0 || connect["event"] != "packet" || connect["listener"] != "tcp" {
		t.Errorf("CONNECT record: got %v", connect)
	}
	pub := find("PUBLISH", "to-broker")
	if pub["topic"] != "sensors/1/temp" || pub["payload"] != "21.5" || pub["payload_encoding"] != "utf8" || pub["qos"] != 1.0 || pub["client_id"] != "go-paho" {
		t.Errorf("PUBLISH record: got %v", pub)
	}
	ack := find("PUBACK", "to-client")
	if ack["packet_id"] != pub["packet_id"] || ack["reason_code"] != 0.0 || ack["client_id"] != "go-paho" {
		t.Errorf("PUBACK record: got %v, want packet_id %v and reason_code 0", ack, pub["packet_id"])
	}
	if last := lines[len(lines)-1]; last["event"] != "close" || last["client_id"] != "go-paho" {
		t.Errorf("last record: got %v, want the close of go-paho made by the shutdown", last)
	}
	assertSameAsWriteJSONL(t, s)
}

// assertSameAsWriteJSONL checks that the streamed --record file (rec.jsonl)
// is byte for byte what Recorder.WriteJSONL writes for the same recording.
func assertSameAsWriteJSONL(t *testing.T, s *served) {
	t.Helper()
	got, err := os.ReadFile(s.path("rec.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := s.broker.Recorder().WriteJSONL(&want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("the --record file differs from Recorder.WriteJSONL:\ngot:\n%s\nwant:\n%s", got, want.Bytes())
	}
}

// TestServeTranscript checks that --transcript prints each record after the
// ready line, as it arrives.
func TestServeTranscript(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--addr", "127.0.0.1:0", "--transcript")
	c := connectPaho(t, s.broker.URL(), "talker", nil)
	waitToken(t, c.Publish("t/x", 1, false, "hi"), "publish")
	s.wait(mqtttest.Type(mqtttest.TypePuback), mqtttest.ClientID("talker"))
	c.Disconnect(50)
	if code := s.stop(); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, s.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(s.stdout.String(), "\n"), "\n")
	if !strings.HasPrefix(lines[0], "mqtttest: listening on tcp://") {
		t.Fatalf("first line: got %q, want the ready line", lines[0])
	}
	recs := s.broker.Recorder().Records()
	if len(lines)-1 != len(recs) {
		t.Fatalf("got %d transcript lines, want %d (one per record):\n%s", len(lines)-1, len(recs), s.stdout)
	}
	for i, r := range recs {
		if !strings.HasPrefix(lines[i+1], "+") || !strings.HasSuffix(lines[i+1], "  "+r.Line()) {
			t.Errorf("line %d: got %q, want +TIME then %q", i+1, lines[i+1], r.Line())
		}
	}
}

// TestServeACL checks that --acl denies a subscription: SUBACK 0x80 for
// the denied filter, the granted QoS for another.
func TestServeACL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	acl := dir + "/rules.acl"
	if err := os.WriteFile(acl, []byte("# no secrets for anyone\n\ndeny subscribe secret/#\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "--addr", "127.0.0.1:0", "--acl", acl)
	c := connectPaho(t, s.broker.URL(), "snoop", nil)
	tok := c.SubscribeMultiple(map[string]byte{"secret/x": 1, "public/x": 1}, nil)
	waitToken(t, tok, "subscribe")
	got := tok.(*mqtt.SubscribeToken).Result()
	if got["secret/x"] != 0x80 || got["public/x"] != 1 {
		t.Errorf("SUBACK codes: got secret/x 0x%02x public/x 0x%02x, want 0x80 and 0x01", got["secret/x"], got["public/x"])
	}
}

// TestServeTLS checks that with --tls the ready file names the TLS URL and
// a CA file, and that a client trusting that CA connects over TLS.
func TestServeTLS(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--addr", "127.0.0.1:0", "--tls", "--ready-file", "{dir}/ready.json")
	ri := readReady(t, s.path("ready.json"))
	if ri.TLSURL == "" || ri.TLSURL != s.broker.TLSURL() || ri.TLSAddr != s.broker.TLSAddr() || ri.CAFile == "" {
		t.Fatalf("ready file: got tls_url %q tls_addr %q ca_file %q, want %q %q and a CA file", ri.TLSURL, ri.TLSAddr, ri.CAFile, s.broker.TLSURL(), s.broker.TLSAddr())
	}
	if !strings.Contains(s.stdout.String(), " "+ri.TLSURL+" (CA file "+ri.CAFile+")") {
		t.Errorf("ready line: got %q, want the TLS URL and CA file", s.stdout)
	}
	ca, err := os.ReadFile(ri.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("CA file %s holds no PEM certificate:\n%s", ri.CAFile, ca)
	}
	c := connectPaho(t, ri.TLSURL, "secure", &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	waitToken(t, c.Publish("tls/t", 1, false, "x"), "publish over TLS")
	if r := s.wait(mqtttest.Type(mqtttest.TypeConnect), mqtttest.ClientID("secure")); r.Listener != "tls" {
		t.Errorf("CONNECT recorded on listener %q, want tls", r.Listener)
	}
	c.Disconnect(50)
	if code := s.stop(); code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, s.stderr)
	}
	if _, err := os.Stat(ri.CAFile); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CA file still there after exit: %v", err)
	}
}

// TestServeWebSocket checks --ws: the ready file names the WebSocket URL and
// paho connects through it.
func TestServeWebSocket(t *testing.T) {
	t.Parallel()
	s := startServe(t, "--addr", "127.0.0.1:0", "--ws", "--ready-file", "{dir}/ready.json")
	ri := readReady(t, s.path("ready.json"))
	if ri.WSURL == "" || ri.WSURL != s.broker.WSURL() {
		t.Fatalf("ready file: got ws_url %q, want %q", ri.WSURL, s.broker.WSURL())
	}
	connectPaho(t, ri.WSURL, "web", nil)
	if r := s.wait(mqtttest.Type(mqtttest.TypeConnect), mqtttest.ClientID("web")); r.Listener != "ws" {
		t.Errorf("CONNECT recorded on listener %q, want ws", r.Listener)
	}
}
