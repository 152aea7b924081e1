package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"tandem/internal/config"
	"tandem/internal/db"
	"tandem/internal/digest"
)

const digestUsage = "usage: tandem digest compose --week 2026-W47 [--send]"

// cmdDigest is `tandem digest compose --week W [--send]`: it archives the
// week's digest (unless it is archived already: the archive never
// changes), prints it as plain text, and with --send mails it to everyone
// who has not had it, once each, as the schedule would.
func cmdDigest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "compose" {
		return errors.New(digestUsage)
	}
	fs := flag.NewFlagSet("digest compose", flag.ContinueOnError)
	fs.SetOutput(stderr)
	week := fs.String("week", "", "ISO week in the business timezone, e.g. 2026-W47 (required)")
	send := fs.Bool("send", false, "mail it to every active user who has not had it (needs SMTP_HOST)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *week == "" || fs.NArg() > 0 {
		return errors.New(digestUsage)
	}
	cfg, err := config.Load(getenv, true)
	if err != nil {
		return err
	}
	if *send && !cfg.SMTP.Enabled() {
		return errors.New("--send: mail is off; set SMTP_HOST, SMTP_FROM and the other SMTP_* settings")
	}
	pool, err := db.Open(ctx, cfg.DatabaseURL, 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	svc := digest.FromConfig(pool, cfg, newLogger(cfg, stderr))

	p, err := svc.ParseWeek(*week)
	if err != nil {
		return fmt.Errorf("--week: %q is not an ISO week like 2026-W47", *week)
	}
	before, err := svc.Entry(ctx, p.Label())
	if err != nil {
		return err
	}
	a, err := svc.Archive(ctx, p, digest.ViaCommand, 0)
	if errors.Is(err, digest.ErrFutureWeek) {
		return fmt.Errorf("--week: %s has not started yet", p.Label())
	}
	if err != nil {
		return err
	}
	text, err := digest.Text(digest.View{Digest: a.Digest, BaseURL: cfg.BaseURL.String()})
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, text)
	if before.Archived != nil {
		fmt.Fprintf(stderr, "%s was archived already (%s); showing the archived digest.\n", p.Label(), a.ComposedAt.Format("2006-01-02 15:04 MST"))
	} else {
		fmt.Fprintf(stderr, "%s archived.\n", p.Label())
	}
	if !*send {
		return nil
	}
	queued, err := svc.Queue(ctx, p.Label(), false)
	if err != nil {
		return err
	}
	res, err := svc.Deliver(ctx, 0)
	fmt.Fprintf(stderr, "queued %d; sent %d, retrying later %d, failed %d, skipped %d\n",
		queued, res.Sent, res.Retrying, res.Failed, res.Skipped)
	if err != nil {
		return err
	}
	if res.Retrying+res.Failed > 0 {
		return fmt.Errorf("%d digests could not be sent; the server's scheduler retries them, and /digests/%s lists them for admins",
			res.Retrying+res.Failed, p.Label())
	}
	return nil
}
