package digest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"

	"tandem/internal/config"
)

// Mailer hands a message to a mail server. Send returns nil only once the
// server has accepted the message (250 after DATA).
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// ErrConnect marks a failure before any message was offered: the server
// could not be reached, TLS or authentication failed. Every other message
// would fail the same way, so a delivery run stops at it.
var ErrConnect = errors.New("could not connect to the mail server")

// ErrRecipientRefused marks a recipient the server refused for good (a
// 5xx reply to RCPT TO, such as "no such mailbox"): retrying cannot help.
var ErrRecipientRefused = errors.New("the mail server refused the recipient")

// Message is one mail: a plain-text and an HTML part of the same content.
type Message struct {
	ToName    string
	ToEmail   string
	Subject   string
	Text      string
	HTML      string
	MessageID string            // without angle brackets
	Headers   map[string]string // e.g. List-Unsubscribe
}

// SMTPMailer sends through the SMTP server of the SMTP_* settings, with
// github.com/wneessen/go-mail: STARTTLS or implicit TLS, SMTP AUTH with
// the strongest mechanism the server offers (PLAIN and LOGIN only over
// TLS), proper MIME multipart/alternative and header encoding.
type SMTPMailer struct {
	cfg     config.SMTP
	timeout time.Duration
	// tlsConfig replaces the default (system roots, server name = host);
	// tests trust their own certificate with it.
	tlsConfig *tls.Config
}

// NewSMTPMailer returns a mailer for cfg (which config.Load validated).
func NewSMTPMailer(cfg config.SMTP) *SMTPMailer {
	return &SMTPMailer{cfg: cfg, timeout: 15 * time.Second}
}

// Send dials, sends one message and quits. A connection per message keeps
// failures independent and the claim-per-recipient bookkeeping simple; at
// the size of a company's staff that is plenty fast.
func (m *SMTPMailer) Send(ctx context.Context, msg Message) error {
	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTimeout(m.timeout)}
	switch m.cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default: // starttls: required, never a silent fall-back to plain text
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.tlsConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(m.tlsConfig))
	}
	if m.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.cfg.User), gomail.WithPassword(m.cfg.Password))
	}
	client, err := gomail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}

	gm := gomail.NewMsg()
	if err := gm.From(m.cfg.From); err != nil {
		return fmt.Errorf("SMTP_FROM: %w", err)
	}
	if err := gm.AddToFormat(msg.ToName, msg.ToEmail); err != nil {
		return fmt.Errorf("recipient %q: %w", msg.ToEmail, err)
	}
	gm.Subject(msg.Subject)
	gm.SetDate()
	if msg.MessageID != "" {
		gm.SetMessageIDWithValue(msg.MessageID)
	} else {
		gm.SetMessageID()
	}
	for k, v := range msg.Headers {
		gm.SetGenHeader(gomail.Header(k), v)
	}
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)

	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("%w %s: %w", ErrConnect, client.ServerAddr(), err)
	}
	if err := client.SendWithSMTPClient(conn, gm); err != nil {
		_ = client.CloseWithSMTPClient(conn)
		var se *gomail.SendError
		if errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() {
			return fmt.Errorf("%w: %w", ErrRecipientRefused, err)
		}
		return err
	}
	// The server has accepted the message: a failing QUIT must not turn
	// that into a failure, or the message would be sent again.
	_ = client.CloseWithSMTPClient(conn)
	return nil
}
