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

// A reader of recordings: show and diagram take a recording (a --record
// file, or - for standard input), select records with the same flags, and
// read it a record at a time, so a recording of any length is read in
// bounded memory.

// readerConfig is the command line that show and diagram share.
type readerConfig struct {
	filters
	from string // --from: an offset from the first record (1.5s) or an RFC 3339 time
	to   string // --to: the same
	max  int    // diagram's --max
}

// newReaderFlags returns the flag set of cmd, show or diagram, writing into c.
func newReaderFlags(cmd string, c *readerConfig) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line by the command
	fs.StringVar(&c.client, "client", "", "only the records of the client with this `ID`")
	fs.StringVar(&c.topic, "topic", "", "only PUBLISH packets and drops whose topic matches the topic `FILTER` (wildcards allowed), and SUBSCRIBE and UNSUBSCRIBE packets with that filter")
	fs.StringVar(&c.types, "type", "", "only packets of these `TYPES`, comma-separated, e.g. PUBLISH,PUBACK")
	fs.Uint64Var(&c.conn, "conn", 0, "only the records of connection number `N` (conn#N in the transcript)")
	fs.StringVar(&c.from, "from", "", "only records from `WHEN` on: an offset from the first record (1.5s, 200ms) or an RFC 3339 time")
	fs.StringVar(&c.to, "to", "", "only records up to `WHEN` (as --from)")
	if cmd == "diagram" {
		fs.IntVar(&c.max, "max", defaultMaxDrawn, "draw at most `N` arrows and notes; a note counts the records left out")
	}
	return fs
}

// readerUsage is what each reader command does.
var readerUsage = map[string]string{
	"show":    "Prints a recording (serve's --record file; - for standard input) as the\ntranscript, one line a record, timed from its first record, filtered by\nthe flags.",
	"diagram": "Prints a recording (serve's --record file; - for standard input), or the\nrecords the flags select, as a Mermaid sequence diagram: a lifeline per\nclient and the broker, faults marked, long runs folded. GitHub and GitLab\nrender it in Markdown, in a ```mermaid block.",
}

// printReaderUsage writes the usage of cmd, show or diagram, to w.
func printReaderUsage(cmd string, w io.Writer) {
	fmt.Fprintf(w, "Usage: mqtttest %s [flags] FILE\n\n%s It reads the file a record at a time,\nwhatever its length.\n\nFlags:\n", cmd, readerUsage[cmd])
	newReaderFlags(cmd, &readerConfig{}).VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n\t%s\n", f.Name, arg, text)
	})
}

// readRecordings runs cmd, show or diagram, with args: it parses them,
// reads the recording they name, and calls each with every record selected
// and the time of the recording's first record. It returns the exit code.
func readRecordings(cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer, each func(c *readerConfig, out *bufio.Writer) func(r record.Record, start time.Time) error, done func(out *bufio.Writer) error) int {
	var c readerConfig
	fs := newReaderFlags(cmd, &c)
	usage := func(err error) int {
		fmt.Fprintf(stderr, "mqtttest %s: %v\n", cmd, err)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printReaderUsage(cmd, stdout)
			return exitOK
		}
		return usage(fmt.Errorf("%v (run \"mqtttest help %s\" for the flags)", err, cmd))
	}
	if fs.NArg() != 1 {
		return usage(fmt.Errorf("want one recording FILE (- for standard input), got %d arguments (run \"mqtttest help %s\")", fs.NArg(), cmd))
	}
	if cmd == "diagram" && c.max < 1 {
		return usage(fmt.Errorf("--max %d: want at least 1", c.max))
	}
	match, err := c.matcher("--")
	if err != nil {
		return usage(err)
	}
	from, err := parseWhen("--from", c.from)
	if err != nil {
		return usage(err)
	}
	to, err := parseWhen("--to", c.to)
	if err != nil {
		return usage(err)
	}
	name := fs.Arg(0)
	in := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return usage(fmt.Errorf("cannot read the recording: %v", err))
		}
		defer f.Close()
		in = f
	}
	out := bufio.NewWriterSize(stdout, 64<<10)
	fn := each(&c, out)
	var start time.Time
	err = record.ReadJSONL(in, func(r record.Record) error {
		if start.IsZero() {
			start = r.Time
		}
		if from.before(r.Time, start) || to.after(r.Time, start) || !match.Match(&r) {
			return nil
		}
		return fn(r, start)
	})
	if err == nil && done != nil {
		err = done(out)
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		fmt.Fprintf(stderr, "mqtttest %s: %s: %v\n", cmd, name, err)
		return exitRuntime
	}
	return exitOK
}

// show runs "mqtttest show" with args (after the command name): the
// transcript of the records selected.
func show(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return readRecordings("show", args, stdin, stdout, stderr, func(_ *readerConfig, out *bufio.Writer) func(record.Record, time.Time) error {
		return func(r record.Record, start time.Time) error {
			_, err := out.WriteString(r.LineSince(start) + "\n")
			return err
		}
	}, nil)
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
