package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"tandem/internal/digest"
	"tandem/internal/mailtest"
	"tandem/internal/testdb"
)

func TestDigestComposeCommand(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t, mailtest.Options{})
	env := smtp.Env()
	env["DATABASE_URL"] = testdb.URL(t)
	env["BASE_URL"] = "https://tandem.example.com"
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"seed", "demo"}, getenv, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	// A week the demo data did not archive: the one before the latest due.
	week := digest.DefaultSchedule.LatestDue(time.Now(), time.UTC).Prev().Label()

	out.Reset()
	if err := run(ctx, []string{"digest", "compose", "--week", week, "--send"}, getenv, nil, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	text := out.String()
	if !strings.HasPrefix(text, "Tandem weekly digest: Week ") || !strings.Contains(text, "CUSTOMER WINS") ||
		!strings.Contains(text, "https://tandem.example.com/digests/"+week) || strings.Contains(text, "unsubscribe") {
		t.Errorf("stdout:\n%s", text)
	}
	if !strings.Contains(errOut.String(), week+" archived.") || !strings.Contains(errOut.String(), "failed 0") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	sent := len(smtp.Messages())
	if sent < 10 {
		t.Fatalf("%d messages sent", sent)
	}
	for _, m := range smtp.Messages() {
		if !strings.Contains(m.Text, "/digests/unsubscribe?u=") || m.HTML == "" {
			t.Errorf("message to %v lacks a part or the unsubscribe link", m.To)
		}
	}

	// Again: the archive stands and nobody gets it twice.
	out.Reset()
	errOut.Reset()
	if err := run(ctx, []string{"digest", "compose", "--week", week, "--send"}, getenv, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "archived already") || !strings.Contains(errOut.String(), "queued 0; sent 0") ||
		out.String() != text {
		t.Errorf("second run: %s\n%s", errOut.String(), out.String())
	}
	if n := len(smtp.Messages()); n != sent {
		t.Errorf("%d messages after the second run, want %d", n, sent)
	}

	noMail := func(k string) string {
		if strings.HasPrefix(k, "SMTP_") {
			return ""
		}
		return env[k]
	}
	for _, tc := range []struct {
		args   []string
		getenv func(string) string
		want   string
	}{
		{[]string{"digest"}, getenv, "usage: tandem digest compose"},
		{[]string{"digest", "compose"}, getenv, "usage: tandem digest compose"},
		{[]string{"digest", "compose", "--week", "2026-47"}, getenv, "--week"},
		{[]string{"digest", "compose", "--week", "2999-W01"}, getenv, "has not started"},
		{[]string{"digest", "compose", "--week", week, "--send"}, noMail, "mail is off"},
	} {
		err := run(ctx, tc.args, tc.getenv, nil, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
}
