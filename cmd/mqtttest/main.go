package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// main runs the command until SIGINT or SIGTERM. After the first signal the
// default handling is restored, so a second one ends a stuck shutdown.
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
