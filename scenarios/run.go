package scenarios

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// Run runs every scenario against the client library a, each as a subtest
// named "Group/Name/v3.1.1" or "Group/Name/v5", with a broker of its own,
// in parallel unless Serial is given. A scenario the client cannot run is
// skipped with the reason; one that fails reports what it wanted, what the
// application and the wire showed, and the end of the broker's transcript;
// one that does not finish in time fails as hung instead of hanging the
// run.
//
//	func TestScenarios(t *testing.T) { scenarios.Run(t, myadapter.Adapter) }
func Run(t *testing.T, a Adapter, opts ...Option) {
	t.Helper()
	o := prepare(t, a, opts)
	for _, sc := range All() {
		if o.selected(&sc) {
			sc.run(t, a, o)
		}
	}
}

// prepare checks a and opts, and fails t with the reason if they cannot
// work.
func prepare(t *testing.T, a Adapter, opts []Option) *options {
	t.Helper()
	o, err := buildOptions(opts)
	if err == nil {
		err = a.check()
	}
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// check reports what is missing from an adapter.
func (a Adapter) check() error {
	switch {
	case a.Name == "":
		return errors.New("scenarios: the Adapter has no Name")
	case a.New == nil:
		return fmt.Errorf("scenarios: adapter %q has no New function", a.Name)
	case !a.Can.Has(V311) && !a.Can.Has(V5):
		return fmt.Errorf("scenarios: adapter %q declares neither V311 nor V5", a.Name)
	}
	for k := range a.Known {
		if !anyNamed(k) {
			return fmt.Errorf("scenarios: adapter %q lists a known failure %q, which names no scenario", a.Name, k)
		}
	}
	return nil
}

// version is a protocol version a scenario can run in.
type version struct {
	cap   Capability
	name  string // in the subtest's name
	value byte   // Config.Version
}

// versions are the protocol versions, in the order a scenario runs them.
var versions = []version{{V311, "v3.1.1", 4}, {V5, "v5", 5}}

// run runs sc for each version it applies to and each transport.
func (sc Scenario) run(t *testing.T, a Adapter, o *options) {
	t.Run(sc.Name, func(t *testing.T) {
		for _, v := range versions {
			if !sc.Versions.Has(v.cap) {
				continue
			}
			t.Run(v.name, func(t *testing.T) {
				if len(o.transports) == 1 {
					sc.runOne(t, a, o, v, o.transports[0])
					return
				}
				for _, tr := range o.transports {
					t.Run(string(tr), func(t *testing.T) { sc.runOne(t, a, o, v, tr) })
				}
			})
		}
	})
}

// runOne runs one subtest of sc: one version, one transport.
func (sc Scenario) runOne(t *testing.T, a Adapter, o *options, v version, tr Transport) {
	if !o.serial {
		t.Parallel()
	}
	res := result{Adapter: a.Name, Scenario: sc.Name, Spec: sc.Spec, Version: v.name, Transport: string(tr)}
	defer func() { res.write(t) }()
	if !a.Can.Has(v.cap) {
		res.skip(t, "the client does not speak MQTT "+v.name)
		return
	}
	if missing := sc.Needs &^ a.Can; missing != 0 {
		res.skip(t, fmt.Sprintf("needs %s, which the adapter does not declare", missing))
		return
	}
	link, _ := a.known(sc.Name + "/" + v.name)
	virtual := tr == Memory && a.Can.Has(VirtualTime)
	if sc.virtual && !virtual {
		res.skip(t, "runs only in virtual time (the Memory transport and a client with VirtualTime): it lets MQTT time pass")
		return
	}
	timeout := o.timeout
	var s *env
	body := func(t *testing.T) {
		s = newEnv(t, sc, a, v.value, tr, virtual, link, timeout)
		s.exec(sc.body, timeout)
	}
	if virtual {
		synctest.Test(t, body)
	} else {
		body(t)
	}
	if s == nil { // the broker did not start: the test failed saying why
		res.Outcome, res.Reason = Failed, "the scenario's broker did not start"
		return
	}
	res.outcome(t, s)
}

// exec runs body on a goroutine of its own, so that a failure can end it
// (env.FailNow) and a hang cannot hold the test: after timeout, and a second
// more for the clients to stop, the scenario fails as hung.
func (s *env) exec(body func(*env), timeout time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer s.teardown()
		body(s)
	}()
	hung := time.NewTimer(timeout + time.Second)
	defer hung.Stop()
	select {
	case <-done:
	case <-hung.C:
		s.Errorf("the scenario did not finish in %v", timeout)
		s.cancel() // a client that waits on the scenario's context stops
		hung.Reset(time.Second)
		select {
		case <-done:
		case <-hung.C:
			s.Logf("its goroutine is still running: the client ignored the end of its context")
		}
	}
	s.cancel()
	s.logFailure()
	s.mu.Lock()
	s.over = true
	s.mu.Unlock()
}
