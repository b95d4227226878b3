package database

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/dossier"
	"accredpack/internal/testenv"
	"accredpack/keyring"
)

// BenchmarkClientList: one page (21 rows) of a consultancy's client list
// at 100,000 applications, all shared with that consultancy (the worst
// case: its scope is everything), on both backends; each query is timed
// separately and the p50 and p99 reported (ms). Run with
//
//	go test ./database -run '^$' -bench ClientList -benchtime 200x
//
// (the seeding takes a minute per backend; figures in docs/benchmarks.md).
func BenchmarkClientList(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchClientList(b, openBench(b, filepath.Join(b.TempDir(), "bench.db")))
	})
	b.Run("postgres", func(b *testing.B) {
		pg := testenv.StartPostgres(b)
		benchClientList(b, openBench(b, pg.NewDatabase(b)))
	})
}

func openBench(b *testing.B, url string) *DB {
	ctx := context.Background()
	db, err := Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	// Sealed, as the service runs by default.
	ring, err := keyring.FromBase64(base64.StdEncoding.EncodeToString(keyring.NewDataKey()))
	if err != nil {
		b.Fatal(err)
	}
	if err := db.UseKeys(ctx, ring); err != nil {
		b.Fatal(err)
	}
	return db
}

const benchClients = 100_000

var (
	benchSurnames = []string{"иванов", "петров", "сидоров", "смирнов", "кузнецов", "попов", "васильев", "соколов", "михайлов", "новиков",
		"федоров", "морозов", "волков", "алексеев", "лебедев", "семенов", "егоров", "павлов", "козлов", "степанов"}
	benchFirst       = []string{"анна", "мария", "елена", "ольга", "иван", "петр", "сергей", "андрей", "наталья", "татьяна"}
	benchSpecialties = []string{"терапия", "хирургия", "педиатрия", "стоматология общей практики", "сестринское дело", "лечебное дело"}
)

// seedClients writes n applications with their recorded summaries, all
// shared with organization "c1" and assigned among ten staff members.
func seedClients(b *testing.B, db *DB, n int) {
	ctx := context.Background()
	start := time.Now()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.CreateOrganization(ctx, Organization{ID: "c1", Name: "Консалт", Kind: "consultancy", CreatedAt: base}); err != nil {
		b.Fatal(err)
	}
	const batch = 2000
	for from := 0; from < n; from += batch {
		err := db.inTx(ctx, func(tx conn) error {
			for i := from; i < min(from+batch, n); i++ {
				a := newApp(fmt.Sprintf("app%07d", i), base.Add(time.Duration(i)*time.Minute))
				a.Form.Specialist.LastName = benchSurnames[i%len(benchSurnames)]
				a.Form.Specialist.FirstName = benchFirst[(i/7)%len(benchFirst)]
				a.Form.Specialty = benchSpecialties[(i/3)%len(benchSpecialties)]
				if i%10 == 0 {
					a.Status = dossier.StatusSubmitted
				}
				if err := insertApplication(ctx, tx, a); err != nil {
					return err
				}
				if err := putGrant(ctx, tx, Grant{ApplicationID: a.ID, OrgID: "c1", CreatedAt: base, CreatedBy: "staff"}); err != nil {
					return err
				}
				// Due days over five years from 2026-06; about 3% past.
				due := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*37)%1826).Format(time.DateOnly)
				expires := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*37)%1826).Format(time.DateOnly)
				sum := Summary{Ready: i%3 == 0, Blocking: i % 4, DueOn: due, ExpiresOn: expires,
					SearchText: a.Form.Specialist.LastName + " " + a.Form.Specialist.FirstName + " " + a.Form.Specialty,
					SNILSHash:  fmt.Sprintf("%064x", i)}
				if _, err := tx.exec(ctx, `UPDATE readiness_state SET ready = ?, blocking = ?, due_on = ?, expires_on = ?, search_text = ?, snils_hash = ?,
					summarized = 1, updated_at = ?, version = 1 WHERE application_id = ?`, append(db.keys.summaryArgs(sum), ts(base), a.ID)...); err != nil {
					return err
				}
				if i%3 != 0 {
					if _, err := tx.exec(ctx, `UPDATE grants SET assignee = ? WHERE application_id = ?`, fmt.Sprintf("staff%d", i%10), a.ID); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.conn().exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d applications seeded in %s", db.Dialect(), n, time.Since(start).Round(time.Second))
}

func benchClientList(b *testing.B, db *DB) {
	seedClients(b, db, benchClients)
	ctx := context.Background()
	org := access.Scope{Org: "c1"}
	yes, no := true, false
	// A cursor deep in the list: the 50,000th client by due day.
	deep := &Cursor{Value: time.Date(2028, 11, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), ID: "app0050000"}
	for _, q := range []struct {
		name string
		q    ListQuery
	}{
		{"first_page", ListQuery{Scope: org}},
		{"by_due", ListQuery{Scope: org, Sort: ByDue}},
		{"by_due_deep_page", ListQuery{Scope: org, Sort: ByDue, After: deep}},
		{"by_name", ListQuery{Scope: org, Sort: ByName}},
		{"overdue", ListQuery{Scope: org, Overdue: true, Sort: ByDue}},
		{"expired", ListQuery{Scope: org, Expired: true}},
		{"not_ready_by_due", ListQuery{Scope: org, Ready: &no, Sort: ByDue}},
		{"ready_newest", ListQuery{Scope: org, Ready: &yes, Desc: true}},
		{"mine_by_due", ListQuery{Scope: org, Assignee: "staff3", Sort: ByDue}},
		{"search_surname", ListQuery{Scope: org, Text: []string{"семенов"}}},
		{"search_two_words", ListQuery{Scope: org, Text: []string{"семенов", "хирургия"}}},
		{"search_snils", ListQuery{Scope: org, SNILSHash: fmt.Sprintf("%064x", 77777)}},
	} {
		b.Run(q.name, func(b *testing.B) {
			lq := q.q
			lq.Limit, lq.Today = 21, "2026-12-02"
			if lq.Sort == "" {
				lq.Sort = ByCreated
			}
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				page, err := db.ListClients(ctx, lq)
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(t0))
				if len(page) == 0 {
					b.Fatal("an empty page")
				}
			}
			slices.Sort(times)
			ms := func(p float64) float64 {
				return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
			}
			b.ReportMetric(ms(0.50), "p50-ms")
			b.ReportMetric(ms(0.99), "p99-ms")
		})
	}
}
