package cases

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Reason is why an alert was raised: a message code of the locale
// catalogues (locale/*.yaml) with its parameters, rendered when read in
// the reader's language, and the English text, stored as well (it is all
// that alerts raised before codes were stored have).
//
// By convention the API renders some parameters in the reader's language
// too: an empty Port is "an unnamed checkpoint", a Direction is the word
// for export or import, and an empty Unit is "specimens".
type Reason struct {
	Code string
	Args map[string]string
	Text string // English
}

// Say makes a reason from a code, its parameters and the English text.
func Say(code string, args map[string]string, english string, a ...any) Reason {
	if len(a) > 0 {
		english = fmt.Sprintf(english, a...)
	}
	return Reason{Code: code, Args: args, Text: english}
}

// argsJSON stores a reason's parameters.
func (r Reason) argsJSON() string {
	if len(r.Args) == 0 {
		return ""
	}
	b, _ := json.Marshal(r.Args)
	return string(b)
}

func parseArgs(s string) map[string]string {
	if s == "" {
		return nil
	}
	var m map[string]string
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// num writes a number as a parameter: no exponent, no trailing zeros.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
