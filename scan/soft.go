package scan

import (
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
)

// This file reads a sampled module grid with soft decisions: each module
// comes with a confidence (how far its sample lay from the threshold), a
// codeword is as doubtful as its least certain module, and each block is
// corrected with its most doubtful codewords as erasures (rs.go) when
// errors alone are too many.

// softGrid is a sampled symbol: dark modules set in bits, and each
// module's confidence, row-major.
type softGrid struct {
	dim  int
	bits *gozxing.BitMatrix
	conf []float32
}

// transposed returns the grid mirrored about its main diagonal.
func (sg *softGrid) transposed() *softGrid {
	d := sg.dim
	bits, _ := gozxing.NewSquareBitMatrix(d)
	conf := make([]float32, d*d)
	for y := range d {
		for x := range d {
			if sg.bits.Get(y, x) {
				bits.Set(x, y)
			}
			conf[y*d+x] = sg.conf[x*d+y]
		}
	}
	return &softGrid{dim: d, bits: bits, conf: conf}
}

// softSlack is the number of check codewords per block left unused by
// erasure decoding, so that a block read wrongly is detected rather than
// miscorrected.
const softSlack = 2

// decodeSoft decodes sg, straight then mirrored; it reports whether the
// symbol was mirrored.
func decodeSoft(sg *softGrid) (*common.DecoderResult, bool, error) {
	res, err := sg.decode()
	if err == nil {
		return res, false, nil
	}
	if res, err2 := sg.transposed().decode(); err2 == nil {
		return res, true, nil
	}
	return nil, false, err
}

func (sg *softGrid) decode() (*common.DecoderResult, error) {
	d := sg.dim
	parser, err := decoder.NewBitMatrixParser(sg.bits)
	if err != nil {
		return nil, err
	}
	fi, err := parser.ReadFormatInformation()
	if err != nil {
		return nil, err
	}
	ver, err := parser.ReadVersion()
	if err != nil {
		// The version blocks are unreadable: the size says it.
		if ver, err = decoder.Version_GetProvisionalVersionForDimension(d); err != nil {
			return nil, err
		}
	}
	if ver.GetDimensionForVersion() != d {
		return nil, gozxing.NewFormatException("version %d for %d modules", ver.GetVersionNumber(), d)
	}
	mask := fi.GetDataMask()
	fn := functionPattern(ver)
	total := ver.GetTotalCodewords()
	raw := make([]byte, 0, total)
	rawConf := make([]float32, 0, total)
	var cur byte
	var curConf float32 = 1e9
	nb := 0
	up := true
	for j := d - 1; j > 0; j -= 2 {
		if j == 6 {
			j--
		}
		for count := range d {
			i := count
			if up {
				i = d - 1 - count
			}
			for col := range 2 {
				x := j - col
				if fn[i*d+x] {
					continue
				}
				cur <<= 1
				if sg.bits.Get(x, i) != masked(mask, i, x) {
					cur |= 1
				}
				curConf = min(curConf, sg.conf[i*d+x])
				nb++
				if nb == 8 {
					raw = append(raw, cur)
					rawConf = append(rawConf, curConf)
					cur, curConf, nb = 0, 1e9, 0
				}
			}
		}
		up = !up
	}
	if len(raw) != total {
		return nil, gozxing.NewFormatException("%d codewords, want %d", len(raw), total)
	}
	level := fi.GetErrorCorrectionLevel()
	blocks := blockIndices(ver, level)
	ec := ver.GetECBlocksForLevel(level).GetECCodewordsPerBlock()
	var data []byte
	for _, idx := range blocks {
		cw := make([]byte, len(idx))
		conf := make([]float32, len(idx))
		for k, i := range idx {
			cw[k], conf[k] = raw[i], rawConf[i]
		}
		if !correctSoft(cw, conf, ec) {
			return nil, gozxing.NewChecksumException()
		}
		data = append(data, cw[:len(cw)-ec]...)
	}
	return decoder.DecodedBitStreamParser_Decode(data, ver, level, tryHarder)
}

// correctSoft corrects one block: errors only, then with more and more of
// its least certain codewords as erasures.
func correctSoft(cw []byte, conf []float32, ec int) bool {
	if rsCorrect(cw, ec, nil, 0) {
		return true
	}
	order := make([]int, len(cw))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case conf[a] < conf[b]:
			return -1
		case conf[a] > conf[b]:
			return 1
		}
		return 0
	})
	for e := 2; e+softSlack <= ec && conf[order[e-1]] < conf[order[len(order)-1]]; e += 2 {
		if rsCorrect(cw, ec, order[:e], softSlack) {
			return true
		}
	}
	return false
}

// masked reports whether data mask m flips the module at row i, column j
// (ISO/IEC 18004 table 10).
func masked(m byte, i, j int) bool {
	switch m {
	case 0:
		return (i+j)%2 == 0
	case 1:
		return i%2 == 0
	case 2:
		return j%3 == 0
	case 3:
		return (i+j)%3 == 0
	case 4:
		return (i/2+j/3)%2 == 0
	case 5:
		return i*j%2+i*j%3 == 0
	case 6:
		return (i*j%2+i*j%3)%2 == 0
	default:
		return ((i+j)%2+i*j%3)%2 == 0
	}
}

// blockIndices returns, for each block of the symbol, the indices in the
// raw codeword sequence of its codewords, data first (the interleaving of
// gozxing's DataBlock_GetDataBlocks).
func blockIndices(ver *decoder.Version, level decoder.ErrorCorrectionLevel) [][]int {
	ecb := ver.GetECBlocksForLevel(level)
	ec := ecb.GetECCodewordsPerBlock()
	var blocks [][]int
	for _, b := range ecb.GetECBlocks() {
		for range b.GetCount() {
			blocks = append(blocks, make([]int, b.GetDataCodewords()+ec))
		}
	}
	n := len(blocks)
	shortTotal := len(blocks[0])
	longFrom := n
	for j, b := range blocks {
		if len(b) != shortTotal {
			longFrom = j
			break
		}
	}
	shortData := shortTotal - ec
	off := 0
	for i := range shortData {
		for j := range n {
			blocks[j][i] = off
			off++
		}
	}
	for j := longFrom; j < n; j++ {
		blocks[j][shortData] = off
		off++
	}
	for i := shortData; i < shortTotal; i++ {
		for j := range n {
			k := i
			if j >= longFrom {
				k = i + 1
			}
			blocks[j][k] = off
			off++
		}
	}
	return blocks
}

// functionPattern marks the modules of ver that hold no data: finder
// patterns with their separators and format information, timing
// patterns, alignment patterns and version information.
func functionPattern(ver *decoder.Version) []bool {
	d := ver.GetDimensionForVersion()
	fn := make([]bool, d*d)
	region := func(x0, y0, w, h int) {
		for y := y0; y < y0+h; y++ {
			for x := x0; x < x0+w; x++ {
				fn[y*d+x] = true
			}
		}
	}
	region(0, 0, 9, 9)
	region(d-8, 0, 8, 9)
	region(0, d-8, 9, 8)
	centers := ver.GetAlignmentPatternCenters()
	n := len(centers)
	for a := range n {
		for b := range n {
			if (a == 0 && (b == 0 || b == n-1)) || (a == n-1 && b == 0) {
				continue
			}
			region(centers[b]-2, centers[a]-2, 5, 5)
		}
	}
	region(6, 9, 1, d-17)
	region(9, 6, d-17, 1)
	if ver.GetVersionNumber() > 6 {
		region(d-11, 0, 3, 6)
		region(0, d-11, 6, 3)
	}
	return fn
}
