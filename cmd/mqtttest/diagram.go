package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// defaultMaxDrawn is how many arrows and notes diagram draws by default:
// enough for a failed test's story, few enough for a renderer.
const defaultMaxDrawn = 300

// diagram runs "mqtttest diagram" with args (after the command name): the
// records selected, as a Mermaid sequence diagram.
func diagram(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var m *mermaid
	return readRecordings("diagram", args, stdin, stdout, stderr, func(c *readerConfig, out *bufio.Writer) func(record.Record, time.Time) error {
		m = newMermaid(out, c.max)
		return func(r record.Record, _ time.Time) error { return m.add(r) }
	}, func(*bufio.Writer) error { return m.end() })
}

// mermaid writes records as a Mermaid sequence diagram: a lifeline for the
// broker and one per client, in order of appearance; an arrow per packet,
// crossed (-x) when it never arrived (a fault withheld it), with what a
// fault did in brackets; a note for a close, a drop or a restart. A run of
// the same arrow, or of the same pair of arrows (PINGREQ and PINGRESP), is
// drawn twice and then folded into a note that counts the rest.
type mermaid struct {
	w       *bufio.Writer
	max     int               // items to draw at most
	drawn   int               // items drawn
	left    int               // records selected but not drawn, past max
	ids     map[string]string // participant name → its id in the diagram
	started bool

	last    [3]item // the last items drawn, newest last
	fold    []item  // the repeating pattern, while folding
	folds   int     // items folded into the pattern so far
	pending []item  // the first of them, drawn after all if the run is short
}

// minFold is the shortest run folded into a note: a shorter one is drawn.
const minFold = 4

// item is one line of the diagram: an arrow or a note.
type item struct {
	key  string // what makes two items the same for folding: no IDs, no payloads
	line string // the Mermaid line
	over string // the participants a fold note goes over
	set  bool
}

func newMermaid(w *bufio.Writer, max int) *mermaid {
	return &mermaid{w: w, max: max, ids: map[string]string{}}
}

// add draws record r, or folds it, or counts it as left out.
func (m *mermaid) add(r record.Record) error {
	if !m.started {
		m.started = true
		if _, err := m.w.WriteString("sequenceDiagram\n    participant broker as broker\n"); err != nil {
			return err
		}
	}
	if m.drawn >= m.max && len(m.fold) == 0 { // past max: counted, not rendered
		if r.Event != record.EventOpen {
			m.left++
		}
		return nil
	}
	it, ok, err := m.itemOf(r)
	if err != nil || !ok {
		return err
	}
	return m.put(it)
}

// end closes the diagram: a pending fold, and the count of what was left out.
func (m *mermaid) end() error {
	if !m.started { // an empty selection is still a diagram
		if _, err := m.w.WriteString("sequenceDiagram\n    participant broker as broker\n    Note over broker: no records selected\n"); err != nil {
			return err
		}
		return nil
	}
	if err := m.flushFold(); err != nil {
		return err
	}
	if m.left > 0 {
		_, err := fmt.Fprintf(m.w, "    Note over broker: … %d more records not drawn (select fewer with --client, --type, --from, --to, or raise --max)\n", m.left)
		return err
	}
	return nil
}

// itemOf makes the item of r; false for a record not drawn (a connection
// opening: its CONNECT follows).
func (m *mermaid) itemOf(r record.Record) (item, bool, error) {
	who := r.ClientID
	if who == "" {
		who = "conn#" + strconv.FormatUint(r.Conn, 10)
	}
	switch r.Event {
	case record.EventOpen:
		return item{}, false, nil
	case record.EventClose:
		id, err := m.participant(who)
		return item{key: "close", line: "Note over " + id + ": " + text(r.Line()), over: id, set: true}, true, err
	case record.EventDrop, record.EventRestart:
		return item{key: "note " + r.Event.String(), line: "Note over broker: " + text(r.Line()), over: "broker", set: true}, true, nil
	case record.EventPacket:
	default:
		return item{}, false, nil
	}
	id, err := m.participant(who)
	if err != nil {
		return item{}, false, err
	}
	from, to := id, "broker"
	if r.Dir == record.ToClient {
		from, to = "broker", id
	}
	arrow := "->>"
	if r.Withheld {
		arrow = "-x"
	}
	label := r.Detail()
	if r.Fault != "" {
		label += "  [" + r.Fault + "]"
	}
	key := fmt.Sprintf("%s>%s %s %s %v", from, to, r.Type, r.Topic, r.Withheld)
	return item{key: key, line: from + arrow + to + ": " + text(label), over: id + ",broker", set: true}, true, nil
}

// participant returns the diagram id of the lifeline named name, declaring
// it at its first use.
func (m *mermaid) participant(name string) (string, error) {
	if id, ok := m.ids[name]; ok {
		return id, nil
	}
	id := "p" + strconv.Itoa(len(m.ids)+1)
	m.ids[name] = id
	if m.drawn >= m.max { // nothing of it will be drawn
		return id, nil
	}
	_, err := fmt.Fprintf(m.w, "    participant %s as %s\n", id, text(name))
	return id, err
}

// put draws it, unless it continues a run being folded, or starts one.
func (m *mermaid) put(it item) error {
	if m.drawn >= m.max && len(m.fold) == 0 { // past max: only counted
		m.left++
		return nil
	}
	if len(m.fold) > 0 {
		if it.key == m.fold[m.folds%len(m.fold)].key {
			m.folds++
			if len(m.pending) < minFold {
				m.pending = append(m.pending, it)
			}
			return nil
		}
		if err := m.flushFold(); err != nil {
			return err
		}
	}
	a, b, c := m.last[0], m.last[1], m.last[2]
	switch {
	case c.set && b.set && it.key == c.key && c.key == b.key: // A A A: fold the third A on
		m.fold, m.folds, m.pending = []item{it}, 1, []item{it}
		return nil
	case a.set && b.set && c.set && it.key == b.key && c.key == a.key && a.key != b.key: // A B A B: fold from the second B on
		m.fold, m.folds, m.pending = []item{it, c}, 1, []item{it}
		return nil
	}
	return m.draw(it)
}

// flushFold ends a fold with a note that counts what it folded, or, for a
// run shorter than minFold, by drawing it.
func (m *mermaid) flushFold() error {
	if len(m.fold) == 0 {
		return nil
	}
	if m.folds < minFold {
		pending := m.pending
		m.fold, m.folds, m.pending = nil, 0, nil
		for _, it := range pending {
			if err := m.draw(it); err != nil {
				return err
			}
		}
		return nil
	}
	var names []string
	for _, it := range m.fold {
		names = append(names, strings.SplitN(strings.SplitN(it.line, ": ", 2)[1], "  ", 2)[0])
	}
	over := m.fold[0].over
	n := m.folds
	m.fold, m.folds, m.pending = nil, 0, nil
	m.last = [3]item{}
	return m.draw(item{key: "fold", line: fmt.Sprintf("Note over %s: … %d more, in turn: %s", over, n, strings.Join(names, ", ")), set: true})
}

// draw writes it, or counts it as left out once max items are drawn.
func (m *mermaid) draw(it item) error {
	if m.drawn >= m.max {
		m.left++
		return nil
	}
	m.drawn++
	m.last = [3]item{m.last[1], m.last[2], it}
	_, err := m.w.WriteString("    " + it.line + "\n")
	return err
}

// text makes s safe in a Mermaid label: characters the sequence diagram
// syntax gives a meaning to (# ; < > and line breaks) become entity codes.
func text(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '#' || r == ';' || r == '<' || r == '>' || r == '%' || r == '\\':
			fmt.Fprintf(&b, "#%d;", r)
		case r < ' ' || r == 0x7f:
			b.WriteString(" ")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
