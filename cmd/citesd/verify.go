package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencites/opencites"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/registry"
	"github.com/opencites/opencites/scan"
	"github.com/opencites/opencites/verifier"
)

// verifyCmd checks a permit code, or a photo of one, from the command line:
// against the registry's database, or with --offline against a pinned
// anchor, a trust list and status lists, as a phone would.
func verifyCmd(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.flags(fs)
	offline := fs.Bool("offline", false, "verify without the database: with --anchor, --trust and --status")
	anchorFile := fs.String("anchor", "", "the trust anchor's public key (PEM, from citesd keys anchor)")
	trustFile := fs.String("trust", "", "the trust list (from /.well-known/cites-trust-list)")
	statusDir := fs.String("status", "", "a directory of status lists (*.jwt, from /api/v1/status-lists/{authority})")
	direction := fs.String("direction", "", "export or import: the checkpoint's side")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("usage: citesd verify [--offline --anchor FILE --trust FILE --status DIR] [--direction export|import] CODE|PHOTO")
	}
	code, err := readCode(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if *offline {
		r, err := verifyOffline(code, *anchorFile, *trustFile, *statusDir, *direction)
		if err != nil {
			return err
		}
		return enc.Encode(map[string]any{"verdict": r.Verdict, "reasons": r.Reasons, "claims": r.Claims, "mode": r.Mode,
			"checked_at": r.CheckedAt, "stale": r.Stale, "trust_list_age_s": r.TrustListAge.Seconds(),
			"status_list_age_s": r.StatusListAge.Seconds()})
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	reg, err := registry.Open(ctx, registry.Config{DB: db, DataDir: cfg.DataDir, Logger: log, NoRules: true, SyncRecords: true, KeyRefresh: -1})
	if err != nil {
		return err
	}
	defer reg.Close()
	v, err := reg.Permits.Verify(ctx, opencites.System, permits.VerifyRequest{Code: code, Direction: *direction, Source: "cli"})
	if err != nil {
		return err
	}
	out := map[string]any{"verdict": v.Verdict, "reasons": v.Reasons, "mode": v.Mode, "checked_at": v.CheckedAt}
	if v.Permit != nil {
		out["permit"] = map[string]any{"number": v.Permit.Number, "authority": v.Permit.Authority, "status": v.Permit.DisplayStatus(v.CheckedAt),
			"valid_until": v.Permit.LastValidDay()}
	}
	return enc.Encode(out)
}

// readCode takes the code itself, or reads the QR code in a photo file.
func readCode(ctx context.Context, arg string) (string, error) {
	if strings.HasPrefix(arg, verifier.CodePrefix) {
		return arg, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return arg, nil // not a file: verify the text as given (it will be malformed)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	codes, err := scan.Decode(ctx, io.LimitReader(f, 20<<20), scan.Options{Accept: func(s string) bool { return strings.HasPrefix(s, verifier.CodePrefix) }})
	if err != nil {
		var se *scan.Error
		if errors.As(err, &se) {
			return "", fmt.Errorf("%s: %s", se.Code, se.Hint)
		}
		return "", err
	}
	for _, c := range codes {
		if strings.HasPrefix(c.Text, verifier.CodePrefix) {
			return c.Text, nil
		}
	}
	return codes[0].Text, nil
}

func verifyOffline(code, anchorFile, trustFile, statusDir, direction string) (verifier.Result, error) {
	if anchorFile == "" || trustFile == "" {
		return verifier.Result{}, usageError("--offline needs --anchor and --trust (and --status for revocations)")
	}
	b, err := os.ReadFile(anchorFile)
	if err != nil {
		return verifier.Result{}, err
	}
	anchor, err := verifier.ParseAnchorPEM(b)
	if err != nil {
		return verifier.Result{}, err
	}
	off := verifier.NewOffline(anchor)
	tl, err := os.ReadFile(trustFile)
	if err != nil {
		return verifier.Result{}, err
	}
	if err := off.LoadTrustList(string(bytes.TrimSpace(tl))); err != nil {
		return verifier.Result{}, fmt.Errorf("trust list: %w", err)
	}
	if statusDir != "" {
		files, _ := filepath.Glob(filepath.Join(statusDir, "*.jwt"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return verifier.Result{}, err
			}
			if err := off.LoadStatusList(string(bytes.TrimSpace(b))); err != nil {
				return verifier.Result{}, fmt.Errorf("status list %s: %w", f, err)
			}
		}
	}
	return off.Verify(code, direction, time.Now()), nil
}
