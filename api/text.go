package api

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// Text that no field may hold: a NUL character (PostgreSQL refuses it in
// text, and one refused row once stopped the verification log) and invalid
// UTF-8. Both are refused at the door, with the field named, before
// anything reaches a domain package, on both databases alike.

// badText reports whether s holds a NUL character or invalid UTF-8.
func badText(s string) bool {
	return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)
}

func errBadText(where string) error {
	return apiError(http.StatusBadRequest, "invalid_text", where+" contains a NUL character or invalid UTF-8")
}

// checkText refuses a request whose path or query parameters hold bad
// text, so that no handler or query ever sees them.
func checkText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if badText(r.URL.Path) {
			return errBadText("the path")
		}
		for name, vs := range r.URL.Query() {
			if badText(name) {
				return errBadText("a query parameter's name")
			}
			for _, v := range vs {
				if badText(v) {
					return errBadText("query parameter " + strconv.Quote(name))
				}
			}
		}
		return next(c)
	}
}

// textField returns the JSON path of the first string in v (a decoded
// request body) that holds bad text, or "" when all are clean.
func textField(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return textField(v.Elem(), path)
	case reflect.String:
		if badText(v.String()) {
			return path
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := strings.Split(f.Tag.Get("json"), ",")[0]
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			sub := name
			if f.Anonymous && f.Tag.Get("json") == "" {
				sub = path // embedded: its fields are the parent's
			} else if path != "" {
				sub = path + "." + name
			}
			if p := textField(v.Field(i), sub); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "" // bytes, not text
		}
		for i := range v.Len() {
			if p := textField(v.Index(i), path+"["+strconv.Itoa(i)+"]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if k.Kind() == reflect.String && badText(k.String()) {
				return path
			}
			if p := textField(it.Value(), path+"."+k.String()); p != "" {
				return p
			}
		}
	}
	return ""
}
