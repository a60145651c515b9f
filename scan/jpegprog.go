package scan

import (
	"encoding/binary"
	"errors"
)

// Progressive JPEGs (what image editors and some messengers write) send
// the image as a series of scans, each a band of coefficients or one more
// bit of them, most of them of one component. The luminance decoder keeps
// the luminance's coefficients only, reads past the chroma's DC in the
// scans that interleave it, skips every other chroma scan without reading
// it, and transforms the luminance blocks once the last scan is in:
// 2 bytes of coefficients a pixel and the plane, where image/jpeg holds
// 4 bytes a pixel of every component and every plane.

var errBadScan = errors.New("jpeg: bad progressive scan")

// maxScans bounds the scans of a progressive file. Encoders write about
// ten; each scan passes over every block, so a hostile file of thousands
// of tiny scans would otherwise cost minutes.
const maxScans = 100

// progressive is the state of one progressive decode.
type progressive struct {
	f      *lumaFrame
	data   []byte
	coef   []int16 // the luminance blocks' coefficients, natural order
	bw, bh int     // luminance blocks a row and a column, padded to MCUs
	eobrun int
}

// decodeProgressive decodes a progressive frame's luminance into a plane
// of planeSize.
func decodeProgressive(data []byte, f *lumaFrame) (*gray, error) {
	pw, ph := f.planeSize()
	d := &progressive{f: f, data: data, bw: pw / 8, bh: ph / 8}
	d.coef = make([]int16, d.bw*d.bh*64)
	p, scans := f.scan, 0
	for {
		if p+2 > len(data) || data[p] != 0xFF {
			return nil, errors.New("jpeg: missing marker")
		}
		m := data[p+1]
		if m == 0xFF {
			p++
			continue
		}
		if m == 0xD9 { // end of image
			break
		}
		if p+4 > len(data) {
			return nil, errors.New("jpeg: short segment")
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return nil, errors.New("jpeg: short segment")
		}
		seg := data[p+4 : p+2+n]
		p += 2 + n
		var err error
		switch m {
		case 0xC4:
			err = f.readHuffman(seg)
		case 0xDB:
			err = f.readQuant(seg)
		case 0xDD:
			if len(seg) != 2 {
				return nil, errors.New("jpeg: bad restart interval")
			}
			f.restart = int(binary.BigEndian.Uint16(seg))
		case 0xDA:
			if scans++; scans > maxScans {
				return nil, errors.New("jpeg: too many scans")
			}
			p, err = d.scan(seg, p)
		}
		if err != nil {
			return nil, err
		}
		if p >= len(data) {
			// Cut short: the scans that never came would have refined
			// the image, and those skipped unread may hide the cut.
			return nil, errors.New("jpeg: missing end of image")
		}
	}
	plane := make([]byte, pw*ph)
	q := &f.quant[f.comps[0].tq]
	var blk [64]int32
	for by := range d.bh {
		for bx := range d.bw {
			c := d.coef[(by*d.bw+bx)*64:][:64]
			last := 0
			for k := range 64 {
				z := zigzag[k]
				blk[z] = int32(c[z]) * q[k]
				if c[z] != 0 {
					last = k
				}
			}
			idct8x8(&blk, last, plane[8*by*pw+8*bx:], pw)
		}
	}
	for y := 1; y < f.h; y++ {
		copy(plane[y*f.w:(y+1)*f.w], plane[y*pw:y*pw+f.w])
	}
	return &gray{w: f.w, h: f.h, pix: plane[: f.w*f.h : f.w*f.h]}, nil
}

// scan decodes one scan whose header is seg and whose entropy-coded data
// starts at p, and returns the offset of the marker after it.
func (d *progressive) scan(seg []byte, p int) (int, error) {
	f := d.f
	if len(seg) < 1 {
		return 0, errBadScan
	}
	ns := int(seg[0])
	if ns < 1 || ns > len(f.comps) || len(seg) != 4+2*ns {
		return 0, errBadScan
	}
	comps := make([]*lumaComp, ns)
	luma := false
	for i := range ns {
		id := int(seg[1+2*i])
		for j := range f.comps {
			if f.comps[j].id == id {
				comps[i] = &f.comps[j]
				luma = luma || j == 0
			}
		}
		if comps[i] == nil {
			return 0, errBadScan
		}
		comps[i].td, comps[i].ta = int(seg[2+2*i]>>4), int(seg[2+2*i]&15)
		if comps[i].td > 3 || comps[i].ta > 3 {
			return 0, errBadScan
		}
	}
	ss, se := int(seg[1+2*ns]), int(seg[2+2*ns])
	ah, al := int(seg[3+2*ns]>>4), int(seg[3+2*ns]&15)
	if ss > se || se > 63 || (ss == 0) != (se == 0) || (ss > 0 && ns != 1) || al > 13 {
		return 0, errBadScan
	}
	if !luma {
		return nextMarker(d.data, p), nil // a chroma scan: not needed
	}
	for _, c := range comps {
		if ss == 0 && ah == 0 && !f.dc[c.td].ok || ss > 0 && !f.ac[c.ta].ok {
			return 0, errors.New("jpeg: scan refers to a missing table")
		}
	}
	r := &bitReader{data: d.data, pos: p, interval: f.restart}
	d.eobrun = 0
	var pred [3]int32
	var mcux, mcuy int
	switch {
	case len(f.comps) == 1:
		mcux, mcuy = d.bw, d.bh
	case ns == 1:
		// One component: its own blocks, not padded to MCUs.
		c := comps[0]
		mcux = ((f.w*c.h+f.hmax-1)/f.hmax + 7) / 8
		mcuy = ((f.h*c.v+f.vmax-1)/f.vmax + 7) / 8
	default:
		mcux, mcuy = d.bw/f.hmax, d.bh/f.vmax
	}
	for my := range mcuy {
		for mx := range mcux {
			if restarted, err := r.startMCU(); err != nil {
				return 0, err
			} else if restarted {
				pred = [3]int32{}
				d.eobrun = 0
			}
			if ns == 1 {
				// In a scan of one component each MCU is one block.
				var c []int16
				if comps[0] == &f.comps[0] {
					c = d.coef[(my*d.bw+mx)*64:][:64]
				}
				if err := d.block(r, comps[0], c, &pred[0], ss, se, ah, al); err != nil {
					return 0, err
				}
				continue
			}
			for i, comp := range comps {
				for v := range comp.v {
					for h := range comp.h {
						var c []int16
						if comp == &f.comps[0] {
							c = d.coef[((my*comp.v+v)*d.bw+mx*comp.h+h)*64:][:64]
						}
						if err := d.block(r, comp, c, &pred[i], ss, se, ah, al); err != nil {
							return 0, err
						}
					}
				}
			}
		}
		if r.short() {
			return 0, errors.New("jpeg: short Huffman data")
		}
	}
	return nextMarker(d.data, r.pos), nil
}

// block decodes one block's part of a scan into c (nil: read past it).
func (d *progressive) block(r *bitReader, comp *lumaComp, c []int16, pred *int32, ss, se, ah, al int) error {
	r.fill()
	if ss == 0 {
		if ah == 0 { // the DC's first bits
			s, err := r.symbol(&d.f.dc[comp.td])
			if err != nil {
				return err
			}
			if s > 11 {
				return errors.New("jpeg: bad DC coefficient")
			}
			if s > 0 {
				*pred += r.value(s)
			}
			if c != nil {
				c[0] = int16(*pred << al)
			}
			return nil
		}
		// One more bit of the DC.
		if r.value1() && c != nil {
			c[0] |= 1 << al
		}
		return nil
	}
	if c == nil {
		return errBadScan // an AC scan is of one component, read or skipped whole
	}
	ac := &d.f.ac[comp.ta]
	if ah == 0 {
		return d.acFirst(r, ac, c, ss, se, al)
	}
	return d.acRefine(r, ac, c, ss, se, al)
}

// acFirst decodes the first bits of a band of AC coefficients (G.1.2.2).
func (d *progressive) acFirst(r *bitReader, ac *huffTable, c []int16, ss, se, al int) error {
	if d.eobrun > 0 {
		d.eobrun--
		return nil
	}
	for k := ss; k <= se; k++ {
		if r.n < 32 {
			r.fill()
		}
		rs, err := r.symbol(ac)
		if err != nil {
			return err
		}
		run, size := int(rs>>4), rs&15
		if size == 0 {
			if run == 15 {
				k += 15
				continue
			}
			d.eobrun = 1<<run - 1
			if run > 0 {
				d.eobrun += int(r.bits(run))
			}
			return nil
		}
		k += run
		if k > 63 {
			return errors.New("jpeg: too many coefficients")
		}
		c[zigzag[k]] = int16(r.value(size) << al)
	}
	return nil
}

// acRefine decodes one more bit of a band of AC coefficients (G.1.2.3):
// a correction bit for each coefficient already non-zero, and new ones of
// magnitude 1 << al.
func (d *progressive) acRefine(r *bitReader, ac *huffTable, c []int16, ss, se, al int) error {
	p1, m1 := int16(1)<<al, int16(-1)<<al
	correct := func(z uint8) {
		if r.n < 1 {
			r.fill()
		}
		if r.value1() && c[z]&p1 == 0 {
			if c[z] >= 0 {
				c[z] += p1
			} else {
				c[z] += m1
			}
		}
	}
	k := ss
	if d.eobrun == 0 {
		for ; k <= se; k++ {
			if r.n < 32 {
				r.fill()
			}
			rs, err := r.symbol(ac)
			if err != nil {
				return err
			}
			run, size := int(rs>>4), rs&15
			var v int16
			if size != 0 {
				if size != 1 {
					return errors.New("jpeg: bad refinement coefficient")
				}
				if r.value1() {
					v = p1
				} else {
					v = m1
				}
			} else if run != 15 {
				d.eobrun = 1 << run
				if run > 0 {
					r.fill()
					d.eobrun += int(r.bits(run))
				}
				break
			}
			// Past the coefficients already non-zero (correcting each)
			// and run zero ones, to where v goes.
			for ; k <= se; k++ {
				z := zigzag[k]
				if c[z] != 0 {
					correct(z)
				} else {
					if run == 0 {
						break
					}
					run--
				}
			}
			if v != 0 && k <= se {
				c[zigzag[k]] = v
			}
		}
	}
	if d.eobrun > 0 {
		for ; k <= se; k++ {
			if z := zigzag[k]; c[z] != 0 {
				correct(z)
			}
		}
		d.eobrun--
	}
	return nil
}

// value1 reads one bit.
func (r *bitReader) value1() bool {
	if r.n < 1 {
		r.fill()
	}
	b := r.acc>>63 != 0
	r.acc <<= 1
	r.n--
	return b
}

// bits reads n (1 to 16) bits as an unsigned number.
func (r *bitReader) bits(n int) uint32 {
	if r.n < uint(n) {
		r.fill()
	}
	v := uint32(r.acc >> (64 - n))
	r.acc <<= uint(n)
	r.n -= uint(n)
	return v
}

// nextMarker returns the offset of the first marker at or after p that
// ends an entropy-coded segment: not a stuffed byte, not a restart marker.
func nextMarker(b []byte, p int) int {
	for ; p+1 < len(b); p++ {
		if b[p] == 0xFF {
			if m := b[p+1]; m != 0 && m != 0xFF && (m < 0xD0 || m > 0xD7) {
				return p
			}
		}
	}
	return len(b)
}
