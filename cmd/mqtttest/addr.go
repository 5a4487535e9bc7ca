package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// checkAddr checks that addr, the value of the flag named flagName, is a TCP
// address serve can listen on: HOST:PORT with a port number 0-65535 (or a
// service name such as "mqtt" that this machine knows), and a host that is
// empty (every interface), an IP address, or a name that resolves. Its
// errors are usage errors that name the flag and say what to give instead.
func checkAddr(flagName, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %s: not HOST:PORT (%v); give e.g. 127.0.0.1:1883, or 127.0.0.1:0 for a free port", flagName, addr, addrErrText(err))
	}
	if err := checkPort(port); err != nil {
		return fmt.Errorf("%s %s: %v", flagName, addr, err)
	}
	if host == "" || host == "localhost" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if _, err := net.DefaultResolver.LookupHost(context.Background(), host); err != nil {
		return fmt.Errorf("%s %s: cannot resolve host %q (%v); give an IP address such as 127.0.0.1, or a name this machine resolves", flagName, addr, host, addrErrText(err))
	}
	return nil
}

// checkPort checks the port of an address: a number 0-65535, or a service
// name this machine knows.
func checkPort(port string) error {
	if port == "" {
		return errors.New("no port; give one, e.g. 1883, or 0 for a free one")
	}
	n, err := strconv.Atoi(port)
	switch {
	case errors.Is(err, strconv.ErrRange), err == nil && (n < 0 || n > 65535):
		return fmt.Errorf("port %s is out of range 0-65535 (0 picks a free one)", port)
	case err == nil:
		return nil
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("unknown port %q; give a number 0-65535, e.g. 1883, or 0 for a free one", port)
	}
	return nil
}

// addrErrText returns what went wrong in err without the address, which
// the caller's message names already.
func addrErrText(err error) string {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return ae.Err
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.Err
	}
	return err.Error()
}

// notLocalError is the usage error for the flag named flagName when its
// address addr could not be bound because no interface of this machine has
// that IP address (EADDRNOTAVAIL).
func notLocalError(flagName, addr string) error {
	return fmt.Errorf("%s %s: this machine has no such address (cannot assign requested address); give one of its own, e.g. 127.0.0.1:1883", flagName, addr)
}
