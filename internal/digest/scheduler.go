package digest

import (
	"context"
	"time"
)

// Tick does what is due now (the job system runs it every minute on one
// instance; the database makes sure each week is composed once and each
// person mailed once, whoever runs it): it archives the digest of the week that most
// recently became due (if no one has), queues it once for everyone when
// mail is on, and delivers queued digests that are due, retries included.
//
// Only the latest due week is looked at. An app that was down at the
// scheduled moment catches up when it comes back (at most a week late);
// older weeks that were never composed stay so, rather than arriving as a
// burst of old news. `tandem digest compose --week` can archive them.
func (s *Service) Tick(ctx context.Context) error {
	sc, err := s.Schedule(ctx)
	if err != nil {
		return err
	}
	week := sc.LatestDue(s.now(), s.loc)
	if _, err := s.Archive(ctx, week, ViaSchedule, 0); err != nil {
		return err
	}
	if s.mailer == nil {
		return nil
	}
	if n, err := s.Queue(ctx, week.Label(), true); err != nil {
		return err
	} else if n > 0 {
		s.log.Info("digest queued", "week", week.Label(), "recipients", n)
	}
	res, err := s.Deliver(ctx, 0)
	if res != (Result{}) {
		s.log.Info("digests delivered", "sent", res.Sent, "retrying", res.Retrying, "failed", res.Failed, "skipped", res.Skipped)
	}
	return err
}

// SendNow archives week if needed, queues it for everyone not queued yet,
// and delivers for up to budget; what is left goes out with the
// scheduler's next tick. It returns how many were queued by this call.
func (s *Service) SendNow(ctx context.Context, week string, by int64, budget time.Duration) (int, Result, error) {
	if s.mailer == nil {
		return 0, Result{}, ErrMailOff
	}
	p, err := s.ParseWeek(week)
	if err != nil {
		return 0, Result{}, err
	}
	if _, err := s.Archive(ctx, p, ViaManager, by); err != nil {
		return 0, Result{}, err
	}
	n, err := s.Queue(ctx, week, false)
	if err != nil {
		return 0, Result{}, err
	}
	res, err := s.Deliver(ctx, budget)
	return n, res, err
}
