package intake

import (
	"context"
	"fmt"
	"time"

	"accredpack/storage"
)

// GCReport says what a collection found.
type GCReport struct {
	Objects  int // objects looked at
	Orphans  int // objects no row points at
	Young    int // orphans spared: younger than the grace period
	Removed  int
	Failures int
}

// CollectOrphans removes stored objects that no database row points at and
// that are older than grace. Such objects are left by a process that died
// (or lost its database) between writing an object and writing its row.
// Younger ones are spared: they may belong to an upload in progress in
// another process.
func (s *Service) CollectOrphans(ctx context.Context, grace time.Duration, dryRun bool) (GCReport, error) {
	var r GCReport
	// Read the keys after listing would race with an upload committing in
	// between; reading them first makes every such object merely young.
	keys, err := s.db.ReferencedKeys(ctx)
	if err != nil {
		return r, backend(err)
	}
	cutoff := s.now().Add(-grace)
	var orphans []string
	for _, prefix := range []string{"documents/", "bundles/"} {
		err = s.store.List(ctx, prefix, func(o storage.Object) error {
			r.Objects++
			if keys[o.Key] {
				return nil
			}
			r.Orphans++
			if o.Modified.After(cutoff) {
				r.Young++
				return nil
			}
			orphans = append(orphans, o.Key)
			return nil
		})
		if err != nil {
			return r, backend(fmt.Errorf("list objects: %w", err))
		}
	}
	for _, key := range orphans {
		if dryRun {
			continue
		}
		if err := s.store.Delete(ctx, key); err != nil {
			r.Failures++
			s.log.WarnContext(ctx, "gc: could not remove an orphan", "key", key, "error", err)
			continue
		}
		r.Removed++
		s.log.InfoContext(ctx, "gc: orphan removed", "key", key)
	}
	return r, nil
}

// Link is a time-limited direct download link to a slot's file.
type Link struct {
	URL       string
	ExpiresAt time.Time
}

// errNoLinks reports a store or configuration without direct links.
var errNoLinks = conflict("Прямые ссылки на файлы не настроены: скачайте файл через API.")

// Link returns a presigned link to the current file of a slot row, valid
// for ttl. It needs a store that can presign and ttl > 0.
func (s *Service) Link(ctx context.Context, appID, slotRef string, ttl time.Duration) (Link, error) {
	p, ok := s.store.(storage.Presigner)
	if !ok || ttl <= 0 {
		return Link{}, errNoLinks
	}
	doc, err := s.Document(ctx, appID, slotRef)
	if err != nil {
		return Link{}, err
	}
	name := doc.FileName
	if name == "" {
		name = doc.Ref.String() + ".pdf"
	}
	now := s.now()
	url, err := p.PresignGet(ctx, doc.ObjectKey, name, ttl)
	if err != nil {
		return Link{}, backend(err)
	}
	s.log.InfoContext(ctx, "download link issued", "application", appID, "slot", doc.Ref.String(), "ttl", ttl)
	return Link{URL: url, ExpiresAt: now.Add(ttl)}, nil
}
