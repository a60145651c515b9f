package species

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Limits on a listing file. The full Species+ export of 2017 is about 85 MB (estimated
// from the excerpt's rows: 26,009 orchid rows of about 2.9 KB, as each repeats the long
// Orchidaceae annotation); MaxFileSize leaves room for growth and still refuses a file
// that is not a listing. The longest cell of the excerpt is 3.6 KB.
const (
	MaxFileSize = 128 << 20 // bytes in a listing file
	MaxCellSize = 64 << 10  // bytes in one cell
	maxColumns  = 64        // cells in one row, far above the 33 of the export
)

var errFileTooLarge = fmt.Errorf("file is larger than %d MiB: %w", MaxFileSize>>20, ErrTooLarge)

// sizeGuard reads at most max bytes from r and fails, rather than stopping quietly as
// an io.LimitReader would, when r holds more.
type sizeGuard struct {
	r   io.Reader
	n   int64
	max int64
}

func (g *sizeGuard) Read(p []byte) (int, error) {
	if g.n > g.max {
		return 0, errFileTooLarge
	}
	if rest := g.max + 1 - g.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	k, err := g.r.Read(p)
	g.n += int64(k)
	if g.n > g.max {
		return 0, errFileTooLarge
	}
	return k, err
}

// csvReader reads RFC 4180 records (comma-separated, quoted cells with doubled quotes,
// CRLF or LF line ends, newlines inside quoted cells) one at a time, keeping at most one
// record in memory and refusing a cell over MaxCellSize as soon as it gets there. It
// counts physical lines, so an error can name the line of the file a person sees.
type csvReader struct {
	br      *bufio.Reader
	line    int      // physical line of the next byte, 1-based
	header  []string // column names, for errors, once read
	buf     []byte   // the cells of the current record, back to back
	ends    []int    // end of each cell in buf
	lines   []int    // physical line each cell starts on
	fields  [][]byte // the current record, slices of buf
	lastEnd int      // physical line the current record ends on
}

func newCSVReader(r io.Reader) *csvReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &csvReader{br: br, line: 1}
}

// errorAt makes the *FormatError for column col (0-based; -1 for none) on line.
func (c *csvReader) errorAt(line, col int, err error) *FormatError {
	fe := &FormatError{Line: line, Err: err}
	if col >= 0 {
		fe.Column = col + 1
		if col < len(c.header) {
			fe.Name = c.header[col]
		}
	}
	return fe
}

// readErr turns an error of the underlying reader into a *FormatError.
func (c *csvReader) readErr(col int, err error) error {
	if errors.Is(err, errFileTooLarge) {
		return c.errorAt(c.line, col, err)
	}
	return c.errorAt(c.line, col, fmt.Errorf("read: %w", err))
}

// read reads the next record. It returns io.EOF at the end of the file; the record is
// valid until the next call. Blank lines are skipped.
func (c *csvReader) read() ([][]byte, error) {
	for {
		rec, err := c.readRecord()
		if err != nil {
			return nil, err
		}
		if len(rec) == 1 && len(rec[0]) == 0 {
			continue // a blank line
		}
		return rec, nil
	}
}

func (c *csvReader) readRecord() ([][]byte, error) {
	c.buf, c.ends, c.lines = c.buf[:0], c.ends[:0], c.lines[:0]
	first := true
	for col := 0; ; col++ {
		if col >= maxColumns {
			return nil, c.errorAt(c.line, col, fmt.Errorf("row has more than %d cells", maxColumns))
		}
		start, startLine := len(c.buf), c.line
		b, err := c.br.ReadByte()
		if err == io.EOF && first {
			return nil, io.EOF
		}
		first = false
		var end byte // what ended the cell: ',', '\n' or 0 for the end of the file
		switch {
		case err == io.EOF:
		case err != nil:
			return nil, c.readErr(col, err)
		case b == '"':
			if end, err = c.quoted(col, start, startLine); err != nil {
				return nil, err
			}
		default:
			if end, err = c.unquoted(col, start, b); err != nil {
				return nil, err
			}
		}
		if !utf8.Valid(c.buf[start:]) {
			cell := c.buf[start:]
			bad := invalidUTF8(cell)
			return nil, c.errorAt(startLine+bytes.Count(cell[:bad], []byte{'\n'}), col,
				fmt.Errorf("invalid UTF-8 at byte %d of the cell", bad+1))
		}
		c.ends = append(c.ends, len(c.buf))
		c.lines = append(c.lines, startLine)
		if end != ',' {
			c.lastEnd = c.line
			if end == '\n' {
				c.lastEnd--
			}
			break
		}
	}
	c.fields = c.fields[:0]
	prev := 0
	for _, e := range c.ends {
		c.fields = append(c.fields, c.buf[prev:e:e])
		prev = e
	}
	return c.fields, nil
}

// quoted reads the rest of a quoted cell whose opening quote has been read.
func (c *csvReader) quoted(col, start, startLine int) (byte, error) {
	for {
		b, err := c.br.ReadByte()
		if err == io.EOF {
			return 0, c.errorAt(startLine, col, errors.New("quoted cell is not closed before the end of the file"))
		}
		if err != nil {
			return 0, c.readErr(col, err)
		}
		switch b {
		case '"':
			next, err := c.br.ReadByte()
			switch {
			case err == io.EOF:
				return 0, nil
			case err != nil:
				return 0, c.readErr(col, err)
			case next == '"':
				c.buf = append(c.buf, '"')
			case next == ',':
				return ',', nil
			case next == '\n':
				c.line++
				return '\n', nil
			case next == '\r':
				if n2, err := c.br.ReadByte(); err == nil && n2 == '\n' {
					c.line++
					return '\n', nil
				} else if err == nil {
					_ = c.br.UnreadByte()
				}
				return 0, c.errorAt(c.line, col, errors.New(`carriage return after a closing quote is not followed by a line feed`))
			default:
				return 0, c.errorAt(c.line, col, fmt.Errorf("unexpected %q after the closing quote of a cell", next))
			}
		case '\r':
			// CRLF inside a quoted cell is read as LF, as encoding/csv does.
			if next, err := c.br.ReadByte(); err == nil && next == '\n' {
				c.line++
				c.buf = append(c.buf, '\n')
				break
			} else if err == nil {
				_ = c.br.UnreadByte()
			}
			c.buf = append(c.buf, '\r')
		case '\n':
			c.line++
			c.buf = append(c.buf, '\n')
		default:
			c.buf = append(c.buf, b)
		}
		if len(c.buf)-start > MaxCellSize {
			return 0, c.errorAt(c.line, col, fmt.Errorf("cell is longer than %d KiB: %w", MaxCellSize>>10, ErrTooLarge))
		}
	}
}

// unquoted reads the rest of an unquoted cell whose first byte b has been read. A quote
// inside an unquoted cell is kept as it is.
func (c *csvReader) unquoted(col, start int, b byte) (byte, error) {
	for {
		switch b {
		case ',':
			return ',', nil
		case '\n':
			c.line++
			return '\n', nil
		case '\r':
			next, err := c.br.ReadByte()
			if err == nil && next == '\n' {
				c.line++
				return '\n', nil
			}
			if err == nil {
				_ = c.br.UnreadByte()
			}
			c.buf = append(c.buf, '\r')
		default:
			c.buf = append(c.buf, b)
		}
		if len(c.buf)-start > MaxCellSize {
			return 0, c.errorAt(c.line, col, fmt.Errorf("cell is longer than %d KiB: %w", MaxCellSize>>10, ErrTooLarge))
		}
		var err error
		if b, err = c.br.ReadByte(); err == io.EOF {
			return 0, nil
		} else if err != nil {
			return 0, c.readErr(col, err)
		}
	}
}

// cellLine returns the physical line cell col of the current record starts on.
func (c *csvReader) cellLine(col int) int {
	if col < len(c.lines) {
		return c.lines[col]
	}
	return c.lastEnd
}

// invalidUTF8 returns the offset of the first byte of b that is not valid UTF-8.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}
