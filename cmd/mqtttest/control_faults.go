package main

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

// faultRequest is the body of POST /faults: every key optional but action.
type faultRequest struct {
	Match struct {
		Client    string `json:"client"`
		Direction string `json:"direction"` // to-broker, to-client
		Type      string `json:"type"`      // PUBLISH, PUBACK, ...
		Topic     string `json:"topic"`     // an MQTT topic filter
		PacketID  uint16 `json:"packet_id"`
		Nth       int    `json:"nth"` // act on the nth match only
	} `json:"match"`
	Action      string   `json:"action"` // drop, delay, duplicate, cut-before, cut-after, freeze, throttle, withhold-connack, corrupt
	Delay       string   `json:"delay"`  // delay: a duration, e.g. 50ms
	Jitter      string   `json:"jitter"` // delay: a random extra in [0, jitter)
	Rate        int      `json:"rate"`   // throttle: bytes per second
	Times       int      `json:"times"`
	Probability *float64 `json:"probability"`
	Seed        int64    `json:"seed"`
}

// rule makes the fault rule the request describes, or says what is wrong.
func (f *faultRequest) rule() (mqtttest.Rule, error) {
	var ms []mqtttest.Matcher
	m := f.Match
	if m.Client != "" {
		ms = append(ms, mqtttest.ClientID(m.Client))
	}
	switch m.Direction {
	case "":
	case "to-broker":
		ms = append(ms, mqtttest.Dir(mqtttest.ToBroker))
	case "to-client":
		ms = append(ms, mqtttest.Dir(mqtttest.ToClient))
	default:
		return mqtttest.Rule{}, fmt.Errorf("match.direction %q: want to-broker or to-client", m.Direction)
	}
	if m.Type != "" {
		t, ok := record.ParsePacketType(m.Type)
		if !ok {
			return mqtttest.Rule{}, fmt.Errorf("match.type %q: want a packet type such as PUBLISH, PUBACK, SUBSCRIBE, CONNACK", m.Type)
		}
		ms = append(ms, mqtttest.Type(t))
	}
	if m.Topic != "" {
		ms = append(ms, mqtttest.Topic(m.Topic))
	}
	if m.PacketID != 0 {
		ms = append(ms, mqtttest.PacketID(m.PacketID))
	}
	duration := func(name, s string) (time.Duration, error) {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("%s %q: want a duration such as 50ms or 1.5s", name, s)
		}
		return d, nil
	}
	var r mqtttest.Rule
	switch f.Action {
	case "drop":
		r = mqtttest.Drop(ms...)
	case "delay":
		if f.Delay == "" {
			return r, errors.New("action delay needs delay, e.g. \"delay\": \"50ms\"")
		}
		d, err := duration("delay", f.Delay)
		if err != nil {
			return r, err
		}
		r = mqtttest.Delay(d, ms...)
	case "duplicate":
		r = mqtttest.Duplicate(ms...)
	case "cut-before":
		r = mqtttest.CutBefore(ms...)
	case "cut-after":
		r = mqtttest.CutAfter(ms...)
	case "freeze":
		r = mqtttest.Freeze(ms...)
	case "throttle":
		r = mqtttest.Throttle(f.Rate, ms...)
	case "withhold-connack":
		r = mqtttest.WithholdConnack(ms...)
	case "corrupt":
		r = mqtttest.Corrupt(f.Seed, ms...)
	case "":
		return r, errors.New("no action: give one of drop, delay, duplicate, cut-before, cut-after, freeze, throttle, withhold-connack, corrupt")
	default:
		return r, fmt.Errorf("unknown action %q: want one of drop, delay, duplicate, cut-before, cut-after, freeze, throttle, withhold-connack, corrupt", f.Action)
	}
	if f.Jitter != "" {
		j, err := duration("jitter", f.Jitter)
		if err != nil {
			return r, err
		}
		r = r.Jitter(j, f.Seed)
	}
	if f.Times != 0 {
		r = r.Times(f.Times)
	}
	if m.Nth != 0 {
		r = r.Nth(m.Nth)
	}
	if f.Probability != nil {
		r = r.Probability(*f.Probability, f.Seed)
	}
	return r, nil
}

// addFault answers POST /faults: it installs the rule and answers its id.
func (c *control) addFault(w http.ResponseWriter, r *http.Request) {
	var req faultRequest
	if !decode(w, r, &req) {
		return
	}
	rule, err := req.rule()
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	fault, err := c.s.Inject(rule) // refuses a rule that can never act, saying why
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	c.mu.Lock()
	c.nextID++
	id := strconv.Itoa(c.nextID)
	c.faults = append(c.faults, &controlFault{id: id, fault: fault})
	c.mu.Unlock()
	reply(w, http.StatusCreated, struct {
		ID   string `json:"id"`
		Rule string `json:"rule"`
	}{id, fault.String()})
}

// listFaults answers GET /faults: each fault installed, with how often it
// acted.
func (c *control) listFaults(w http.ResponseWriter, _ *http.Request) {
	type fault struct {
		ID    string `json:"id"`
		Rule  string `json:"rule"`
		Acted int    `json:"acted"`
	}
	c.mu.Lock()
	out := make([]fault, 0, len(c.faults))
	for _, f := range c.faults {
		out = append(out, fault{f.id, f.fault.String(), f.fault.Acted()})
	}
	c.mu.Unlock()
	reply(w, http.StatusOK, out)
}

// removeFault answers DELETE /faults/{id}.
func (c *control) removeFault(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, f := range c.faults {
		if f.id == id {
			f.fault.Remove()
			c.faults = append(c.faults[:i], c.faults[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	fail(w, http.StatusNotFound, fmt.Sprintf("no fault %q installed (GET /faults lists them)", id))
}

// removeFaults answers DELETE /faults: every fault is removed.
func (c *control) removeFaults(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	for _, f := range c.faults {
		f.fault.Remove()
	}
	c.faults = nil
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
