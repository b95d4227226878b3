package accounts

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"

	"accredpack/access"
	"accredpack/database"
	"accredpack/fault"
)

// Facts reads what the access policy needs to know of an application.
func (s *Service) Facts(ctx context.Context, appID string) (access.Facts, error) {
	kind, owner, orgs, err := s.db.AccessFacts(ctx, appID)
	if errors.Is(err, database.ErrNotFound) {
		return access.Facts{}, fault.NotFound("Заявление не найдено.")
	}
	if err != nil {
		return access.Facts{}, unavailable(err)
	}
	f := access.Facts{Kind: kind, Owner: owner, Orgs: map[string]access.OrgKind{}}
	for id, k := range orgs {
		f.Orgs[id] = access.OrgKind(k)
	}
	return f, nil
}

// Grants lists the organizations an application is shared with.
func (s *Service) Grants(ctx context.Context, appID string) ([]database.Grant, error) {
	g, err := s.db.Grants(ctx, appID)
	if err != nil {
		return nil, unavailable(err)
	}
	return g, nil
}

// Share shares an application with an organization.
func (s *Service) Share(ctx context.Context, appID, orgID string, by access.Principal) (database.Grant, error) {
	o, err := s.Organization(ctx, orgID)
	if err != nil {
		return database.Grant{}, err
	}
	g := database.Grant{ApplicationID: appID, OrgID: o.ID, OrgName: o.Name, OrgKind: o.Kind, CreatedAt: s.now(), CreatedBy: actorID(by)}
	if err := s.db.PutGrant(ctx, g); err != nil {
		return g, unavailable(err)
	}
	s.log.InfoContext(ctx, "application shared", "application", appID, "organization", o.ID)
	return g, nil
}

// Unshare stops sharing an application with an organization.
func (s *Service) Unshare(ctx context.Context, appID, orgID string) error {
	err := s.db.DeleteGrant(ctx, appID, orgID)
	if errors.Is(err, database.ErrNotFound) {
		return fault.NotFound("Заявление не передано этой организации.")
	}
	if err != nil {
		return unavailable(err)
	}
	s.log.InfoContext(ctx, "application no longer shared", "application", appID, "organization", orgID)
	return nil
}

func actorID(p access.Principal) string {
	if p.UserID == "" {
		return "bootstrap"
	}
	return p.UserID
}

// shareAlphabet has no look-alikes (0/O, 1/I/L, U/V).
const shareAlphabet = "ABCDEFGHJKMNPQRSTWXYZ23456789"

// ShareCode is a code just created, shown once.
type ShareCode struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// uniformCode draws 10 letters of shareAlphabet uniformly (rejection
// sampling of random bytes) and shows them as XXXXX-XXXXX.
func uniformCode() string {
	limit := byte(256 - 256%len(shareAlphabet))
	var b strings.Builder
	buf := make([]byte, 1)
	for n := 0; n < 10; {
		if _, err := rand.Read(buf); err != nil {
			panic("accounts: no randomness: " + err.Error())
		}
		if buf[0] >= limit {
			continue
		}
		if n == 5 {
			b.WriteByte('-')
		}
		b.WriteByte(shareAlphabet[int(buf[0])%len(shareAlphabet)])
		n++
	}
	return b.String()
}

// normalizeCode reads a code as people type it: any case, with or without
// dashes and spaces.
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return -1
	}, code)
}

// NewShareCode creates a one-time code that shares appID with the
// organization that redeems it: 29^10 (about 4e14) possibilities, valid
// for the configured time.
func (s *Service) NewShareCode(ctx context.Context, appID string, by access.Principal) (ShareCode, error) {
	code := uniformCode()
	now := s.now()
	sc := ShareCode{Code: code, ExpiresAt: now.Add(s.cfg.ShareCodeTTL)}
	err := s.db.CreateShareCode(ctx, database.ShareCode{CodeHash: digest(normalizeCode(code)), ApplicationID: appID, CreatedBy: actorID(by),
		CreatedAt: now, ExpiresAt: sc.ExpiresAt})
	if err != nil {
		return ShareCode{}, unavailable(err)
	}
	return sc, nil
}

// Redeem uses a share code for p's organization: the application is shared
// with it. It returns the application's id.
func (s *Service) Redeem(ctx context.Context, p access.Principal, code string) (string, error) {
	if p.OrgID == "" {
		return "", fault.Forbidden("Код доступа принимают только организации.")
	}
	g := database.Grant{OrgID: p.OrgID, CreatedAt: s.now(), CreatedBy: actorID(p)}
	appID, err := s.db.RedeemShareCode(ctx, digest(normalizeCode(code)), g)
	if errors.Is(err, database.ErrNotFound) {
		return "", fault.NotFound("Код доступа неверен, уже использован или истёк: попросите специалиста выдать новый.")
	}
	if err != nil {
		return "", unavailable(err)
	}
	s.log.InfoContext(ctx, "share code redeemed", "application", appID, "organization", p.OrgID)
	return appID, nil
}
