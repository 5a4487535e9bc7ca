package memconn

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/nettest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestNetConn runs x/net's conformance tests for a net.Conn.
func TestNetConn(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		a, b := Pipe("a", "b")
		return a, b, func() { a.Close(); b.Close() }, nil
	})
}

// TestCloseAsTCP: after one end closes, the other reads what was written,
// then io.EOF, and its writes fail; the closed end's own calls fail with
// net.ErrClosed.
func TestCloseAsTCP(t *testing.T) {
	a, b := Pipe("a", "b")
	defer b.Close()
	if _, err := a.Write([]byte("last words")); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(b)
	if string(got) != "last words" || err != nil {
		t.Errorf("the other end read %q, %v; want the bytes written before Close, then io.EOF", got, err)
	}
	if n, err := b.Write([]byte("lost")); n != 4 || err != nil {
		t.Errorf("the first write to a closed peer returned %d, %v; want it taken, as TCP takes it before the reset", n, err)
	}
	if _, err := b.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("a second write to a closed peer returned %v, want io.ErrClosedPipe", err)
	}
	if _, err := a.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("a read after Close returned %v, want net.ErrClosed", err)
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("a write after Close returned %v, want net.ErrClosed", err)
	}
	if err := a.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("a second Close returned %v, want net.ErrClosed", err)
	}
}

// TestHalfClose: CloseWrite lets the other end read to io.EOF while it can
// still answer; CloseRead makes the other end's writes fail.
func TestHalfClose(t *testing.T) {
	a, b := Pipe("a", "b")
	defer a.Close()
	defer b.Close()
	if _, err := a.Write([]byte("question")); err != nil {
		t.Fatal(err)
	}
	if err := a.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(b); string(got) != "question" || err != nil {
		t.Errorf("after CloseWrite the other end read %q, %v; want the bytes, then io.EOF", got, err)
	}
	if _, err := a.Write([]byte("more")); err == nil {
		t.Error("a write after CloseWrite succeeded")
	}
	if _, err := b.Write([]byte("answer")); err != nil {
		t.Fatalf("the other end could not answer after CloseWrite: %v", err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(a, buf); string(buf) != "answer" || err != nil {
		t.Errorf("after CloseWrite this end read %q, %v; want the answer", buf, err)
	}
	if err := a.CloseRead(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write([]byte("unheard")); err != nil {
		t.Errorf("the first write to an end that closed its reading returned %v, want it taken and lost", err)
	}
	if _, err := b.Write([]byte("unheard")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("a second write to an end that closed its reading returned %v, want io.ErrClosedPipe", err)
	}
}

// TestFullBufferWaits: a write waits while BufferSize bytes are unread, and
// goes on when the reader reads, as with a full TCP window.
func TestFullBufferWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := Pipe("a", "b")
		defer a.Close()
		defer b.Close()
		done := make(chan error, 1)
		go func() {
			_, err := a.Write(make([]byte, BufferSize+10))
			done <- err
		}()
		synctest.Wait() // the writer is durably blocked on the full buffer
		select {
		case err := <-done:
			t.Fatalf("a write of more than BufferSize returned (%v) with nothing read", err)
		default:
		}
		if _, err := io.ReadFull(b, make([]byte, BufferSize+10)); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestDeadlinesOnTheBubbleClock: in a synctest bubble, a read blocked on an
// idle connection is durably blocked, and its deadline fires at exactly the
// virtual time it was set for.
func TestDeadlinesOnTheBubbleClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := Pipe("a", "b")
		defer a.Close()
		defer b.Close()
		start := time.Now()
		if err := a.SetReadDeadline(start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		_, err := a.Read(make([]byte, 1))
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("a read past its deadline returned %v, want a timeout (os.ErrDeadlineExceeded)", err)
		}
		if waited := time.Since(start); waited != time.Hour {
			t.Errorf("the read deadline fired after %v of virtual time, want exactly 1h", waited)
		}
	})
}
