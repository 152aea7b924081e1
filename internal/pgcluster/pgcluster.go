// Package pgcluster runs a private PostgreSQL cluster from the server binaries
// installed on the machine. It backs `make run`, `make test` and the tests
// that need to stop and start a database; production uses DATABASE_URL.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Cluster is one PostgreSQL data directory and the server that serves it on
// 127.0.0.1:Port. When the process runs as root the server runs as the
// postgres user, because PostgreSQL refuses to run as root.
type Cluster struct {
	Dir    string // holds data/ and postgres.log
	Port   int
	BinDir string
	// Throwaway turns off durability (fsync and friends) for test clusters.
	Throwaway bool
	Log       io.Writer
}

// DataDir is the PostgreSQL data directory inside Dir.
func (c *Cluster) DataDir() string { return filepath.Join(c.Dir, "data") }

// URL is the connection string for database name on this cluster.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}

// Initialized reports whether the data directory already holds a cluster.
func (c *Cluster) Initialized() bool {
	_, err := os.Stat(filepath.Join(c.DataDir(), "PG_VERSION"))
	return err == nil
}

// Init creates the cluster unless it exists already.
func (c *Cluster) Init(ctx context.Context) error {
	if c.Initialized() {
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	if err := c.handToServerUser(c.Dir); err != nil {
		return err
	}
	return c.run(ctx, "initdb", "-D", c.DataDir(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-locale", "--no-sync")
}

// Start starts the server and waits until it accepts connections. A server
// already running on the data directory is left as it is.
func (c *Cluster) Start(ctx context.Context) error {
	if c.Running(ctx) {
		return nil
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=''", c.Port)
	if c.Throwaway {
		opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
	}
	return c.run(ctx, "pg_ctl", "-D", c.DataDir(), "-l", filepath.Join(c.Dir, "postgres.log"),
		"-w", "-t", "60", "start", "-o", opts)
}

// Running reports whether a server is running on the data directory.
func (c *Cluster) Running(ctx context.Context) bool {
	if !c.Initialized() {
		return false
	}
	return c.runQuiet(ctx, "pg_ctl", "-D", c.DataDir(), "status") == nil
}

// Stop stops the server with a fast shutdown (open sessions are ended).
func (c *Cluster) Stop(ctx context.Context) error {
	if !c.Running(ctx) {
		return nil
	}
	return c.run(ctx, "pg_ctl", "-D", c.DataDir(), "-m", "fast", "-w", "stop")
}

// CreateDatabase creates a database unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	err := c.runQuiet(ctx, "createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres", name)
	if err != nil && !errors.Is(err, errExists) {
		return err
	}
	return nil
}

var errExists = errors.New("already exists")

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := c.command(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if c.Log != nil && len(out) > 0 {
		_, _ = c.Log.Write(out)
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func (c *Cluster) runQuiet(ctx context.Context, name string, args ...string) error {
	out, err := c.command(ctx, name, args...).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "already exists") {
			return errExists
		}
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// command builds the command for one server binary. The server gets its own
// process group so that Ctrl-C in the terminal reaches the app first; the
// cluster is stopped afterwards, on purpose.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	bin := filepath.Join(c.BinDir, name)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

// handToServerUser gives dir, and read access to the path leading to it, to
// the postgres user when running as root.
func (c *Cluster) handToServerUser(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a postgres user to run the server: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for p := filepath.Dir(abs); p != "/"; p = filepath.Dir(p) {
		if info, err := os.Stat(p); err == nil && info.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, info.Mode().Perm()|0o011); err != nil {
				return err
			}
		}
	}
	return os.Chown(abs, uid, gid)
}

// FindBinDir returns the directory holding initdb and pg_ctl: the newest
// Debian-style /usr/lib/postgresql/N/bin, or the one on PATH.
func FindBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// EnsureInstalled finds the server binaries, installing Debian's postgresql
// package first when they are missing and the process runs as root.
func EnsureInstalled(ctx context.Context, log io.Writer) (string, error) {
	if dir, err := FindBinDir(); err == nil {
		return dir, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("PostgreSQL server binaries not found; install them (e.g. apt-get install postgresql) or set DATABASE_URL")
	}
	fmt.Fprintln(log, "installing PostgreSQL (apt-get install postgresql)…")
	for _, args := range [][]string{{"update"}, {"install", "-y", "postgresql"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("apt-get %s: %w", args[0], err)
		}
	}
	return FindBinDir()
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
