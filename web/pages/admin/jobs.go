package admin

import (
	"strconv"

	"tandem/internal/jobs"
	"tandem/web/components"
)

// Jobs is one page of /admin/jobs: one filter's jobs, newest first.
type Jobs struct {
	components.Page
	Filter  jobs.Filter
	Tabs    []JobTab
	Rows    []JobRow
	NextURL string
}

// JobTab is one filter with its count.
type JobTab struct {
	Label, Href string
	Count       int
	Current     bool
}

// JobRow is a job as the table shows it.
type JobRow struct {
	ID                  string
	Kind, Args, State   string
	Attempts            string
	Created, CreatedISO string
	Next                string // when it runs (next), for a waiting job
	Finished            string
	LastError           string
	Retryable           bool
}

var filterLabels = map[jobs.Filter]string{jobs.Queued: "Queued", jobs.Running: "Running", jobs.Retrying: "Retrying",
	jobs.Failed: "Failed", jobs.Completed: "Completed"}

var stateLabels = map[string]string{"available": "queued", "scheduled": "scheduled", "pending": "pending",
	"running": "running", "retryable": "retrying", "discarded": "failed", "cancelled": "given up", "completed": "done"}

// JobsOf builds the page, with times in the viewer's timezone.
func JobsOf(p components.Page, f jobs.Filter, counts map[jobs.Filter]int, list []jobs.Job, more bool) Jobs {
	v := Jobs{Page: p, Filter: f}
	for _, t := range jobs.Filters {
		v.Tabs = append(v.Tabs, JobTab{Label: filterLabels[t], Href: "/admin/jobs?state=" + string(t), Count: counts[t], Current: t == f})
	}
	for _, j := range list {
		row := JobRow{ID: strconv.FormatInt(j.ID, 10), Kind: j.Kind, Args: j.Args, State: stateLabels[j.State],
			Attempts: strconv.Itoa(j.Attempt) + " of " + strconv.Itoa(j.MaxAttempts),
			Created:  p.DateTime(j.CreatedAt), CreatedISO: components.ISO(j.CreatedAt), LastError: j.LastError, Retryable: j.Retryable()}
		if j.FinalizedAt != nil {
			row.Finished = p.DateTime(*j.FinalizedAt)
		} else if j.State != "running" {
			row.Next = p.DateTime(j.ScheduledAt)
		}
		v.Rows = append(v.Rows, row)
	}
	if more && len(list) > 0 {
		v.NextURL = "/admin/jobs?state=" + string(f) + "&before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	return v
}
