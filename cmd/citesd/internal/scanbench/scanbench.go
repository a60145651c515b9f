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

	"github.com/opencites/opencites/scan"
)

// point is a position in an image, in pixels.
type point struct{ x, y float64 }

// Report is the outcome of Run over a folder of labelled photos.
type Report struct {
	Categories []CategoryScore
	// Mean is the mean of the category scores, each category weighing the
	// same whatever its number of codes.
	Mean float64
	// MedianMS and P95MS are the time per image, reading the file included.
	MedianMS, P95MS float64
	Images          int
	// ZBar tells whether zbarimg ran; its figures are in ZBarRead and
	// ZBarMean. zbarimg gives no positions, so an image counts its decoded
	// symbols up to the number of labelled codes.
	ZBar     bool
	ZBarMean float64
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
}

// Run decodes every labelled image in dir's category folders (the
// BoofCV QR detection data set layout: CATEGORY/imageNNN.jpg next to
// imageNNN.txt holding one line of four corner points per code), scores
// them and prints a table to w. A read code counts when the centre of its
// corners lies inside a labelled quadrilateral; each labelled code counts
// once. When zbarimg is on the PATH it is run on each image too and its
// figures are printed alongside.
func Run(ctx context.Context, dir string, w io.Writer) (Report, error) {
	var rep Report
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rep, err
	}
	zbar, _ := exec.LookPath("zbarimg")
	rep.ZBar = zbar != ""
	var times []float64
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
			codes, _ := decodeFile(ctx, img)
			times = append(times, float64(time.Since(start).Microseconds())/1000)
			cat.Read += matchCodes(codes, truth)
			if zbar != "" {
				cat.ZBarRead += min(zbarCount(ctx, zbar, img), len(truth))
			}
		}
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
	sort.Float64s(times)
	rep.MedianMS = percentile(times, 0.5)
	rep.P95MS = percentile(times, 0.95)
	rep.print(w)
	return rep, nil
}

func (r Report) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "category\timages\tcodes\tread\tscore\t"
	if r.ZBar {
		head += "zbar read\tzbar score\t"
	}
	fmt.Fprintln(tw, head)
	for _, c := range r.Categories {
		line := fmt.Sprintf("%s\t%d\t%d\t%d\t%.3f\t", c.Name, c.Images, c.Codes, c.Read, c.Score)
		if r.ZBar {
			line += fmt.Sprintf("%d\t%.3f\t", c.ZBarRead, c.ZBarScore)
		}
		fmt.Fprintln(tw, line)
	}
	line := fmt.Sprintf("mean\t%d\t\t\t%.3f\t", r.Images, r.Mean)
	if r.ZBar {
		line += fmt.Sprintf("\t%.3f\t", r.ZBarMean)
	}
	fmt.Fprintln(tw, line)
	tw.Flush()
	fmt.Fprintf(w, "time per image: median %.0f ms, p95 %.0f ms\n", r.MedianMS, r.P95MS)
	if r.ZBar {
		fmt.Fprintln(w, "zbarimg gives no positions: an image counts its symbols up to its labelled codes")
	}
}

func decodeFile(ctx context.Context, path string) ([]scan.Code, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return scan.Decode(ctx, f, scan.Options{})
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
