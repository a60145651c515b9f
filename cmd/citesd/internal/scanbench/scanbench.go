package scanbench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/scan"
)

// point is a position in an image, in pixels.
type point struct{ x, y float64 }

// Config chooses what Run measures besides reading every code.
type Config struct {
	// Quick skips the verifier's pass and zbarimg: scores and the time of
	// reading every code only.
	Quick bool
	// Verbose prints one line per image: codes read of labelled, time.
	Verbose bool
}

// Report is the outcome of Run over a folder of labelled photos.
type Report struct {
	Categories []CategoryScore
	// Mean is the mean of the category scores, each category weighing the
	// same whatever its number of codes.
	Mean float64
	// All is the time per image reading every code (POST /api/v1/scan),
	// reading the file included; Verify stopping at the first code read
	// (POST /api/v1/verify/photo stops at the first permit code, and these
	// photos hold only the one kind of code); ZBarTime zbarimg's, its
	// process start included.
	All, Verify, ZBarTime Times
	Images                int
	// VerifyMissed counts the images in which reading every code read a
	// labelled one but the verifier's pass, within VerifyBudget, read
	// nothing.
	VerifyMissed int
	// ZBar tells whether zbarimg ran; its figures are in ZBarRead and
	// ZBarMean. zbarimg gives no positions, so an image counts its decoded
	// symbols up to the number of labelled codes.
	ZBar     bool
	ZBarMean float64
}

// Times summarises times per image, in milliseconds.
type Times struct {
	Median, P95, Max float64
	ms               []float64
}

func (t *Times) add(d time.Duration) { t.ms = append(t.ms, float64(d.Microseconds())/1000) }

func (t *Times) sum() {
	sort.Float64s(t.ms)
	t.Median = percentile(t.ms, 0.5)
	t.P95 = percentile(t.ms, 0.95)
	if len(t.ms) > 0 {
		t.Max = t.ms[len(t.ms)-1]
	}
}

func (t Times) String() string {
	if len(t.ms) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f/%.0f/%.0f", t.Median, t.P95, t.Max)
}

// CategoryScore is one folder's result: Score is Read / Codes.
type CategoryScore struct {
	Name      string
	Images    int
	Codes     int
	Read      int
	Score     float64
	ZBarRead  int
	ZBarScore float64
	// Times per image in this folder, as Report's.
	All, Verify, ZBarTime Times
}

// VerifyBudget is the scan.Options.Budget of the verifier's pass: the
// one POST /api/v1/verify/photo passes, since an officer waits for it.
const VerifyBudget = api.PhotoBudget

// Run decodes every labelled image in dir's category folders (the
// BoofCV QR detection data set layout: CATEGORY/imageNNN.jpg next to
// imageNNN.txt holding one line of four corner points per code), scores
// them and prints a table to w. A read code counts when the centre of its
// corners lies inside a labelled quadrilateral; each labelled code counts
// once. When zbarimg is on the PATH it is run on each image too and its
// figures are printed alongside.
func Run(ctx context.Context, dir string, w io.Writer, cfg Config) (Report, error) {
	var rep Report
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rep, err
	}
	zbar, _ := exec.LookPath("zbarimg")
	if cfg.Quick {
		zbar = ""
	}
	rep.ZBar = zbar != ""
	for _, e := range entries {
		if st, err := os.Stat(filepath.Join(dir, e.Name())); err != nil || !st.IsDir() {
			continue
		}
		cat := CategoryScore{Name: e.Name()}
		files, err := filepath.Glob(filepath.Join(dir, e.Name(), "*.txt"))
		if err != nil {
			return rep, err
		}
		sort.Strings(files)
		for _, truthFile := range files {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			truth, err := readTruth(truthFile)
			if err != nil {
				return rep, err
			}
			img := imageFor(truthFile)
			if img == "" {
				continue
			}
			cat.Images++
			cat.Codes += len(truth)
			start := time.Now()
			codes, _ := decodeFile(ctx, img, scan.Options{})
			d := time.Since(start)
			cat.All.add(d)
			rep.All.add(d)
			read := matchCodes(codes, truth)
			cat.Read += read
			if cfg.Verbose {
				fmt.Fprintf(w, "%s %d/%d %.0f ms\n", img, read, len(truth), float64(d.Microseconds())/1000)
			}
			if !cfg.Quick {
				start = time.Now()
				first, _ := decodeFile(ctx, img, scan.Options{Accept: func(string) bool { return true }, Budget: VerifyBudget})
				d = time.Since(start)
				if read > 0 && len(first) == 0 {
					rep.VerifyMissed++
					if cfg.Verbose {
						fmt.Fprintf(w, "%s: verify read nothing in %.0f ms\n", img, float64(d.Microseconds())/1000)
					}
				}
				cat.Verify.add(d)
				rep.Verify.add(d)
			}
			if zbar != "" {
				start = time.Now()
				cat.ZBarRead += min(zbarCount(ctx, zbar, img), len(truth))
				d = time.Since(start)
				cat.ZBarTime.add(d)
				rep.ZBarTime.add(d)
			}
		}
		cat.All.sum()
		cat.Verify.sum()
		cat.ZBarTime.sum()
		if cat.Images == 0 {
			continue
		}
		cat.Score = float64(cat.Read) / float64(max(cat.Codes, 1))
		cat.ZBarScore = float64(cat.ZBarRead) / float64(max(cat.Codes, 1))
		rep.Categories = append(rep.Categories, cat)
		rep.Images += cat.Images
	}
	for _, c := range rep.Categories {
		rep.Mean += c.Score / float64(len(rep.Categories))
		rep.ZBarMean += c.ZBarScore / float64(len(rep.Categories))
	}
	rep.All.sum()
	rep.Verify.sum()
	rep.ZBarTime.sum()
	rep.print(w)
	return rep, nil
}

func (r Report) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "category\timages\tcodes\tread\tscore\tall ms\tverify ms\t"
	if r.ZBar {
		head += "zbar read\tzbar score\tzbar ms\t"
	}
	fmt.Fprintln(tw, head)
	for _, c := range r.Categories {
		line := fmt.Sprintf("%s\t%d\t%d\t%d\t%.3f\t%v\t%v\t", c.Name, c.Images, c.Codes, c.Read, c.Score, c.All, c.Verify)
		if r.ZBar {
			line += fmt.Sprintf("%d\t%.3f\t%v\t", c.ZBarRead, c.ZBarScore, c.ZBarTime)
		}
		fmt.Fprintln(tw, line)
	}
	line := fmt.Sprintf("mean\t%d\t\t\t%.3f\t%v\t%v\t", r.Images, r.Mean, r.All, r.Verify)
	if r.ZBar {
		line += fmt.Sprintf("\t%.3f\t%v\t", r.ZBarMean, r.ZBarTime)
	}
	fmt.Fprintln(tw, line)
	tw.Flush()
	fmt.Fprintln(w, "times per image in ms: median/p95/max; all reads every code, verify stops at the first")
	if len(r.Verify.ms) > 0 {
		fmt.Fprintf(w, "verify (budget %v) read nothing in %d images where all read a code\n", VerifyBudget, r.VerifyMissed)
	}
	if r.ZBar {
		fmt.Fprintln(w, "zbarimg gives no positions: an image counts its symbols up to its labelled codes")
	}
}

func decodeFile(ctx context.Context, path string, opt scan.Options) ([]scan.Code, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return scan.Decode(ctx, f, opt)
}

func imageFor(truthFile string) string {
	base := strings.TrimSuffix(truthFile, ".txt")
	for _, ext := range []string{".jpg", ".jpeg", ".png", ".JPG", ".PNG"} {
		if _, err := os.Stat(base + ext); err == nil {
			return base + ext
		}
	}
	return ""
}

// readTruth parses a BoofCV truth file: comment lines start with #, an
// optional SETS line starts one line of four corners per code; without it
// the corners follow one point per line. Either way every eight numbers
// are one code.
func readTruth(path string) ([][4]point, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nums []float64
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || line == "SETS" {
			continue
		}
		for _, f := range strings.Fields(line) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			nums = append(nums, v)
		}
	}
	var quads [][4]point
	for i := 0; i+8 <= len(nums); i += 8 {
		var q [4]point
		for k := range 4 {
			q[k] = point{nums[i+2*k], nums[i+2*k+1]}
		}
		quads = append(quads, q)
	}
	return quads, sc.Err()
}

// matchCodes counts labelled codes that a read code lies in, each once.
func matchCodes(codes []scan.Code, truth [][4]point) int {
	used := make([]bool, len(truth))
	n := 0
	for _, c := range codes {
		var p point
		for _, q := range c.Corners {
			p.x += float64(q.X) / 4
			p.y += float64(q.Y) / 4
		}
		for i, t := range truth {
			if !used[i] && insideAny(p, t) {
				used[i] = true
				n++
				break
			}
		}
	}
	return n
}

// insideAny is inside for a quadrilateral given in either winding, which
// need not be convex (hand-labelled, or a curved code).
func insideAny(p point, q [4]point) bool {
	in := false
	for i := range q {
		j := (i + 3) % 4
		if (q[i].y > p.y) != (q[j].y > p.y) &&
			p.x < (q[j].x-q[i].x)*(p.y-q[i].y)/(q[j].y-q[i].y)+q[i].x {
			in = !in
		}
	}
	return in
}

func zbarCount(ctx context.Context, zbar, img string) int {
	out, _ := exec.CommandContext(ctx, zbar, "-q", "--xml", img).Output()
	return bytes.Count(out, []byte("<symbol "))
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
