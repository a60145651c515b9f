// Package scan draws QR codes and reads them from phone photos. It owns
// rendering a payload as PNG or SVG (EncodePNG, EncodeSVG, Version), finding
// and reading codes in uploaded images (Decode, DecodeImage), telling an
// officer why a photo could not be read (Error and its codes), and
// decoding the server's other uploaded images, to check them and make
// thumbnails (Check, Thumbnail), all within one bounded memory (Pool). It
// knows nothing of permits: callers decide which texts they accept.
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
//     mean-threshold one of this package over two window sizes (built a
//     32-bit word at a time); light-on-dark codes are looked for, inverted,
//     only when nothing else was read;
//   - finder patterns: gozxing's single and multiple searches, plus this
//     package's search (tolerates perspective: no diagonal check, unequal
//     sizes across and down) and grouping of all candidates into plausible
//     triangles (pages of many codes, spurious candidates; legs from 1:3 to
//     3:1 at 37 to 143 degrees, for perspective), each tried with the
//     top-left pattern at the right angle and as gozxing orders it;
//   - module grids: gozxing's transform, then, when that fails, a fit of
//     each finder pattern's outer square (without the rays that left its
//     ring through a scratch, each side refitted without those that ran
//     past a merged edge), the version information, and the
//     alignment patterns tracked from neighbour to neighbour, sampled
//     piecewise between them or through one least-squares homography, from
//     the binary image or from the luminance against a module-scale mean;
//   - soft decisions: a grid read from the luminance gives each module a
//     confidence (its distance from that mean), and a block that errors
//     alone cannot correct is corrected with its least certain codewords
//     as erasures (rs.go: errors and erasures, two check codewords kept
//     unused so that a wrong block is detected, not miscorrected); failing
//     that, the samples are sharpened at module scale against blur;
//   - refinement: a grid of versions 1-6 (one alignment pattern at most)
//     that no read decodes, gozxing's or this package's, is moved onto the
//     photo (refine.go): a mesh of control points every six modules, each moved
//     by under half a module to where the modules around it sample
//     farthest from grey, then read from the luminance again. It follows
//     crumpled and bent paper where the fitted grid drifts between its
//     anchors; at most eight a search.
//
// The passes that never read a code first over the whole benchmark set
// were pruned (29 of 40 binarisations, 6 of 10 pair searches; decode.go,
// pruned).
//
// Options.Budget bounds a search for an officer who waits (POST
// /api/v1/verify/photo) and ends it as a failed read with its diagnosis:
// the photos that take longest are mostly those with nothing readable.
// While a core is idle, a helper goroutine searches the finer and coarser
// levels at the same time as the base level is searched (decode.go,
// split): a photo not read at the base level is answered sooner, and more
// is searched within a budget. A server busy with as many searches as it
// has cores starts no helpers.
//
// Each of these was kept because it raised the score that `citesd
// scan-bench` measures on real photos (docs/benchmarks.md). Results are
// deduplicated by text and place: the same text at another place is
// another printed copy.
//
// # Memory
//
// Every decode goes through a Pool (Options.Pool, else DefaultPool, one
// per process): it reads the image's header, refuses at once a size past
// the limits (MaxPixels, 50 million unless set, and MaxSide pixels a
// side), works out what decoding will allocate, and waits, until its
// context ends (then ErrBusy), for that many bytes of the pool's memory
// and one of its workers (GOMAXPROCS by default). The file's bytes (at most
// 64 MiB; the server takes 20 MB) are the caller's and not counted.
//
// What one decode costs:
//
//   - the image: a PNG is decoded row by row (pngRows), holding about 20
//     bytes a pixel of width, straight into what the caller wants; to read
//     codes, a grey or YCbCr JPEG is decoded to its Y plane alone
//     (jpegluma.go, jpegprog.go), 1 byte a pixel, 3 when progressive (the
//     luminance's coefficients); to check or thumbnail a baseline grey or
//     YCbCr JPEG, its blocks are read without a transform and its DC
//     coefficients make the image at an eighth of its size (jpegdc.go), 3
//     bytes a block; other formats, RGB and CMYK JPEGs, and progressive
//     ones to check or thumbnail (or a thumbnail more than an eighth of
//     the photo) are decoded whole by the standard decoders, which cannot
//     subsample: a JPEG 1 (grey), 1.5 (4:2:0, phones), 2 (4:2:2) or 3
//     (4:4:4) bytes a pixel, 4 more for RGB or CMYK and 4 more a
//     component pixel when progressive (its coefficients, read from the
//     frame header); GIF 1; WebP 1.5 to 8;
//   - reading codes (Decode): the luminance plane, 1 byte a pixel (a
//     JPEG's Y plane is the decode or used in place, not copied; a PNG's
//     is the decode), a turned copy for a JPEG whose EXIF orientation is
//     not upright, the levels of the passes (at most 4800 pixels on the
//     long side) and the working set of the largest one, 9 bytes a pixel
//     of it (measured), and that of the base level, which a helper may
//     search beside it;
//   - checking and thumbnails (Check, Thumbnail): the image as above, the
//     thumbnail (4 bytes a pixel) and, from DC coefficients, the scaler's
//     rows (32 bytes a pixel of the thumbnail's side by the eighth-size
//     image's).
//
// So a 49-megapixel PNG costs about 190 MB to read codes in and under 1 MB
// to check or make a thumbnail of; a 49-megapixel 4:2:0 JPEG about 195 MB
// and 3 MB; a 12-megapixel phone JPEG about 135 MB and 4 MB. A decode
// that would need more than its pool (a progressive 4:4:4 JPEG of 49
// megapixels needs 735 MB) is refused with image_too_large.
//
// The server's bound is then the pool's memory (DefaultMemory, 256 MiB,
// unless the program replaces DefaultPool): decodes in flight never hold
// more. Garbage comes on top, which the Go collector reclaims on its own
// schedule (GOGC; GOMEMLIMIT set a little over the pool plus the server's
// own use bounds it hard): the passes leave about as much garbage as they
// hold, and a decode of a sixteenth of the pool or more runs a collection
// before giving its memory back, so the next decode reuses those pages
// instead of growing the heap.
//
// Measured with 16 concurrent uploads of a 7000x7000 photo through the
// API (api/memory_test.go, the server alone in a child process), the peak
// resident size of the whole server was 56-70 MB for PNG case
// photos and 117-138 MB for PNG photos to verify (3,043 and 1,146 MB
// before the pool), and 119 MB and 186-190 MB for JPEGs (1,201 and 491
// MB before the pool; 217-253 MB for case photos before their DC
// thumbnails, 197-215 MB to verify before the Y plane was decoded alone);
// GOGC 200, as citesd serve runs, changes little.
package scan
