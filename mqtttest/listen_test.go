package mqtttest

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
)

// TestListenErrorHint checks that the hint in Start's error fits the error:
// a port in use says another process listens there, an invalid address
// does not blame another broker.
func TestListenErrorHint(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	_, err = Start(WithAddr(busy.Addr().String()))
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("Start on a port in use: got %v, want an error wrapping EADDRINUSE", err)
	}
	if want := "another process is listening on that port; 127.0.0.1:0 picks a free one"; !strings.Contains(err.Error(), want) {
		t.Errorf("Start on a port in use: got %q, want it to say %q", err, want)
	}

	_, err = Start(WithAddr("127.0.0.1:99999"))
	if err == nil {
		t.Fatal("Start on port 99999: got no error")
	}
	if msg := err.Error(); strings.Contains(msg, "another") || !strings.Contains(msg, "99999") {
		t.Errorf("Start on port 99999: got %q, want the address and no hint about another broker or process", msg)
	}
}
