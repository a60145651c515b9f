package printing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/opencites/opencites/internal/testenv"
	"github.com/opencites/opencites/permits"
	"github.com/opencites/opencites/scan"
	"github.com/opencites/opencites/verifier"
)

var testOptions = Options{
	AuthorityName:    "Ministry of Natural Resources, Ecology and Technical Supervision of the Kyrgyz Republic",
	AuthorityAddress: "142 Kievskaya St., Bishkek 720040, Kyrgyz Republic",
	VerifyURL:        "https://cites.gov.kg/verify",
	Quota:            map[string]string{"A": "12 / 40"},
}

// testLines are specimen lines as permits.Issue would have resolved them.
var testLines = []permits.Line{
	{Line: "A", Taxon: "Falco cherrug", ListedAs: "Falconiformes", Appendix: "II", Description: "Live adult female, captive-bred",
		Term: "LIV", Source: "C", Quantity: 2, Marks: "Closed rings KG-0451, KG-0452; microchips 985141000123456, 985141000123457", OriginCountry: "KG"},
	{Line: "B", Taxon: "Ovis ammon", Appendix: "II", Description: "Hunting trophy: horns, skull and cape of one male",
		Term: "TRO", Source: "W", Quantity: 1, Marks: "Horn tags KG-H-2026-017", OriginCountry: "KG"},
	{Line: "C", Taxon: "Saiga tatarica", Appendix: "II", Description: "Horns", Term: "HOR", Source: "I", Quantity: 3.5, Unit: "kg"},
	{Line: "D", Taxon: "Testudo horsfieldii", ListedAs: "Testudinidae spp.", Appendix: "II", Description: "Live juveniles",
		Term: "LIV", Source: "R", Quantity: 40},
	{Line: "E", Taxon: "Capra falconeri", Appendix: "I", Description: "Hunting trophy", Term: "TRO", Source: "W", Quantity: 1},
	{Line: "F", Taxon: "Acipenser nudiventris", Appendix: "II", Description: "Caviar", Term: "CAV", Source: "C", Quantity: 0.25, Unit: "kg"},
	{Line: "G", Taxon: "Panthera uncia", Appendix: "I", Description: "Scientific samples (blood)", Term: "SPE", Source: "W", Quantity: 12, Unit: "ml"},
	{Line: "H", Taxon: "Falco peregrinus", Appendix: "I", Description: "Feathers", Term: "FEA", Source: "W", Quantity: 30},
	{Line: "I", Taxon: "Naja oxiana", Appendix: "II", Description: "Live", Term: "LIV", Source: "C", Quantity: 2},
	{Line: "J", Taxon: "Moschus moschiferus", Appendix: "II", Description: "Musk", Term: "MUS", Source: "W", Quantity: 15, Unit: "g"},
}

// MustPermit builds an export permit with n specimen lines and a code of
// the size a real signed token has: a compact JWS of about 550 characters.
func MustPermit(tb testing.TB, n int) *permits.Permit {
	tb.Helper()
	issued := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	p := &permits.Permit{
		Number: "26KG000123", Authority: "KG", Type: "export", Purpose: "T", Status: permits.StatusIssued,
		Exporter:      permits.Party{Name: "ОсОО Ала-Тоо Трейд", Address: "ул. Московская 120, Бишкек 720001", Country: "KG"},
		Importer:      permits.Party{Name: "Al Wathba Falcon Centre LLC", Address: "PO Box 7712, Abu Dhabi", Country: "AE"},
		Conditions:    "Valid only for shipment through Manas International Airport (FRU).",
		SecurityStamp: "KG0004471", IssuedPlace: "Bishkek / Бишкек",
		ValidFrom: issued.Truncate(24 * time.Hour), ValidUntil: time.Date(2026, 9, 2, 0, 0, 0, 0, time.UTC), IssuedAt: issued,
		KeyID: "KG-2026-1", Lines: testLines[:n],
	}
	var claims []any
	for _, l := range p.Lines {
		claims = append(claims, []any{l.Taxon, l.Appendix, l.Quantity, l.Unit, l.Source, l.Term})
	}
	header, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": p.KeyID, "typ": verifier.TokenType})
	payload, _ := json.Marshal(map[string]any{"v": 1, "pt": "E", "cc": []string{"KG", "AE"}, "pur": "T", "l": claims,
		"iss": "KG", "jti": p.Number, "iat": issued.Unix(), "exp": p.ValidUntil.Unix()})
	sig := sha256.Sum256(payload)
	sig2 := sha256.Sum256(sig[:])
	enc := base64.RawURLEncoding.EncodeToString
	p.Code = verifier.EncodeCode(enc(header) + "." + enc(payload) + "." + enc(append(sig[:], sig2[:]...)))
	return p
}

// MustRender renders p and writes it to a temporary file.
func MustRender(tb testing.TB, p *permits.Permit, opt Options) (string, placement) {
	tb.Helper()
	b, at, err := render(p, opt)
	if err != nil {
		tb.Fatalf("render: %v", err)
	}
	path := filepath.Join(tb.TempDir(), p.Number+".pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path, at
}

// MustTool finds a poppler tool, skipping the test without it unless CI
// is set, where a missing tool must not pass silently.
func MustTool(tb testing.TB, name string) string {
	tb.Helper()
	return testenv.NeedCommand(tb, name, "install poppler-utils")
}

func mustRun(tb testing.TB, name string, args ...string) []byte {
	tb.Helper()
	out, err := exec.Command(MustTool(tb, name), args...).Output()
	if err != nil {
		tb.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

// mustText is the text pdftotext reads from the PDF at path.
func mustText(tb testing.TB, path string) string {
	tb.Helper()
	return string(mustRun(tb, "pdftotext", "-layout", "-enc", "UTF-8", path, "-"))
}

func mustPages(tb testing.TB, path string) int {
	tb.Helper()
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(mustRun(tb, "pdfinfo", path))
	if m == nil {
		tb.Fatal("pdfinfo printed no page count")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

const rasterDPI = 200

// mustScan rasterises page 1 as a printer would and reads the QR codes
// on it.
func mustScan(tb testing.TB, path string) []scan.Code {
	tb.Helper()
	prefix := filepath.Join(tb.TempDir(), "page1")
	mustRun(tb, "pdftoppm", "-r", strconv.Itoa(rasterDPI), "-png", "-f", "1", "-l", "1", "-singlefile", path, prefix)
	f, err := os.Open(prefix + ".png")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	codes, err := scan.Decode(ctx, f, scan.Options{})
	if err != nil {
		tb.Fatalf("read the QR code back from page 1: %v", err)
	}
	return codes
}

func TestQRReadsBack(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lines     int
		watermark string
	}{
		{"OK", 3, ""},
		{"FourLinesRevoked", 4, "REVOKED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := MustPermit(t, tc.lines)
			opt := testOptions
			opt.Watermark = tc.watermark
			path, at := MustRender(t, p, opt)
			codes := mustScan(t, path)
			if len(codes) != 1 {
				t.Fatalf("read %d codes from page 1, want 1", len(codes))
			}
			if diff := cmp.Diff(p.Code, codes[0].Text); diff != "" {
				t.Fatalf("QR text differs from p.Code (-want +got):\n%s", diff)
			}
			// Measure the symbol in the raster: its outer corners span the
			// modules without the quiet zone.
			c := codes[0].Corners
			px := math.Hypot(float64(c[1].X-c[0].X), float64(c[1].Y-c[0].Y))
			symbolMM := px / rasterDPI * 25.4
			n := float64(at.modules)
			withQuiet := symbolMM * (n + 2*quietModules) / n
			if withQuiet < minQRMM-0.5 {
				t.Errorf("QR code measures %.1f mm with its quiet zone in the raster, want at least %.0f mm", withQuiet, minQRMM)
			}
			if want := at.w * n / (n + 2*quietModules); math.Abs(symbolMM-want) > 1 {
				t.Errorf("QR symbol measures %.1f mm in the raster, layout says %.1f mm", symbolMM, want)
			}
		})
	}
}

func TestQRGeometry(t *testing.T) {
	if minQRMM < 50 {
		t.Fatalf("minQRMM = %v, want at least 50 mm (DOMAIN.md 8.7)", minQRMM)
	}
	for _, n := range []int{1, 4, 10} {
		t.Run(fmt.Sprintf("Lines%d", n), func(t *testing.T) {
			p := MustPermit(t, n)
			_, at, err := render(p, testOptions)
			if err != nil {
				t.Fatal(err)
			}
			if at.w < minQRMM {
				t.Errorf("QR width %.2f mm, want at least %.0f mm", at.w, minQRMM)
			}
			if got := at.w / at.module; math.Abs(got-float64(at.modules+2*quietModules)) > 1e-9 {
				t.Errorf("QR width is %.3f modules, want %d modules and quiet zone", got, at.modules+2*quietModules)
			}
			dots := at.module / dotMM
			if math.Abs(dots-math.Round(dots)) > 1e-9 || dots < minModuleDots {
				t.Errorf("module is %.3f printer dots, want a whole number of at least %d", dots, minModuleDots)
			}
			if at.module < 0.5 {
				t.Errorf("module %.3f mm, want at least 0.5 mm", at.module)
			}
			// The frame sits frameGap outside the quiet zone.
			left, top := at.x-frameGap, at.y-frameGap
			right, bottom := pageW-(at.x+at.w+frameGap), pageH-(at.y+at.w+frameGap)
			for side, d := range map[string]float64{"left": left, "top": top, "right": right, "bottom": bottom} {
				if d < minEdgeMM {
					t.Errorf("QR frame is %.1f mm from the %s edge, want at least %.0f mm", d, side, minEdgeMM)
				}
			}
			t.Logf("%d lines: %d modules of %.3f mm, %.1f mm wide at (%.1f, %.1f)", n, at.modules, at.module, at.w, at.x, at.y)
		})
	}
}

func TestText(t *testing.T) {
	p := MustPermit(t, 4)
	path, _ := MustRender(t, p, testOptions)
	text := mustText(t, path)
	want := []string{
		"26KG000123", "Falco cherrug", "Testudo horsfieldii", "ОсОО Ала-Тоо Трейд", "Al Wathba Falcon Centre LLC",
		"CONVENTION ON INTERNATIONAL TRADE IN ENDANGERED SPECIES", "КОНВЕНЦИЯ О МЕЖДУНАРОДНОЙ ТОРГОВЛЕ",
		"EXPORT PERMIT", "ORIGINAL", "2026-09-01", "KG0004471", "T — Commercial / Коммерческая",
		"Ministry of Natural Resources", "12 / 40", "3.5 kg", "Do not stamp or write over this code",
		"Не ставить печать на код", "Verify: https://cites.gov.kg/verify — permit 26KG000123",
		"Electronically signed", "IATA Live Animals",
	}
	for _, label := range []string{"1.", "2.", "3.", "3a.", "4.", "5.", "5a.", "5b.", "6.", "7/8.", "9.", "10.", "11.", "11a.", "12.", "13.", "14.", "15."} {
		want = append(want, label+" ")
	}
	for _, s := range want {
		if !strings.Contains(text, s) {
			t.Errorf("PDF text lacks %q", s)
		}
	}
	if t.Failed() {
		t.Logf("pdftotext:\n%s", text)
	}
}

func TestWatermark(t *testing.T) {
	for _, tc := range []struct {
		watermark string
		want      []string
	}{
		{"CANCELLED", []string{"CANCELLED", "АННУЛИРОВАНО", "ORIGINAL"}},
		{"REVOKED", []string{"REVOKED", "ОТОЗВАНО"}},
		{"COPY", []string{"COPY / КОПИЯ", "КОПИЯ"}},
	} {
		t.Run(tc.watermark, func(t *testing.T) {
			opt := testOptions
			opt.Watermark = tc.watermark
			path, _ := MustRender(t, MustPermit(t, 2), opt)
			text := mustText(t, path)
			for _, s := range tc.want {
				if !strings.Contains(text, s) {
					t.Errorf("PDF text lacks %q", s)
				}
			}
		})
	}
	t.Run("None", func(t *testing.T) {
		path, _ := MustRender(t, MustPermit(t, 2), testOptions)
		if text := mustText(t, path); strings.Contains(text, "CANCELLED") || strings.Contains(text, "REVOKED") {
			t.Error("PDF without watermark shows one")
		}
	})
}

func TestPages(t *testing.T) {
	for _, tc := range []struct{ lines, pages int }{{1, 1}, {4, 1}, {5, 2}, {10, 2}} {
		t.Run(fmt.Sprintf("Lines%d", tc.lines), func(t *testing.T) {
			path, at := MustRender(t, MustPermit(t, tc.lines), testOptions)
			if at.pages != tc.pages {
				t.Errorf("layout planned %d pages, want %d", at.pages, tc.pages)
			}
			if got := mustPages(t, path); got != tc.pages {
				t.Errorf("pdfinfo: %d pages, want %d", got, tc.pages)
			}
		})
	}
	t.Run("AnnexText", func(t *testing.T) {
		path, _ := MustRender(t, MustPermit(t, 5), testOptions)
		text := mustText(t, path)
		for _, s := range []string{"ANNEX to permit/certificate No. 26KG000123", "Capra falconeri", "Page 2 of 2"} {
			if !strings.Contains(text, s) {
				t.Errorf("PDF text lacks %q", s)
			}
		}
	})
}

func TestEndorsement(t *testing.T) {
	p := MustPermit(t, 2)
	p.Status = permits.StatusEndorsed
	p.Endorsements = []permits.Endorsement{{Direction: "export", Port: "Manas Airport (FRU)", Officer: "A. Sadykov",
		At: time.Date(2026, 3, 20, 6, 0, 0, 0, time.UTC), Lines: []permits.EndorsedLine{{Line: "A", Quantity: 2}, {Line: "B", Quantity: 1}}}}
	path, _ := MustRender(t, p, testOptions)
	text := mustText(t, path)
	for _, s := range []string{"Manas Airport (FRU)", "2026-03-20", "A. Sadykov", "2 specimens"} {
		if !strings.Contains(text, s) {
			t.Errorf("PDF text lacks %q", s)
		}
	}
}

func TestDeterministic(t *testing.T) {
	p := MustPermit(t, 3)
	a, err := PermitPDF(p, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	b, err := PermitPDF(p, testOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renderings of the same permit differ")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Errorf("output starts %q, want a PDF header", a[:8])
	}
}

func TestErrors(t *testing.T) {
	noCode := MustPermit(t, 1)
	noCode.Code = ""
	for _, tc := range []struct {
		name string
		p    *permits.Permit
		opt  Options
	}{
		{"ErrNoPermit", nil, testOptions},
		{"ErrNoCode", noCode, testOptions},
		{"ErrWatermark", MustPermit(t, 1), Options{Watermark: "VOID"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := PermitPDF(tc.p, tc.opt); err == nil {
				t.Error("PermitPDF succeeded, want an error")
			}
		})
	}
}

func BenchmarkPermitPDF(b *testing.B) {
	p := MustPermit(b, 4)
	for b.Loop() {
		if _, err := PermitPDF(p, testOptions); err != nil {
			b.Fatal(err)
		}
	}
}
