package campaigns

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"tandem/internal/db"
	"tandem/internal/format"
	"tandem/internal/notifications"
	"tandem/internal/users"
)

// Comment is a question on a notice or a reply to one. Threads are one
// level deep: replies have a parent, and a reply cannot be replied to.
type Comment struct {
	ID         int64      `db:"id"`
	ParentID   int64      `db:"parent_id"` // 0 for a question
	AuthorID   int64      `db:"author_id"`
	AuthorName string     `db:"author_name"`
	AuthorTeam users.Team `db:"author_team"` // as it was when they wrote
	Body       string     `db:"body"`
	CreatedAt  time.Time  `db:"created_at"`
	Replies    []Comment  `db:"-"`
}

// MaxComment is the longest question or answer, in characters.
const MaxComment = 5000

// CheckComment returns a message when body is empty or too long.
func CheckComment(body string) string {
	switch n := utf8.RuneCountInString(strings.TrimSpace(body)); {
	case n == 0:
		return "Write your question or answer first."
	case n > MaxComment:
		return "Keep it under " + format.Int(MaxComment) + " characters."
	}
	return ""
}

// Comments returns the campaign's questions, oldest first, each with its
// replies oldest first.
func (s *Store) Comments(ctx context.Context, campaignID int64) ([]Comment, error) {
	rows, err := s.pool.Query(ctx, `SELECT m.id, coalesce(m.parent_id, 0) AS parent_id, m.author_id, u.name AS author_name, m.author_team, m.body, m.created_at
		FROM campaign_comments m JOIN users u ON u.id = m.author_id
		WHERE m.campaign_id = $1 ORDER BY m.id`, campaignID)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByName[Comment])
	if err != nil {
		return nil, err
	}
	var threads []Comment
	at := map[int64]int{}
	for _, c := range all {
		if c.ParentID == 0 {
			at[c.ID] = len(threads)
			threads = append(threads, c)
		} else if i, ok := at[c.ParentID]; ok {
			threads[i].Replies = append(threads[i].Replies, c)
		}
	}
	return threads, nil
}

// AddComment stores a question (parentID 0) or a reply by author. A
// question notifies the campaign's owner; a reply notifies the question's
// author that it was answered.
func (s *Store) AddComment(ctx context.Context, author users.User, campaignID, parentID int64, body string) (Comment, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if msg := CheckComment(body); msg != "" {
		return Comment{}, FieldErrors{"body": msg}
	}
	c := Comment{ParentID: parentID, AuthorID: author.ID, AuthorName: author.Name, AuthorTeam: author.Team, Body: body}
	err := db.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var name string
		var owner int64
		err := tx.QueryRow(ctx, `SELECT name, owner_id FROM campaigns WHERE id = $1`, campaignID).Scan(&name, &owner)
		if errors.Is(err, pgx.ErrNoRows) {
			return db.ErrNotFound
		}
		if err != nil {
			return err
		}
		var recipient int64
		kind, title := "question_asked", author.Name+" ("+author.Team.Label()+") asked about "+name
		if parentID != 0 {
			var parentCampaign, grandparent int64
			err := tx.QueryRow(ctx, `SELECT campaign_id, coalesce(parent_id, 0), author_id FROM campaign_comments WHERE id = $1`,
				parentID).Scan(&parentCampaign, &grandparent, &recipient)
			if errors.Is(err, pgx.ErrNoRows) || err == nil && (parentCampaign != campaignID || grandparent != 0) {
				return ErrBadParent
			}
			if err != nil {
				return err
			}
			kind, title = "question_answered", author.Name+" ("+author.Team.Label()+") answered your question on "+name
		} else {
			recipient = owner
		}
		err = tx.QueryRow(ctx, `INSERT INTO campaign_comments (campaign_id, parent_id, author_id, author_team, body)
			VALUES ($1, nullif($2, 0::bigint), $3, $4, $5) RETURNING id, created_at`,
			campaignID, parentID, author.ID, author.Team, body).Scan(&c.ID, &c.CreatedAt)
		if err != nil {
			return err
		}
		if err := notifications.Send(ctx, tx, []int64{recipient}, author.ID, kind, title,
			link(campaignID)+"#comment-"+itoa64(c.ID)); err != nil {
			return err
		}
		return db.RecordCreated(ctx, tx, "campaign_comment", campaignID)
	})
	return c, err
}
