// Package scan draws QR codes and reads them from phone photos. It owns
// rendering a payload as PNG or SVG (EncodePNG, EncodeSVG, Version), finding
// and reading codes in uploaded images (Decode, DecodeImage), and telling an
// officer why a photo could not be read (Error and its codes). It knows
// nothing of permits: callers decide which texts they accept.
//
// # Encoding
//
// Symbols are laid out by github.com/skip2/go-qrcode at level Q (its
// "High"), which mixes numeric, alphanumeric and byte segments; this
// package draws the module grid as a 1-bit PNG (written directly, with
// zlib at BestSpeed) or an SVG path. go-qrcode's layout dominates the cost;
// writing the PNG is a small part of it (docs/benchmarks.md).
//
// # Decoding
//
// gozxing's detector and decoder are the core; around them, on one 8-bit
// luminance copy of the photo (turned upright by the JPEG EXIF orientation),
// run passes cheapest first:
//
//   - scales: large photos downscaled to at most 1600 pixels on the long
//     side (area averaging), then a finer level (half that factor), a
//     coarser one, and small photos upscaled twice; narrow histograms are
//     stretched (dark photos);
//   - binarisers: gozxing's hybrid and global-histogram ones and a
//     mean-threshold one of this package over two window sizes, each also
//     inverted for light-on-dark codes;
//   - finder patterns: gozxing's single and multiple searches, plus this
//     package's search (tolerates perspective: no diagonal check, unequal
//     sizes across and down) and grouping of all candidates into plausible
//     triangles (pages of many codes, spurious candidates);
//   - module grids: gozxing's transform, then, when that fails, a fit of
//     each finder pattern's outer square, the version information, and the
//     alignment patterns tracked from neighbour to neighbour, sampled
//     piecewise between them or through one least-squares homography, from
//     the binary image or from the luminance against a module-scale mean.
//
// Each of these was kept because it raised the score that `citesd
// scan-bench` measures on real photos (docs/benchmarks.md). Results are
// deduplicated by text and place: the same text at another place is
// another printed copy.
//
// # Memory
//
// Per decode: the file bytes (at most 64 MiB), the decoded image (MaxPixels
// times its bytes per pixel: 1.5 to 3 for a JPEG, 4 for 8-bit and 8 for
// 16-bit PNGs), one luminance copy (MaxPixels bytes) and, for a rotated
// JPEG, a second one while it is turned. The decoded image is garbage once
// converted. The passes work on levels of at most 4800 pixels on the long
// side (the fine level) and add, for the level in use, a stretched copy
// (1 byte a pixel), an integral image (4 bytes) and bit matrices (under 1
// byte): at most about 6 bytes a pixel of a 23-megapixel level, 140 MB,
// and about 60 MB for a 12 MP phone photo. With the default MaxPixels of
// 50 million the worst case is about 550 MB for a 16-bit PNG and 350 MB
// for a JPEG; lower MaxPixels where many decodes run at once.
package scan
