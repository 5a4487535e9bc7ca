package assert

import (
	"fmt"
	"strings"
	"time"

	"github.com/mqtt-testkit/testkit/record"
	testify "github.com/stretchr/testify/assert"
)

// transcriptLines is how many records a failure message shows at most.
const transcriptLines = 30

// report is one failure message: a headline, labelled lines, and a slice
// of the transcript.
type report struct {
	name     string // the assertion, e.g. "Received"
	headline string // what went wrong, in one line
	lines    [][2]string
	title    string          // what the transcript slice shows, e.g. "records of sub-1"
	recs     []record.Record // the slice of the transcript that matters
	start    time.Time       // transcript times are relative to it
}

func newReport(name, headline string) *report { return &report{name: name, headline: headline} }

// add appends a labelled line, e.g. add("want", "PUBLISH to sub-1").
func (r *report) add(label, format string, args ...any) *report {
	r.lines = append(r.lines, [2]string{label, fmt.Sprintf(format, args...)})
	return r
}

// show sets the transcript slice, keeping its last transcriptLines records.
func (r *report) show(src Source, all []record.Record, title string, recs []record.Record) *report {
	r.title, r.recs, r.start = title, recs, startTime(src, all)
	return r
}

// fail reports the failure to t through testify's Fail and returns false,
// for "return r.fail(t)". testify labels the message: "Error Trace:" (the
// caller's file:line), "Error:" (the report, String) and, when t has a Name,
// "Test:".
//
// testify's CallerInfo leaves out of the trace the frames of files in a
// directory named assert or require (its own), and this package and
// assert/require live in directories of those names, so the trace starts at
// the caller's line, not here. TestFailuresPointAtTheCaller, in the module's
// root, checks it.
func (r *report) fail(t TestingT) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return testify.Fail(t, r.String())
}

// String renders the message:
//
//	assert.Received: no matching PUBLISH reached sub-1 within 1s
//	    want: PUBLISH to sub-1 on "home/+/temp", payload "21.5"
//	    seen: nothing on that filter
//	    records of sub-1 (last 2 of 2):
//	        +0.412ms  sub-1 → broker  SUBSCRIBE  id=1  home/+/temp q1
//	        +0.431ms  broker → sub-1  SUBACK  id=1  [1]
func (r *report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "assert.%s: %s\n", r.name, r.headline)
	width := 0
	for _, l := range r.lines {
		width = max(width, len(l[0]))
	}
	for _, l := range r.lines {
		text := strings.ReplaceAll(l[1], "\n", "\n"+strings.Repeat(" ", width+8))
		fmt.Fprintf(&b, "    %-*s %s\n", width+1, l[0]+":", text)
	}
	if r.title != "" {
		recs := r.recs
		if len(recs) == 0 {
			fmt.Fprintf(&b, "    %s: none recorded\n", r.title)
			return b.String()
		}
		if len(recs) > transcriptLines {
			fmt.Fprintf(&b, "    %s (last %d of %d):\n", r.title, transcriptLines, len(recs))
			recs = recs[len(recs)-transcriptLines:]
		} else {
			fmt.Fprintf(&b, "    %s:\n", r.title)
		}
		for _, rec := range recs {
			fmt.Fprintf(&b, "        +%.3fms  %s\n", float64(rec.Time.Sub(r.start).Microseconds())/1000, rec.Line())
		}
	}
	return b.String()
}

// clientRecords returns the records of the client's connections: its
// packets both ways and its opens and closes.
func clientRecords(recs []record.Record, clientID string) []record.Record {
	conns := map[uint64]bool{}
	for _, r := range recs {
		if r.ClientID == clientID && r.Conn != 0 { // drops have no connection
			conns[r.Conn] = true
		}
	}
	var out []record.Record
	for _, r := range recs {
		if r.ClientID == clientID || conns[r.Conn] && r.Event != record.EventRestart {
			out = append(out, r)
		}
	}
	return out
}

// describeClient names a client for messages; "" means any client.
func describeClient(clientID string) string {
	if clientID == "" {
		return "any client"
	}
	return clientID
}
