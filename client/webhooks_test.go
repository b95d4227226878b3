package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"
)

func v1(secret string, t time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(t.Unix(), 10) + "."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// A header with several v1 values (a rotation's grace period) verifies
// when any of them matches, in any position; with none it does not.
func TestVerifyWebhookSeveralSignatures(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"ping","data":{"subscription_id":"wh_1"},"delivery_id":"dlv_1"}`)
	at := time.Unix(1_800_000_000, 0)
	ts := "t=1800000000"
	header := ts + "," + v1("whsec_new", at, body) + "," + v1("whsec_old", at, body)
	for _, secret := range []string{"whsec_new", "whsec_old"} {
		e, err := VerifyWebhook(secret, header, body, at.Add(time.Minute), 5*time.Minute)
		if err != nil || e.Type != "ping" || e.DeliveryID != "dlv_1" {
			t.Errorf("%s: %+v %v", secret, e, err)
		}
	}
	for name, tc := range map[string]struct {
		secret, header string
		late           bool
		want           error
	}{
		"neither secret":  {"whsec_third", header, false, ErrBadSignature},
		"only the other":  {"whsec_old", ts + "," + v1("whsec_new", at, body), false, ErrBadSignature},
		"no v1 at all":    {"whsec_new", ts, false, ErrBadSignature},
		"v1 with no time": {"whsec_new", v1("whsec_new", at, body) + "," + v1("whsec_old", at, body), false, ErrBadSignature},
		"matching, late":  {"whsec_old", header, true, ErrStale},
	} {
		now := at
		if tc.late {
			now = at.Add(time.Hour)
		}
		if _, err := VerifyWebhook(tc.secret, tc.header, body, now, 5*time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v; want %v", name, err, tc.want)
		}
	}
	// Values that are not hex, and unknown schemes, are skipped.
	noisy := "v0=abc," + ts + ",v1=not-hex," + v1("whsec_old", at, body) + ",v2=ff"
	if _, err := VerifyWebhook("whsec_old", noisy, body, at, 5*time.Minute); err != nil {
		t.Errorf("noisy header: %v", err)
	}
}
