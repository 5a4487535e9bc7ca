package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

// api is a client of a serve's control API for tests.
type api struct {
	t     *testing.T
	url   string
	token string
}

// controlAPI starts serve with --control on a free loopback port (and
// extra flags) and returns it with a client of its API, found in the ready
// file.
func controlAPI(t *testing.T, extra ...string) (*served, *api) {
	t.Helper()
	s := startServe(t, append([]string{"--addr", "127.0.0.1:0", "--control", "127.0.0.1:0", "--ready-file", "{dir}/ready.json"}, extra...)...)
	ri := readReady(t, s.path("ready.json"))
	if !strings.HasPrefix(ri.Control, "http://127.0.0.1:") {
		t.Fatalf("ready file: control %q, want http://127.0.0.1:PORT", ri.Control)
	}
	return s, &api{t: t, url: ri.Control}
}

// do sends a request with body (JSON-encoded unless nil) and returns the
// status and the response body.
func (a *api) do(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var in io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		in = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.url+path, in)
	if err != nil {
		a.t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// want sends a request and fails the test unless the status is status.
func (a *api) want(status int, method, path string, body any) []byte {
	a.t.Helper()
	got, out := a.do(method, path, body)
	if got != status {
		a.t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, got, status, out)
	}
	return out
}

// TestControlFaultsRecordsAndPublish drives a broker through the control
// API as a pipeline script would: a fault installed, seen to act, listed
// and removed; a record waited for; a message published and found
// retained; the clients listed; a client disconnected.
func TestControlFaultsRecordsAndPublish(t *testing.T) {
	t.Parallel()
	s, a := controlAPI(t)

	out := a.want(http.StatusCreated, "POST", "/faults", map[string]any{
		"match": map[string]any{"client": "dev", "direction": "to-client", "type": "PUBACK"}, "action": "drop", "times": 1,
	})
	var added struct{ ID, Rule string }
	if err := json.Unmarshal(out, &added); err != nil || added.ID == "" || !strings.Contains(added.Rule, "drop") {
		t.Fatalf("POST /faults answered %s (%v)", out, err)
	}

	// A waiting GET /records returns once dev's PUBLISH arrives.
	got := make(chan []byte, 1)
	go func() {
		_, body := a.do("GET", "/records?since=1&client=dev&type=PUBLISH&wait=10s", nil)
		got <- body
	}()
	c := connectPaho(t, s.broker.URL(), "dev", nil)
	c.Publish("plant/1", 1, false, "on") // its PUBACK is dropped: the token never completes
	select {
	case body := <-got:
		var r record.Record
		if err := r.UnmarshalJSON(bytes.TrimSpace(body)); err != nil || r.Topic != "plant/1" || r.ClientID != "dev" {
			t.Fatalf("GET /records?wait answered %q (%v), want dev's PUBLISH", body, err)
		}
	case <-time.After(waitLimit):
		t.Fatal("GET /records?wait did not answer when the PUBLISH arrived")
	}
	s.wait(mqtttest.Type(mqtttest.TypePuback), mqtttest.ClientID("dev"))
	var listed []struct {
		ID, Rule string
		Acted    int
	}
	if err := json.Unmarshal(a.want(http.StatusOK, "GET", "/faults", nil), &listed); err != nil || len(listed) != 1 || listed[0].Acted != 1 {
		t.Fatalf("GET /faults: %+v (%v), want the one fault, acted once", listed, err)
	}
	if r := s.broker.Recorder().Find(mqtttest.Type(mqtttest.TypePuback), mqtttest.ClientID("dev")); len(r) != 1 || !r[0].Withheld {
		t.Fatalf("the PUBACK to dev was not withheld:\n%s", s.broker.Recorder().Transcript())
	}
	a.want(http.StatusNoContent, "DELETE", "/faults/"+added.ID, nil)
	a.want(http.StatusNotFound, "DELETE", "/faults/"+added.ID, nil)

	a.want(http.StatusNoContent, "POST", "/publish", map[string]any{"topic": "plant/1/mode", "payload": "auto", "qos": 1, "retain": true})
	var retained struct {
		Topic, Payload string
		QoS            byte
	}
	if err := json.Unmarshal(a.want(http.StatusOK, "GET", "/retained?topic=plant/1/mode", nil), &retained); err != nil || retained.Payload != "auto" {
		t.Fatalf("GET /retained: %+v (%v)", retained, err)
	}
	var clients []struct {
		ID        string
		Connected bool
	}
	if err := json.Unmarshal(a.want(http.StatusOK, "GET", "/clients", nil), &clients); err != nil || len(clients) != 1 || clients[0].ID != "dev" || !clients[0].Connected {
		t.Fatalf("GET /clients: %+v (%v), want dev, connected", clients, err)
	}
	a.want(http.StatusNoContent, "POST", "/clients/dev/disconnect?mode=abrupt", nil)
	if r := s.wait(mqtttest.Closed(), mqtttest.ClientID("dev")); r.ClosedBy != mqtttest.ClosedByTest {
		t.Errorf("dev's close: %s, want closed by the test", r.Line())
	}

	// The records since a sequence number, and X-Next-Since for the next poll.
	req, _ := http.NewRequest("GET", a.url+"/records?since=1", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	n := strings.Count(string(body), "\n")
	if next := resp.Header.Get("X-Next-Since"); n == 0 || next == "" || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Errorf("GET /records?since=1: %d lines, X-Next-Since %q, Content-Type %q", n, next, resp.Header.Get("Content-Type"))
	}
}

// TestControlErrors: what cannot work is refused with a 4xx status and a
// JSON error that says what was wrong.
func TestControlErrors(t *testing.T) {
	t.Parallel()
	_, a := controlAPI(t)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		want         string
	}{
		{"POST", "/faults", map[string]any{"action": "explode"}, 400, `unknown action "explode"`},
		{"POST", "/faults", map[string]any{"action": "delay", "delay": "soon"}, 400, `delay "soon"`},
		{"POST", "/faults", map[string]any{"action": "drop", "match": map[string]any{"type": "CONNACK", "direction": "to-broker"}}, 400, "never travels"},
		{"POST", "/faults", map[string]any{"action": "drop", "match": map[string]any{"topic": "a/#/b"}}, 400, "a/#/b"},
		{"POST", "/faults", map[string]any{"action": "drop", "colour": "red"}, 400, `unknown field "colour"`},
		{"POST", "/faults", map[string]any{}, 400, "no action"},
		{"POST", "/clients/nobody/disconnect", nil, 404, `no client "nobody"`},
		{"POST", "/clients/nobody/disconnect?mode=gentle", nil, 400, `mode "gentle"`},
		{"GET", "/retained", nil, 400, "no topic"},
		{"GET", "/retained?topic=empty", nil, 404, "no message is retained"},
		{"GET", "/records?since=x", nil, 400, `since "x"`},
		{"GET", "/records?type=PUBLSH", nil, 400, `no packet type "PUBLSH"`},
		{"GET", "/records?wait=forever", nil, 400, `wait "forever"`},
		{"GET", "/records?client=nobody&wait=50ms", nil, 408, "no record matching"},
		{"POST", "/restart", nil, 400, `sessions ""`},
		{"GET", "/nothing", nil, 404, "no GET /nothing"},
	} {
		status, out := a.do(c.method, c.path, c.body)
		var e struct{ Error string }
		if err := json.Unmarshal(out, &e); status != c.status || err != nil || !strings.Contains(e.Error, c.want) {
			t.Errorf("%s %s: status %d, body %s; want %d and an error with %q", c.method, c.path, status, out, c.status, c.want)
		}
	}
}

// TestControlToken: with --control-token every request needs the token.
func TestControlToken(t *testing.T) {
	t.Parallel()
	_, a := controlAPI(t, "--control-token", "s3cret")
	if status, out := a.do("GET", "/clients", nil); status != http.StatusUnauthorized || !strings.Contains(string(out), "bearer token") {
		t.Fatalf("without the token: %d %s, want 401", status, out)
	}
	a.token = "wrong"
	if status, _ := a.do("GET", "/clients", nil); status != http.StatusUnauthorized {
		t.Fatalf("with a wrong token: %d, want 401", status)
	}
	a.token = "s3cret"
	a.want(http.StatusOK, "GET", "/clients", nil)
}

// TestControlPartitionAndRestart: POST /partition, /heal and /restart act
// on the broker.
func TestControlPartitionAndRestart(t *testing.T) {
	t.Parallel()
	s, a := controlAPI(t)
	a.want(http.StatusNoContent, "POST", "/partition", nil)
	c, err := net.Dial("tcp", s.broker.Addr()) // a new connection is refused while partitioned
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s.wait(mqtttest.Closed(), mqtttest.Where("refused by the partition", func(r mqtttest.Record) bool {
		return strings.Contains(r.Reason, "partitioned")
	}))
	a.want(http.StatusNoContent, "POST", "/heal", nil)
	a.want(http.StatusNoContent, "POST", "/restart?sessions=lose", nil)
	s.wait(mqtttest.Restarted())
}
