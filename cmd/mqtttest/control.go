package main

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

// control is the HTTP API of a running broker (serve --control): a script
// in any language reads the recording, publishes, installs faults and
// drives the broker with it. Requests and answers are JSON; an error is
// {"error": "..."} with a 4xx status that says what was wrong.
type control struct {
	s     server           // the broker or the proxy: records and faults
	b     *mqtttest.Broker // the broker, for what only a broker does; nil for a proxy
	token string           // the bearer token every request must carry; "" for none
	ln    net.Listener
	srv   *http.Server

	waiting atomic.Int32 // GET /records requests waiting for a record (BenchmarkControl)

	mu     sync.Mutex
	faults []*controlFault // installed, oldest first
	nextID int
}

// controlFault is a fault installed through the API.
type controlFault struct {
	id    string
	fault *mqtttest.Fault
}

// startControl listens on addr and serves the API of s (b is s as a
// broker, or nil for a proxy) until close.
func startControl(s server, b *mqtttest.Broker, addr, token string) (*control, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for --control on %s: %v", addr, err)
	}
	c := &control{s: s, b: b, token: token, ln: ln}
	mux := http.NewServeMux()
	for _, rt := range c.routes() {
		mux.HandleFunc(rt.pattern, rt.handle)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, fmt.Sprintf("no %s %s in the control API (see docs/control-api.json)", r.Method, r.URL.Path))
	})
	c.srv = &http.Server{Handler: c.authorize(mux), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }() // returns when close closes the server
	return c, nil
}

// route is one operation of the API: "METHOD /path", as docs/control-api.json
// describes it.
type route struct {
	pattern string
	handle  http.HandlerFunc
}

// routes lists the operations of the API.
func (c *control) routes() []route {
	return []route{
		{"GET /clients", c.brokerOnly(c.clients)},
		{"POST /clients/{id}/disconnect", c.brokerOnly(c.disconnect)},
		{"GET /retained", c.brokerOnly(c.retained)},
		{"GET /records", c.records},
		{"POST /publish", c.brokerOnly(c.publish)},
		{"POST /faults", c.addFault},
		{"GET /faults", c.listFaults},
		{"DELETE /faults/{id}", c.removeFault},
		{"DELETE /faults", c.removeFaults},
		{"POST /partition", func(w http.ResponseWriter, _ *http.Request) { c.s.Partition(); w.WriteHeader(http.StatusNoContent) }},
		{"POST /heal", func(w http.ResponseWriter, _ *http.Request) { c.s.Heal(); w.WriteHeader(http.StatusNoContent) }},
		{"POST /restart", c.brokerOnly(c.restart)},
	}
}

// brokerOnly answers 501 for a proxy, which cannot do what h does: the
// broker behind it is not ours.
func (c *control) brokerOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c.b == nil {
			fail(w, http.StatusNotImplemented, fmt.Sprintf("%s %s acts on the broker itself, and a proxy's broker is not mqtttest's: run serve for it, or act on the upstream broker", r.Method, r.URL.Path))
			return
		}
		h(w, r)
	}
}

// url is where the API answers, e.g. "http://127.0.0.1:41237".
func (c *control) url() string { return "http://" + c.ln.Addr().String() }

// close stops the API: requests under way are cut, a GET /records waiting
// among them.
func (c *control) close() { _ = c.srv.Close() }

// authorize requires the bearer token, when there is one.
func (c *control) authorize(next http.Handler) http.Handler {
	if c.token == "" {
		return next
	}
	want := []byte("Bearer " + c.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="mqtttest"`)
			fail(w, http.StatusUnauthorized, "missing or wrong bearer token: send the header \"Authorization: Bearer TOKEN\" with serve's --control-token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// clients answers GET /clients: every client the broker knows.
func (c *control) clients(w http.ResponseWriter, _ *http.Request) {
	type client struct {
		ID              string                `json:"id"`
		ProtocolVersion byte                  `json:"protocol_version"`
		CleanStart      bool                  `json:"clean_start"`
		SessionExpiry   uint32                `json:"session_expiry"`
		Connected       bool                  `json:"connected"`
		Subscriptions   []record.Subscription `json:"subscriptions"`
		Inflight        int                   `json:"inflight"`
		Queued          int                   `json:"queued"`
	}
	out := []client{}
	for _, ci := range c.b.Clients() {
		out = append(out, client{ci.ID, ci.ProtocolVersion, ci.CleanStart, ci.SessionExpiry, ci.Connected, ci.Subscriptions, ci.Inflight, ci.Queued})
	}
	reply(w, http.StatusOK, out)
}

// disconnect answers POST /clients/{id}/disconnect?mode=clean|abrupt.
func (c *control) disconnect(w http.ResponseWriter, r *http.Request) {
	mode := mqtttest.ServerDisconnect(0x98) // administrative action; MQTT 3 clients are just closed
	switch m := r.URL.Query().Get("mode"); m {
	case "", "clean":
	case "abrupt":
		mode = mqtttest.Abrupt
	default:
		fail(w, http.StatusBadRequest, fmt.Sprintf("mode %q: want clean (a server DISCONNECT, 0x98 to v5 clients) or abrupt (the socket closed, no DISCONNECT)", m))
		return
	}
	if err := c.b.Disconnect(r.PathValue("id"), mode); err != nil {
		status := http.StatusConflict
		if errors.As(err, new(*mqtttest.UnknownClientError)) {
			status = http.StatusNotFound
		}
		fail(w, status, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// retained answers GET /retained?topic=T: the message retained for topic T.
func (c *control) retained(w http.ResponseWriter, r *http.Request) {
	topic := r.URL.Query().Get("topic")
	if topic == "" {
		fail(w, http.StatusBadRequest, "no topic: ask GET /retained?topic=TOPIC")
		return
	}
	m, ok := c.b.Retained(topic)
	if !ok {
		fail(w, http.StatusNotFound, fmt.Sprintf("no message is retained for topic %q", topic))
		return
	}
	reply(w, http.StatusOK, struct {
		Topic   string `json:"topic"`
		Payload string `json:"payload"`
		QoS     byte   `json:"qos"`
	}{m.Topic, string(m.Payload), m.QoS})
}

// publishRequest is the body of POST /publish.
type publishRequest struct {
	Topic   string `json:"topic"`
	Payload string `json:"payload"`
	QoS     byte   `json:"qos"`
	Retain  bool   `json:"retain"`
}

// publish answers POST /publish: the broker publishes the message, as
// Broker.Publish does.
func (c *control) publish(w http.ResponseWriter, r *http.Request) {
	var p publishRequest
	if !decode(w, r, &p) {
		return
	}
	if err := c.b.Publish(p.Topic, []byte(p.Payload), p.QoS, p.Retain); err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// restart answers POST /restart?sessions=keep|lose.
func (c *control) restart(w http.ResponseWriter, r *http.Request) {
	var keep bool
	switch s := r.URL.Query().Get("sessions"); s {
	case "keep":
		keep = true
	case "lose":
	default:
		fail(w, http.StatusBadRequest, fmt.Sprintf("sessions %q: want keep (persistent sessions, their messages and retained messages carry over) or lose", s))
		return
	}
	if err := c.b.Restart(keep); err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// records answers GET /records: the records from sequence number since on
// (all without since) that match the filters (client, topic, type, conn),
// as JSON Lines. With wait, it waits that long for one to arrive when none
// has yet, and answers 408 if none does. The header X-Next-Since is the
// since of the next poll.
func (c *control) records(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var since uint64
	if s := q.Get("since"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			fail(w, http.StatusBadRequest, fmt.Sprintf("since %q: want a record's sequence number, 1 or more", s))
			return
		}
		since = n
	}
	f := filters{client: q.Get("client"), topic: q.Get("topic"), types: q.Get("type")}
	if s := q.Get("conn"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			fail(w, http.StatusBadRequest, fmt.Sprintf("conn %q: want a connection number", s))
			return
		}
		f.conn = n
	}
	match, err := f.matcher("")
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if since > 0 {
		match = record.All(match, record.After(since-1))
	}
	rec := c.s.Recorder()
	rs := rec.Find(match)
	if s := q.Get("wait"); s != "" && len(rs) == 0 {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			fail(w, http.StatusBadRequest, fmt.Sprintf("wait %q: want a positive duration, such as 5s or 500ms", s))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		c.waiting.Add(1)
		_, err = rec.WaitFor(ctx, match)
		c.waiting.Add(-1)
		cancel()
		if err != nil {
			fail(w, http.StatusRequestTimeout, fmt.Sprintf("no record matching %s within %v", match, d))
			return
		}
		rs = rec.Find(match)
	}
	var body bytes.Buffer
	next := since
	for _, r := range rs {
		b, err := r.MarshalJSON()
		if err != nil {
			fail(w, http.StatusInternalServerError, err.Error())
			return
		}
		body.Write(append(b, '\n'))
		next = r.Seq + 1
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("X-Next-Since", strconv.FormatUint(max(next, 1), 10))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body.Bytes())
}

// decode reads a JSON request body into v, refusing unknown fields; on
// error it answers 400 and returns false.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		fail(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}

// reply answers with v as JSON.
func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers with {"error": msg}.
func fail(w http.ResponseWriter, status int, msg string) {
	reply(w, status, struct {
		Error string `json:"error"`
	}{msg})
}
