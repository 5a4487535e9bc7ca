package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// showConfig is the command line of show.
type showConfig struct {
	filters
	from string // --from: an offset from the first record (1.5s) or an RFC 3339 time
	to   string // --to: the same
}

// newShowFlags returns the flag set of show, writing into c.
func newShowFlags(c *showConfig) *flag.FlagSet {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by show
	fs.StringVar(&c.client, "client", "", "only the records of the client with this `ID`")
	fs.StringVar(&c.topic, "topic", "", "only PUBLISH packets and drops whose topic matches the topic `FILTER` (wildcards allowed), and SUBSCRIBE and UNSUBSCRIBE packets with that filter")
	fs.StringVar(&c.types, "type", "", "only packets of these `TYPES`, comma-separated, e.g. PUBLISH,PUBACK")
	fs.Uint64Var(&c.conn, "conn", 0, "only the records of connection number `N` (conn#N in the transcript)")
	fs.StringVar(&c.from, "from", "", "only records from `WHEN` on: an offset from the first record (1.5s, 200ms) or an RFC 3339 time")
	fs.StringVar(&c.to, "to", "", "only records up to `WHEN` (as --from)")
	return fs
}

// printShowUsage writes the usage of show, with every flag, to w.
func printShowUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: mqtttest show [flags] FILE\n\nPrints a recording (serve's --record file; - for standard input) as the\ntranscript, one line a record, timed from its first record, filtered by\nthe flags. It reads the file a record at a time, whatever its length.\n\nFlags:\n")
	newShowFlags(&showConfig{}).VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n\t%s\n", f.Name, arg, text)
	})
}

// show runs "mqtttest show" with args (after the command name).
func show(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c showConfig
	fs := newShowFlags(&c)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printShowUsage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "mqtttest show: %v (run \"mqtttest help show\" for the flags)\n", err)
		return exitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "mqtttest show: want one recording FILE (- for standard input), got %d arguments (run \"mqtttest help show\")\n", fs.NArg())
		return exitUsage
	}
	match, err := c.matcher("--")
	if err != nil {
		fmt.Fprintf(stderr, "mqtttest show: %v\n", err)
		return exitUsage
	}
	from, err := parseWhen("--from", c.from)
	if err != nil {
		fmt.Fprintf(stderr, "mqtttest show: %v\n", err)
		return exitUsage
	}
	to, err := parseWhen("--to", c.to)
	if err != nil {
		fmt.Fprintf(stderr, "mqtttest show: %v\n", err)
		return exitUsage
	}
	name := fs.Arg(0)
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "mqtttest show: cannot read the recording: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		in = f
	}
	out := bufio.NewWriterSize(stdout, 64<<10)
	var start time.Time
	err = record.ReadJSONL(in, func(r record.Record) error {
		if start.IsZero() {
			start = r.Time
		}
		if from.before(r.Time, start) || to.after(r.Time, start) || !match.Match(&r) {
			return nil
		}
		_, err := io.WriteString(out, r.LineSince(start)+"\n")
		return err
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintf(stderr, "mqtttest show: %s: %v\n", name, err)
		return exitRuntime
	}
	return exitOK
}

// when is a bound of the time window: an offset from the first record, or
// a time; the zero value bounds nothing.
type when struct {
	set    bool
	offset time.Duration // when at is zero
	at     time.Time
}

// parseWhen reads the value of flag (an offset such as 1.5s, or an RFC
// 3339 time), or returns the zero when for "".
func parseWhen(flag, s string) (when, error) {
	if s == "" {
		return when{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return when{set: true, offset: d}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return when{set: true, at: t}, nil
	}
	return when{}, fmt.Errorf("%s %q: want an offset from the first record, such as 1.5s or 200ms, or an RFC 3339 time, such as 2026-11-30T17:00:00Z", flag, s)
}

// bound returns the time w stands for, in a recording that starts at start.
func (w when) bound(start time.Time) time.Time {
	if !w.at.IsZero() {
		return w.at
	}
	return start.Add(w.offset)
}

// before reports whether t is before w (false when w is not set).
func (w when) before(t, start time.Time) bool { return w.set && t.Before(w.bound(start)) }

// after reports whether t is after w (false when w is not set).
func (w when) after(t, start time.Time) bool { return w.set && t.After(w.bound(start)) }
