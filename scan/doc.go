// Package scan draws QR codes and reads them from phone photos. It owns
// rendering a payload as PNG or SVG (EncodePNG, EncodeSVG, Version), and
// finding and reading codes in uploaded images (Decode, DecodeImage),
// including telling an officer why a photo could not be read (Error). It
// knows nothing of permits: callers decide which texts they accept.
//
// Decoding uses gozxing's QR detector and decoder as its core and runs a
// series of passes around it, cheapest first: a downscaled copy of large
// photos (most phone photos read best at 1000-1600 pixels on the long side),
// several binarisers (gozxing's hybrid and global-histogram ones and a
// mean-threshold one of this package), inverted images, gozxing's single and
// multiple finder-pattern searches, then finer and coarser scales.
//
// Memory per decode: the file bytes (at most 64 MiB), the decoded image (at
// most MaxPixels times 4 bytes for 8-bit RGBA, 8 for 16-bit PNGs, 1.5-3 for
// JPEG), then one 8-bit luminance copy (MaxPixels bytes) and, with an EXIF
// rotation, a second one while it is turned; the decoded image is released
// once converted. The passes add at most about 1.5 times the working level's
// pixels each for a pyramid level, its integral image (4 bytes a pixel) and
// a bit matrix (1/8 byte a pixel); the working levels are downscaled to at
// most 1600 pixels on the long side except the fine level (half the first
// downscale factor), so for a 12 MP photo the passes add about 30 MB. With
// the default MaxPixels of 50 million the worst case is about 500 MB for a
// 16-bit PNG, and about 200 MB for a 50 MP JPEG.
package scan
