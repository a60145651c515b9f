package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// encoded is an image file whose header has been read and checked against
// the size limits: nothing of its pixels is allocated yet.
type encoded struct {
	data   []byte
	format string // as image.RegisterFormat names it: "jpeg", "png", "gif", "webp"
	cfg    image.Config
}

// readHeader reads an image's header and refuses, before any decoding,
// an unknown format or a size past the limits.
func readHeader(data []byte, maxPixels int) (*encoded, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			if kind := otherImageFormat(data); kind != "" {
				return nil, newError(UnsupportedImageFormat, fmt.Errorf("%s image", kind))
			}
			return nil, newError(InvalidImage, errors.New("not an image"))
		}
		return nil, newError(InvalidImage, fmt.Errorf("header: %w", err))
	}
	if err := checkSize(cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, err
	}
	return &encoded{data: data, format: format, cfg: cfg}, nil
}

// lumaFrame returns the headers of a JPEG that decodeJPEGLuma reads, and
// an error for any other image, which image.Decode is left to decode (or
// to refuse with its own error).
func (e *encoded) lumaFrame() (*lumaFrame, error) {
	if e.format != "jpeg" {
		return nil, errLumaUnsupported
	}
	f, err := parseLumaFrame(e.data)
	if err == nil && (f.w != e.cfg.Width || f.h != e.cfg.Height) {
		return nil, errLumaUnsupported
	}
	return f, err
}

func (e *encoded) pixels() int64 { return int64(e.cfg.Width) * int64(e.cfg.Height) }

// grayCost is what gray allocates: for a PNG the luminance plane and the
// row decoder; for a baseline JPEG its Y plane padded to whole MCUs;
// otherwise the decoded image and a luminance copy unless the image has a
// Y or grey plane to use in place; and a turned copy for a JPEG whose EXIF
// orientation is not upright.
func (e *encoded) grayCost() int64 {
	if e.format == "png" {
		return e.pixels() + streamPNGCost(e.cfg.Width)
	}
	var cost int64
	if f, err := e.lumaFrame(); err == nil {
		w, h := f.planeSize()
		cost = int64(w)*int64(h) + 64<<10
		if f.progressive {
			cost += 2 * int64(w) * int64(h) // the coefficients
		}
	} else {
		cost = decodedCost(e.data, e.format, e.cfg)
	}
	if !hasLumaPlane(e.cfg) {
		cost += e.pixels()
	}
	if e.format == "jpeg" && jpegOrientation(e.data) != 1 {
		cost += e.pixels()
	}
	return cost
}

// gray decodes the image to an upright luminance plane, without the
// decoder's full-colour image where it can: a PNG row by row, a baseline
// JPEG's Y plane alone (jpegluma.go), another JPEG's Y plane taken from
// image/jpeg's output as it is.
func (e *encoded) gray() (*gray, orientation, error) {
	or := orientation{o: 1, w: e.cfg.Width, h: e.cfg.Height}
	if e.format == "png" {
		g := newGray(e.cfg.Width, e.cfg.Height)
		err := pngRows(e.data, func(y, x0, dx int, row []byte) {
			out := g.pix[y*g.w:]
			for i := 0; i < len(row); i += 4 {
				out[x0+i/4*dx] = nrgbaLuma(row[i], row[i+1], row[i+2], row[i+3])
			}
		})
		if err != nil {
			return nil, or, newError(InvalidImage, fmt.Errorf("decode png: %w", err))
		}
		return g, or, nil
	}
	if e.format == "jpeg" {
		or.o = jpegOrientation(e.data)
	}
	if f, err := e.lumaFrame(); err == nil {
		g, err := decodeJPEGLuma(e.data, f)
		if err != nil {
			return nil, or, newError(InvalidImage, fmt.Errorf("decode jpeg: %w", err))
		}
		return or.apply(g), or, nil
	}
	img, _, err := image.Decode(bytes.NewReader(e.data))
	if err != nil {
		return nil, or, newError(InvalidImage, fmt.Errorf("decode %s: %w", e.format, err))
	}
	if b := img.Bounds(); b.Dx() != e.cfg.Width || b.Dy() != e.cfg.Height {
		return nil, or, newError(InvalidImage, fmt.Errorf("decoded %v, header said %dx%d", b, e.cfg.Width, e.cfg.Height))
	}
	return or.apply(lumaPlane(img)), or, nil
}

// nrgbaLuma is the luminance of a non-premultiplied pixel over white
// paper, as toGray computes it.
func nrgbaLuma(r, g, b, a uint8) uint8 {
	l := luma(uint32(r), uint32(g), uint32(b))
	return uint8((l*uint32(a) + 255*(255-uint32(a))) / 255)
}

// hasLumaPlane reports whether lumaPlane will use the decoded image's own
// memory.
func hasLumaPlane(cfg image.Config) bool {
	return cfg.ColorModel == color.YCbCrModel || cfg.ColorModel == color.GrayModel
}

// lumaPlane returns img's luminance. A YCbCr image's Y plane and a grey
// image's pixels are the luminance already: they are packed to the
// image's width in place and used as they are, instead of copied.
func lumaPlane(img image.Image) *gray {
	var pix []byte
	var stride int
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		if b.Min != (image.Point{}) || m.Rect.Min != (image.Point{}) {
			return toGray(img)
		}
		pix, stride = m.Y, m.YStride
	case *image.Gray:
		if b.Min != (image.Point{}) {
			return toGray(img)
		}
		pix, stride = m.Pix, m.Stride
	default:
		return toGray(img)
	}
	w, h := b.Dx(), b.Dy()
	for y := 1; y < h; y++ {
		copy(pix[y*w:(y+1)*w], pix[y*stride:y*stride+w])
	}
	return &gray{w: w, h: h, pix: pix[: w*h : w*h]}
}

// Info describes an image that Check or Thumbnail decoded.
type Info struct {
	Format        string // "jpeg", "png", "gif" or "webp"
	Width, Height int    // as stored, before any EXIF rotation
}

// Check decodes a whole JPEG, PNG, GIF (its first frame) or WebP image to
// tell whether it is sound, within the memory of opt's pool (a PNG is
// decoded row by row, a baseline JPEG's blocks read without a transform:
// both cost little), and keeps none of its pixels. A file cut short, a
// header whose size the data does not fill, or a size past the limits is
// refused.
//
// Errors: an *Error with code invalid_image, unsupported_image_format or
// image_too_large, or an error wrapping ErrBusy.
func Check(ctx context.Context, data []byte, opt Options) (Info, error) {
	_, info, err := preview(ctx, data, 0, opt)
	return info, err
}

// Thumbnail is Check that also returns the image scaled down to at most
// side pixels on its longer side (never up), transparency over white. A
// PNG is reduced as its rows arrive (each thumbnail pixel the mean of the
// pixels it covers); a baseline JPEG at least 8 times side is scaled from
// its blocks' means (their DC coefficients); other images are decoded
// whole, within the pool's budget, and sampled.
func Thumbnail(ctx context.Context, data []byte, side int, opt Options) (*image.RGBA, Info, error) {
	if side <= 0 {
		return nil, Info{}, errors.New("scan: thumbnail side must be positive")
	}
	return preview(ctx, data, side, opt)
}

func preview(ctx context.Context, data []byte, side int, opt Options) (*image.RGBA, Info, error) {
	e, err := readHeader(data, opt.MaxPixels)
	if err != nil {
		return nil, Info{}, err
	}
	info := Info{Format: e.format, Width: e.cfg.Width, Height: e.cfg.Height}
	pl := planPreview(e, side)
	release, err := opt.pool().Reserve(ctx, pl.cost)
	if err != nil {
		return nil, info, err
	}
	defer release()
	var thumb *image.RGBA
	switch {
	case e.format == "png":
		thumb, err = pngThumbnail(e, pl.tw, pl.th, side > 0)
	case pl.dc != nil:
		thumb, err = dcThumbnail(e, pl.dc, pl.tw, pl.th, side > 0)
	default:
		thumb, err = decodeThumbnail(e, pl.tw, pl.th, side > 0)
	}
	return thumb, info, err
}

// previewPlan is how preview reads an image: the thumbnail's size, what
// the decode costs, and for a baseline JPEG read without a transform
// (jpegdc.go) its frame.
type previewPlan struct {
	tw, th int
	cost   int64
	dc     *lumaFrame
}

func planPreview(e *encoded, side int) previewPlan {
	tw, th := thumbSize(e.cfg.Width, e.cfg.Height, side)
	pl := previewPlan{tw: tw, th: th, cost: 4 * int64(tw) * int64(th)}
	// A baseline JPEG is checked by reading its blocks without a
	// transform, and thumbnailed from the image at an eighth of its size
	// when that is still at least the thumbnail's.
	if f, err := e.lumaFrame(); err == nil && !f.progressive {
		_, layout := dcLayout(f)
		if side == 0 || (layout && max(e.cfg.Width, e.cfg.Height) >= 8*side) {
			pl.dc = f
		}
	}
	switch {
	case e.format == "png":
		pl.cost += streamPNGCost(e.cfg.Width) + 24*int64(tw)*int64(th) // and the sums
	case pl.dc != nil:
		w, h := pl.dc.dcSize()
		// The planes, and the scaler's rows: 32 bytes a pixel of the
		// thumbnail's width by the source's height.
		pl.cost += pl.dc.dcCost() + 32*int64(max(tw, th))*int64(max(w, h))
	default:
		pl.cost += decodedCost(e.data, e.format, e.cfg)
	}
	return pl
}

// dcThumbnail checks a baseline JPEG and, if want, scales the image its
// DC coefficients make to the thumbnail.
func dcThumbnail(e *encoded, f *lumaFrame, tw, th int, want bool) (*image.RGBA, error) {
	if !want {
		if err := checkBaseline(e.data, f); err != nil {
			return nil, newError(InvalidImage, fmt.Errorf("decode jpeg: %w", err))
		}
		return nil, nil
	}
	img, err := dcImage(e.data, f)
	if err != nil {
		return nil, newError(InvalidImage, fmt.Errorf("decode jpeg: %w", err))
	}
	thumb := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.BiLinear.Scale(thumb, thumb.Bounds(), img, img.Bounds(), draw.Src, nil)
	return thumb, nil
}

// thumbSize is the size of an image of w x h scaled to at most side
// pixels on its longer side; 0 x 0 for side 0.
func thumbSize(w, h, side int) (int, int) {
	switch {
	case side <= 0:
		return 0, 0
	case w >= h && w > side:
		return side, max(1, h*side/w)
	case h > w && h > side:
		return max(1, w*side/h), side
	}
	return w, h
}

// pngThumbnail decodes a PNG row by row, adding each pixel (over white)
// to the thumbnail pixel it falls in.
func pngThumbnail(e *encoded, tw, th int, want bool) (*image.RGBA, error) {
	if !want {
		if err := pngRows(e.data, nil); err != nil {
			return nil, newError(InvalidImage, fmt.Errorf("decode png: %w", err))
		}
		return nil, nil
	}
	w, h := e.cfg.Width, e.cfg.Height
	sums := make([]uint64, 3*tw*th)
	colCount, rowCount := make([]uint64, tw), make([]uint64, th)
	col := make([]int, w)
	for x := range w {
		col[x] = x * tw / w
		colCount[col[x]]++
	}
	for y := range h {
		rowCount[y*th/h]++
	}
	err := pngRows(e.data, func(y, x0, dx int, row []byte) {
		s := sums[3*(y*th/h)*tw:]
		for i := 0; i < len(row); i += 4 {
			a := uint64(row[i+3])
			c := 3 * col[x0+i/4*dx]
			s[c] += (uint64(row[i])*a + 255*(255-a)) / 255
			s[c+1] += (uint64(row[i+1])*a + 255*(255-a)) / 255
			s[c+2] += (uint64(row[i+2])*a + 255*(255-a)) / 255
		}
	})
	if err != nil {
		return nil, newError(InvalidImage, fmt.Errorf("decode png: %w", err))
	}
	thumb := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		for x := range tw {
			n := colCount[x] * rowCount[y]
			s, p := sums[3*(y*tw+x):], thumb.Pix[y*thumb.Stride+4*x:]
			p[0], p[1], p[2], p[3] = uint8((s[0]+n/2)/n), uint8((s[1]+n/2)/n), uint8((s[2]+n/2)/n), 0xff
		}
	}
	return thumb, nil
}

// decodeThumbnail decodes an image whole and samples the thumbnail from it.
func decodeThumbnail(e *encoded, tw, th int, want bool) (*image.RGBA, error) {
	img, _, err := image.Decode(bytes.NewReader(e.data))
	if err != nil {
		return nil, newError(InvalidImage, fmt.Errorf("decode %s: %w", e.format, err))
	}
	b := img.Bounds()
	if b.Dx() != e.cfg.Width || b.Dy() != e.cfg.Height {
		return nil, newError(InvalidImage, fmt.Errorf("decoded %v, header said %dx%d", b, e.cfg.Width, e.cfg.Height))
	}
	if !want {
		return nil, nil
	}
	thumb := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.Draw(thumb, thumb.Bounds(), image.White, image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(thumb, thumb.Bounds(), img, b, draw.Over, nil)
	return thumb, nil
}
