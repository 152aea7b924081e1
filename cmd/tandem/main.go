// Command tandem is the whole application: web server, migrations, demo
// data and operator commands in one binary.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // business and user timezones work on machines without zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tandem:", err)
		os.Exit(1)
	}
}

const usage = `usage: tandem <command>

commands:
  serve [-migrate=false]        run the web server (applies pending migrations first)
  migrate up|down N|version|force V
  seed demo                     load the demo company (idempotent)
  seed scale [-leads N …]       load a large synthetic company with COPY (benchmarks)
  token create --email E --scopes read,write [--name N] [--expires 90d|never]
                                create an API token acting as the user and
                                print it once
  user create --email E --name N --team T --role R
                                create a user; the password is prompted for,
                                or read from standard input when piped
  digest compose --week 2026-W47 [--send]
                                archive a week's digest, print it as text,
                                and with --send mail it (once per person)

configuration comes from the environment; see README.md`

// run is main without the process: everything it needs comes in as
// arguments, so tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(args[1:], getenv, stdout)
	case "seed":
		return cmdSeed(ctx, args[1:], getenv, stdout)
	case "user":
		return cmdUser(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "token":
		return cmdToken(ctx, args[1:], getenv, stdout, stderr)
	case "digest":
		return cmdDigest(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
