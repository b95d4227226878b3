package main

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"accredpack/config"
	"accredpack/database"
	"accredpack/mail"
	"accredpack/reminders"
)

// setupMail gives the accounts a mailer (SMTP, or the log when SMTP is
// off) and makes the reminders with their worker.
func setupMail(c *components, cfg config.Config, db *database.DB, workers *river.Workers, log *slog.Logger) error {
	composer, err := mail.NewComposer(cfg.PublicBase(""))
	if err != nil {
		return err
	}
	var sender mail.Sender = mail.NewLog(log)
	if cfg.SMTP.Enabled() {
		s, err := mail.NewSMTP(mail.SMTPConfig{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, TLS: cfg.SMTP.TLS, User: cfg.SMTP.User,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From, Timeout: 30 * time.Second}, log)
		if err != nil {
			return fmt.Errorf("e-mail: %w", err)
		}
		sender = s
		log.Info("e-mail through SMTP", "smtp", cfg.SMTP.String(), "links", cfg.PublicBase(""))
	} else {
		log.Info("e-mail is off (no ACCREDPACK_SMTP_HOST): the log says what would have been sent; new accounts work without confirming their address")
	}
	postman := mail.Postman{Composer: composer, Sender: sender}
	c.accounts.SetMailer(postman, cfg.SMTP.Enabled())
	c.reminders = reminders.New(reminders.Deps{DB: db, Applications: c.intake, Mailer: postman, Unsubscribe: c.accounts,
		RequireConfirmed: cfg.SMTP.Enabled(), Log: log})
	c.reminders.AddWorker(workers)
	return nil
}
