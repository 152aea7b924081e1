// Command covercheck reads a coverage profile written with
// -coverpkg=./... and prints statement coverage per package. It fails when
// a method of a domain store (any method on a type named Store under
// internal/) never ran: a store method that no test runs against
// PostgreSQL is SQL nobody has executed, as the assign 500 showed.
//
//	covercheck -profile test-output/cover.out
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "covercheck:", err)
		os.Exit(1)
	}
}

// block is one profile line: a span of statements in a file and whether
// any test ran it.
type block struct {
	file               string // relative to the module root
	startLine, endLine int
	statements         int
	covered            bool
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("covercheck", flag.ContinueOnError)
	profile := fs.String("profile", "test-output/cover.out", "coverage profile (go test -coverprofile)")
	module := fs.String("module", "tandem", "module path, stripped from the profile's file names")
	if err := fs.Parse(args); err != nil {
		return err
	}
	blocks, err := readProfile(*profile, *module)
	if err != nil {
		return err
	}
	printPackages(out, blocks)

	missed, total, err := storeMethodsNeverRun(blocks)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "store methods run by the tests: %d of %d\n", total-len(missed), total)
	if len(missed) > 0 {
		return fmt.Errorf("store methods no test runs:\n  %s", strings.Join(missed, "\n  "))
	}
	return nil
}

// readProfile merges the profile's blocks: with -coverpkg every test
// binary reports every package, so one span appears once per binary and
// counts as covered when any of them ran it.
func readProfile(path, module string) ([]block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	merged := map[string]*block{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") || line == "" {
			continue
		}
		// name.go:12.34,15.2 3 1
		colon := strings.LastIndex(line, ":")
		fields := strings.Fields(line[colon+1:])
		if colon < 0 || len(fields) != 3 {
			return nil, fmt.Errorf("%s: unreadable line %q", path, line)
		}
		span := strings.Split(fields[0], ",")
		start, _, _ := strings.Cut(span[0], ".")
		end, _, _ := strings.Cut(span[1], ".")
		b := block{file: strings.TrimPrefix(line[:colon], module+"/")}
		b.startLine, _ = strconv.Atoi(start)
		b.endLine, _ = strconv.Atoi(end)
		b.statements, _ = strconv.Atoi(fields[1])
		count, _ := strconv.Atoi(fields[2])
		key := line[:colon] + ":" + fields[0]
		if m, ok := merged[key]; ok {
			m.covered = m.covered || count > 0
			continue
		}
		b.covered = count > 0
		merged[key] = &b
		order = append(order, key)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, errors.New(path + ": empty profile")
	}
	out := make([]block, len(order))
	for i, k := range order {
		out[i] = *merged[k]
	}
	return out, nil
}

func printPackages(out io.Writer, blocks []block) {
	type tally struct{ covered, all int }
	byPkg := map[string]*tally{}
	var all tally
	for _, b := range blocks {
		pkg := filepath.Dir(b.file)
		t := byPkg[pkg]
		if t == nil {
			t = &tally{}
			byPkg[pkg] = t
		}
		t.all += b.statements
		all.all += b.statements
		if b.covered {
			t.covered += b.statements
			all.covered += b.statements
		}
	}
	pkgs := make([]string, 0, len(byPkg))
	for p := range byPkg {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	fmt.Fprintln(out, "statement coverage by package (all tests together):")
	for _, p := range pkgs {
		t := byPkg[p]
		fmt.Fprintf(out, "  %-28s %5.1f%%  (%d of %d)\n", p, percent(t.covered, t.all), t.covered, t.all)
	}
	fmt.Fprintf(out, "  %-28s %5.1f%%  (%d of %d)\n", "total", percent(all.covered, all.all), all.covered, all.all)
}

func percent(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

// storeMethodsNeverRun finds every method on a type named Store in the
// internal packages and reports those whose statements never ran.
func storeMethodsNeverRun(blocks []block) (missed []string, total int, err error) {
	byFile := map[string][]block{}
	for _, b := range blocks {
		byFile[b.file] = append(byFile[b.file], b)
	}
	files := make([]string, 0, len(byFile))
	for f := range byFile {
		if strings.HasPrefix(f, "internal/") && !strings.HasSuffix(f, "_test.go") {
			files = append(files, f)
		}
	}
	sort.Strings(files)
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, 0, err
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil || receiverName(fn.Recv.List[0].Type) != "Store" {
				continue
			}
			total++
			from, to := fset.Position(fn.Pos()).Line, fset.Position(fn.End()).Line
			ran := false
			for _, b := range byFile[name] {
				ran = ran || b.covered && b.startLine >= from && b.endLine <= to
			}
			if !ran {
				missed = append(missed, fmt.Sprintf("%s:%d (*Store).%s", name, from, fn.Name.Name))
			}
		}
	}
	return missed, total, nil
}

func receiverName(e ast.Expr) string {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
