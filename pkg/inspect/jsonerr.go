package inspect

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"
)

// JSONProblem says in the user's terms what is wrong with a JSON text: which field holds what
// kind of value instead of what (never Go type names); other errors (not JSON at all) pass as they
// are, with isType false.
func JSONProblem(err error) (problem error, isType bool) {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		where := "the value"
		if field := jsonPath(typ.Field); field != "" {
			where = fmt.Sprintf("%q", field)
		}
		return fmt.Errorf("%s is a JSON %s, want %s", where, typ.Value, jsonKind(typ.Type)), true
	}
	return err, false
}

// jsonPath drops from encoding/json's field path the names of embedded Go structs (capitalised,
// which JSON keys of CNI configs and annotations are not).
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	keep := parts[:0]
	for _, p := range parts {
		if p != "" && !unicode.IsUpper(rune(p[0])) {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, ".")
}

// jsonKind names what JSON value a Go type takes.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another kind of value"
}
