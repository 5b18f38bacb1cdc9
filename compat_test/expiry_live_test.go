package compat_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/djsession/djsession/serializer"
	"github.com/djsession/djsession/session"
)

// TestLiveExpiryForms holds _session_expiry's absolute forms against Django: the ISO
// string of 4.1+ (JSON sessions) and the datetime object of Django ≤ 4.0 with
// PickleSerializer (3.2 here). Go writes, Django computes the expiry; Django writes
// (set_expiry), Go computes it.
func TestLiveExpiryForms(t *testing.T) {
	const now = 1700000000.25
	nowT := time.Unix(1700000000, 250_000_000).UTC()
	whens := []time.Time{
		nowT.Add(90 * time.Minute),
		time.Date(2031, 3, 4, 5, 6, 7, 123456000, time.UTC),
		time.Date(2031, 3, 4, 5, 6, 7, 0, time.FixedZone("", -5*3600)),
	}
	for _, series := range matrix(t) {
		pickle := series == "3.2"
		if series != "3.2" && series != "4.2" && series != "6.1" {
			continue // the form changed between 4.0 and 4.1: one old, two new versions suffice
		}
		t.Run(series, func(t *testing.T) {
			settings := map[string]any{"SECRET_KEY": liveKey}
			var ser serializer.Serializer = serializer.JSON{}
			if pickle {
				settings["SESSION_SERIALIZER"] = "django.contrib.sessions.serializers.PickleSerializer"
				ser = serializer.Pickle{}
			}
			env, _ := json.Marshal(settings)
			p, err := startPeerEnv(series, filepath.Join(venvDir(), "django-"+series, "bin", "python"),
				[]string{"DJSESSION_PEER_SETTINGS=" + string(env)})
			if err != nil {
				skipOrFail(t, "Django %s peer: %v (run scripts/venvs)", series, err)
			}
			defer p.stop()
			codec, err := session.NewCodec(session.Config{SecretKey: liveKey, Serializer: ser})
			if err != nil {
				t.Fatal(err)
			}
			e := session.Expiry{StoreDatetime: pickle}
			for i, when := range whens {
				// Go sets the expiry and encodes; Django reads the same date and age.
				d := serializer.NewDict()
				d.Set("n", serializer.Int(int64(i)))
				if err := e.SetExpiry(d, when, nowT); err != nil {
					t.Fatal(err)
				}
				enc, err := codec.Encode(d)
				if err != nil {
					t.Fatal(err)
				}
				resp := p.mustOK(t, map[string]any{"op": "expiry_of", "input": enc, "time": now})
				wantKind := map[bool]string{true: "datetime", false: "str"}[pickle]
				if resp["kind"] != wantKind {
					t.Errorf("case %d: Django sees _session_expiry as %v, want %s", i, resp["kind"], wantKind)
				}
				goDate, _ := e.Date(d, nowT)
				goAge, _ := e.Age(d, nowT)
				djDate, err := time.Parse(time.RFC3339Nano, fmt.Sprint(resp["expiry_date"]))
				if err != nil || !djDate.Equal(goDate) || resp["expiry_age"] != float64(goAge) {
					t.Errorf("case %d: Django: %v, age %v; Go: %v, age %d", i, resp["expiry_date"], resp["expiry_age"], goDate, goAge)
				}
				// Django sets the expiry; Go reads the same date.
				dj := p.mustOK(t, map[string]any{"op": "set_expiry_encode", "json": `{"n":1}`,
					"expiry": when.Format("2006-01-02T15:04:05.000000-07:00"), "time": now})
				back, err := codec.DecodeErr(dj["output"].(string))
				if err != nil {
					t.Fatal(err)
				}
				if got, err := e.Date(back, nowT); err != nil || !got.Equal(when) {
					t.Errorf("case %d: Go reads Django's %v expiry as %v, %v; want %v", i, dj["kind"], got, err, when)
				}
			}
		})
	}
}
