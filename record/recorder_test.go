package record

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func publishRecord(topic, payload string) Record {
	return Record{Event: EventPacket, Dir: ToBroker, Type: TypePublish, ClientID: "c", Topic: topic, Payload: []byte(payload)}
}

// TestWaitForSeesPastAndFutureRecords checks WaitFor returns a record that is
// already there at once, and wakes for one added later.
func TestWaitForSeesPastAndFutureRecords(t *testing.T) {
	rc := newRecorder(0)
	rc.add(publishRecord("a/1", "x"))
	r, err := rc.WaitFor(ctxFor(t), Publish("a/+"))
	if err != nil || r.Seq != 1 {
		t.Fatalf("WaitFor on a recorded match = %v, %v; want record #1", r.Line(), err)
	}

	got := make(chan Record)
	go func() {
		r, err := rc.WaitFor(ctxFor(t), Publish("b/#"))
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	rc.add(publishRecord("a/2", "no"))
	rc.add(publishRecord("b/1", "yes"))
	if r := <-got; string(r.Payload) != "yes" || r.Seq != 3 {
		t.Errorf("WaitFor woke with %s (#%d), want b/1 #3", r.Line(), r.Seq)
	}

	rs, err := rc.WaitForN(ctxFor(t), 2, Publish("a/#"))
	if err != nil || len(rs) != 2 || rs[1].Topic != "a/2" {
		t.Errorf("WaitForN(2, a/#) = %v, %v; want a/1 and a/2", rs, err)
	}
	if r, err := rc.WaitFor(ctxFor(t), Publish("a/#"), After(1)); err != nil || r.Topic != "a/2" {
		t.Errorf("WaitFor(After(1)) = %s, %v; want a/2", r.Line(), err)
	}
}

// TestWaitForTimeoutSaysWhatItWaitedFor checks the error when nothing matches.
func TestWaitForTimeoutSaysWhatItWaitedFor(t *testing.T) {
	rc := newRecorder(0)
	rc.add(publishRecord("a/1", "x"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := rc.WaitFor(ctx, Publish("z/#"), ClientID("c"))
	var we *WaitError
	if !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a *WaitError wrapping DeadlineExceeded", err)
	}
	for _, want := range []string{`PUBLISH z/#, client "c"`, "saw 0", `a/1  "x"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if _, err := rc.WaitForN(ctx, 0); err == nil {
		t.Error("WaitForN(0) returned nil error")
	}
}

// TestRecordLimitDropsOldestVisibly checks WithRecordLimit keeps the newest
// records, counts the dropped ones, and the transcript says so.
// TestInvalidFilterInQueries queries with an invalid topic filter: WaitFor
// and WaitForN say so at once, Find finds nothing (not even the SUBSCRIBE
// that carries that very filter), and Matcher.Err says why.
func TestInvalidFilterInQueries(t *testing.T) {
	rec := newRecorder(0)
	rec.add(Record{Event: EventPacket, Dir: ToBroker, Type: TypeSubscribe, ClientID: "c", PacketID: 1,
		Subscriptions: []Subscription{{Filter: "a/#/b"}}})
	rec.add(publishRecord("a/x/b", "p"))
	for _, m := range []Matcher{Publish("a/#/b"), Topic("a/#/b")} {
		want := `("a/#/b"): not a valid MQTT topic filter: level "#": "#" must be a whole level and the last one`
		if err := m.Err(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: Err() = %v, want it to say %q", m, err, want)
		}
		if got := rec.Find(m); len(got) != 0 {
			t.Errorf("Find(%v) = %d record(s), first %s; want none for an invalid filter", m, len(got), got[0].Line())
		}
		if _, err := rec.WaitFor(ctxFor(t), ClientID("c"), m); err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), want) {
			t.Errorf("WaitFor(%v) = %v, want at once an error that says %q", m, err, want)
		}
		if _, err := rec.WaitForN(ctxFor(t), 2, m); err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), want) {
			t.Errorf("WaitForN(%v) = %v, want at once an error that says %q", m, err, want)
		}
	}
	if m := Topic("a/+/b"); m.Err() != nil || len(rec.Find(m)) != 1 {
		t.Errorf("Topic(\"a/+/b\"): Err() = %v, found %d; want a valid matcher that finds the PUBLISH", m.Err(), len(rec.Find(m)))
	}
}

// TestWhereNil: a nil function makes a matcher that matches nothing and
// says why (mqtttest's Inject refuses it: TestInjectRefusesWhereNil).
func TestWhereNil(t *testing.T) {
	rec := newRecorder(0)
	rec.add(publishRecord("a", "p"))
	m := Where("anything", nil)
	if err := m.Err(); err == nil || !strings.Contains(err.Error(), `Where("anything"): the function is nil`) {
		t.Errorf("Err() = %v", err)
	}
	if got := rec.Find(m); len(got) != 0 {
		t.Errorf("Find(Where nil) = %d records, want none", len(got))
	}
}

func TestRecordLimitDropsOldestVisibly(t *testing.T) {
	rc := newRecorder(3)
	for i := 0; i < 10; i++ {
		rc.add(publishRecord("t", string(rune('a'+i))))
	}
	rs := rc.Records()
	if len(rs) != 3 || string(rs[0].Payload) != "h" || rs[0].Seq != 8 || rs[2].Seq != 10 {
		t.Fatalf("kept %d records starting %q #%d, want h..j (#8..#10)", len(rs), rs[0].Payload, rs[0].Seq)
	}
	if rc.Dropped() != 7 || rc.Len() != 3 {
		t.Errorf("Dropped = %d, Len = %d; want 7 and 3", rc.Dropped(), rc.Len())
	}
	if tr := rc.Transcript(); !strings.HasPrefix(tr, "… 7 earlier records not shown (7 dropped by WithRecordLimit)\n") {
		t.Errorf("transcript does not say records were dropped:\n%s", tr)
	}
	// A waiter that starts before the dropped records still sees the kept ones.
	if r, err := rc.WaitFor(ctxFor(t), Publish("t")); err != nil || r.Seq != 8 {
		t.Errorf("WaitFor after drops = #%d, %v; want #8", r.Seq, err)
	}
}

// TestQueriesReturnCopies checks a caller cannot change recorded data.
func TestQueriesReturnCopies(t *testing.T) {
	rc := newRecorder(0)
	rc.add(publishRecord("a", "payload"))
	r := rc.Records()[0]
	r.Payload[0] = 'X'
	if got := rc.Records()[0].Payload; string(got) != "payload" {
		t.Errorf("changing a returned record changed the recording: %q", got)
	}
}

// TestWriteJSONL checks payload encodings and that every line is JSON.
func TestWriteJSONL(t *testing.T) {
	rc := newRecorder(0)
	rc.add(publishRecord("text", "21.5"))
	rc.add(publishRecord("bin", "\xff\x00"))
	rc.add(Record{Event: EventClose, Conn: 1, ClosedBy: "client", Reason: "EOF"})
	var buf bytes.Buffer
	if err := rc.WriteJSONL(&buf); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	if lines[0]["payload"] != "21.5" || lines[0]["payload_encoding"] != "utf8" || lines[0]["type"] != "PUBLISH" || lines[0]["dir"] != "to-broker" {
		t.Errorf("text publish line = %v", lines[0])
	}
	if lines[1]["payload"] != base64.StdEncoding.EncodeToString([]byte("\xff\x00")) || lines[1]["payload_encoding"] != "base64" {
		t.Errorf("binary publish line = %v", lines[1])
	}
	if lines[2]["event"] != "close" || lines[2]["closed_by"] != "client" || lines[2]["seq"] != 3.0 {
		t.Errorf("close line = %v", lines[2])
	}
}

// TestMatchTopic checks the MQTT wildcard rules.
func TestMatchTopic(t *testing.T) {
	for _, c := range []struct {
		filter, topic string
		want          bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/c", false},
		{"a/+", "a/b", true},
		{"a/+", "a/b/c", false},
		{"a/+/c", "a//c", true},
		{"+", "a", true},
		{"+", "a/b", false},
		{"+/+", "/a", true},
		{"#", "a/b/c", true},
		{"a/#", "a", true},
		{"a/#", "a/b/c", true},
		{"a/#", "ab", false},
		{"#", "$SYS/x", false},
		{"+/x", "$SYS/x", false},
		{"$SYS/#", "$SYS/x", true},
		{"a/#/b", "a/x/b", false},
		{"a/b+", "a/b+", false},
		{"", "a", false},
	} {
		if got := MatchTopic(c.filter, c.topic); got != c.want {
			t.Errorf("MatchTopic(%q, %q) = %v, want %v", c.filter, c.topic, got, c.want)
		}
	}
	for f, want := range map[string]bool{"a/+/#": true, "#": true, "a/#/b": false, "a+": false, "": false} {
		if ValidFilter(f) != want {
			t.Errorf("ValidFilter(%q) = %v, want %v", f, !want, want)
		}
	}
}

// TestNextFollowsTheRecording checks Next returns what came after a
// sequence number, waiting for it when there is nothing yet.
func TestNextFollowsTheRecording(t *testing.T) {
	rc := newRecorder(2)
	rc.add(publishRecord("a", "1"))
	rc.add(publishRecord("b", "2"))
	rc.add(publishRecord("c", "3"))
	rs, err := rc.Next(ctxFor(t), 0) // #1 was dropped by the limit
	if err != nil || len(rs) != 2 || rs[0].Seq != 2 || rs[1].Seq != 3 {
		t.Fatalf("Next(0) = %d records starting #%d, %v; want #2 and #3", len(rs), rs[0].Seq, err)
	}
	got := make(chan []Record)
	go func() {
		rs, err := rc.Next(ctxFor(t), 3)
		if err != nil {
			t.Error(err)
		}
		got <- rs
	}()
	rc.add(publishRecord("d", "4"))
	if rs := <-got; len(rs) != 1 || rs[0].Topic != "d" {
		t.Errorf("Next(3) woke with %v, want record d", rs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rc.Next(ctx, 4); !errors.Is(err, context.Canceled) {
		t.Errorf("Next on an ended context = %v, want context.Canceled", err)
	}
}

// TestRecordLimitAcrossChunks checks the limit and queries where the kept
// records span several chunks of the record log.
func TestRecordLimitAcrossChunks(t *testing.T) {
	const limit, total = 3*chunkSize + 7, 5*chunkSize + 3
	rc := newRecorder(limit)
	for i := 0; i < total; i++ {
		rc.add(publishRecord("t", strconv.Itoa(i)))
	}
	rs := rc.Records()
	if len(rs) != limit || rc.Dropped() != total-limit {
		t.Fatalf("kept %d, dropped %d; want %d and %d", len(rs), rc.Dropped(), limit, total-limit)
	}
	for i, r := range rs {
		if want := uint64(total - limit + i + 1); r.Seq != want || string(r.Payload) != strconv.Itoa(int(want-1)) {
			t.Fatalf("record %d is #%d %q, want #%d", i, r.Seq, r.Payload, want)
		}
	}
	next, err := rc.Next(ctxFor(t), total-2)
	if err != nil || len(next) != 2 || next[0].Seq != total-1 {
		t.Errorf("Next(%d) = %d records, %v; want #%d and #%d", total-2, len(next), err, total-1, total)
	}
}
