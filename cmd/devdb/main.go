// Command devdb runs a command next to a local PostgreSQL cluster, for
// development only (`make run`, `make test`, `make bench`):
//
//	devdb run [-dir .data/pg] [-port 54329] -- CMD ARGS…
//	    keeps a cluster in dir (created the first time), exports DATABASE_URL
//	    to CMD, and stops the cluster after CMD exits. With DATABASE_URL
//	    already set it starts nothing and just runs CMD.
//	devdb throwaway -- CMD ARGS…
//	    a temporary cluster without durability, exported as
//	    TEST_DATABASE_URL, removed after CMD exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"tandem/internal/pgcluster"
)

func main() {
	code, err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devdb:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func run(args []string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		return 2, errors.New("usage: devdb run|throwaway [flags] -- command")
	}
	fs := flag.NewFlagSet("devdb "+args[0], flag.ContinueOnError)
	dir := fs.String("dir", ".data/pg", "cluster directory (run)")
	port := fs.Int("port", 54329, "port on 127.0.0.1 (run)")
	dbName := fs.String("db", "tandem", "database name (run)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2, err
	}
	command := fs.Args()
	if len(command) == 0 {
		return 2, errors.New("no command given after --")
	}

	ctx := context.Background()
	switch args[0] {
	case "run":
		if os.Getenv("DATABASE_URL") != "" {
			return runChild(command, nil)
		}
		c, err := newCluster(ctx, *dir, *port, false, stderr)
		if err != nil {
			return 1, err
		}
		fmt.Fprintf(stdout, "PostgreSQL: local cluster in %s on 127.0.0.1:%d\n", *dir, *port)
		if err := start(ctx, c, *dbName); err != nil {
			return 1, err
		}
		code, err := runChild(command, []string{"DATABASE_URL=" + c.URL(*dbName)})
		if stopErr := stop(c); stopErr != nil && err == nil {
			err = stopErr
		}
		return code, err
	case "throwaway":
		tmp, err := os.MkdirTemp("", "tandem-pg-")
		if err != nil {
			return 1, err
		}
		defer os.RemoveAll(tmp)
		p, err := pgcluster.FreePort()
		if err != nil {
			return 1, err
		}
		c, err := newCluster(ctx, tmp, p, true, stderr)
		if err != nil {
			return 1, err
		}
		if err := start(ctx, c, ""); err != nil {
			return 1, err
		}
		code, err := runChild(command, []string{"TEST_DATABASE_URL=" + c.URL("postgres")})
		if stopErr := stop(c); stopErr != nil && err == nil {
			err = stopErr
		}
		return code, err
	default:
		return 2, fmt.Errorf("unknown subcommand %q", args[0])
	}
}

func newCluster(ctx context.Context, dir string, port int, throwaway bool, log io.Writer) (*pgcluster.Cluster, error) {
	bin, err := pgcluster.EnsureInstalled(ctx, log)
	if err != nil {
		return nil, err
	}
	return &pgcluster.Cluster{Dir: dir, Port: port, BinDir: bin, Throwaway: throwaway}, nil
}

func start(ctx context.Context, c *pgcluster.Cluster, dbName string) error {
	if err := c.Init(ctx); err != nil {
		return err
	}
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("%w (see %s/postgres.log)", err, c.Dir)
	}
	if dbName != "" {
		return c.CreateDatabase(ctx, dbName)
	}
	return nil
}

func stop(c *pgcluster.Cluster) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.Stop(ctx)
}

// runChild runs the command with extra environment. Interrupts are left to
// the child (it shares the terminal's process group), so the app shuts down
// gracefully before the cluster is stopped.
func runChild(command, env []string) (int, error) {
	signal.Ignore(syscall.SIGINT)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	defer signal.Stop(sigs)

	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return 1, err
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if code := exit.ExitCode(); code > 0 {
			return code, nil
		}
		return 1, nil // killed by a signal
	}
	return 0, err
}
