package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// envPattern is the CLI's pattern for env(NAME) values.
var envPattern = regexp.MustCompile(`^env\((.*)\)$`)

// EnvPrefix prefixes the environment variables that override config keys.
const EnvPrefix = "SUPABASE_"

var durationType = reflect.TypeFor[time.Duration]()

// EnvName returns the environment variable that overrides a dotted key:
// "auth.third_party.clerk.domain" → "SUPABASE_AUTH_THIRD_PARTY_CLERK_DOMAIN".
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// applyOverrides applies SUPABASE_-prefixed variables to every modelled
// scalar and string-list key. Maps (rowgate.issuers) are not reachable this
// way because their keys are user-chosen names. Empty values are ignored, as
// viper ignores them.
func applyOverrides(c *Config, getenv func(string) (string, bool)) error {
	return walkKeys(reflect.ValueOf(c).Elem(), "", func(key string, v reflect.Value) error {
		name := EnvName(key)
		s, ok := getenv(name)
		if !ok || s == "" {
			return nil
		}
		return setFromString(v, name, s)
	})
}

// walkKeys calls fn for each settable leaf field with a toml tag, passing its
// dotted key. Maps and fields tagged "-" are skipped.
func walkKeys(v reflect.Value, prefix string, fn func(key string, v reflect.Value) error) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		fv := v.Field(i)
		switch {
		case f.Type.Kind() == reflect.Struct:
			if err := walkKeys(fv, key, fn); err != nil {
				return err
			}
		case f.Type.Kind() == reflect.Map:
			// Dynamic names; see applyOverrides.
		default:
			if err := fn(key, fv); err != nil {
				return err
			}
		}
	}
	return nil
}

// setFromString parses s into v the way viper's weak decoding does for the
// kinds config uses. name is the variable, for the error message.
func setFromString(v reflect.Value, name, s string) error {
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %q is not a duration: %w", name, s, err)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %q is not a boolean: %w", name, s, err)
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("invalid value for %s: %q is not an integer: %w", name, s, err)
		}
		v.SetInt(int64(n))
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		// mapstructure's StringToSliceHookFunc(","), as the CLI configures it.
		parts := strings.Split(s, ",")
		v.Set(reflect.ValueOf(parts))
	default:
		return fmt.Errorf("invalid value for %s: unsupported config type %s", name, v.Type())
	}
	return nil
}

// applyEnvHook replaces every string value of the form env(NAME) by the
// environment variable NAME when it is set and non-empty; otherwise the
// value is left as is (the CLI's LoadEnvHook).
func applyEnvHook(c *Config, getenv func(string) (string, bool)) {
	hookValue(reflect.ValueOf(c).Elem(), getenv)
}

func hookValue(v reflect.Value, getenv func(string) (string, bool)) {
	switch v.Kind() {
	case reflect.String:
		if s, ok := loadEnv(v.String(), getenv); ok {
			v.SetString(s)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.String {
			for i := range v.Len() {
				hookValue(v.Index(i), getenv)
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if tag := t.Field(i).Tag.Get("toml"); tag == "-" || !t.Field(i).IsExported() {
				continue
			}
			hookValue(v.Field(i), getenv)
		}
	case reflect.Map:
		iter := v.MapRange()
		type kv struct{ k, v reflect.Value }
		var updates []kv
		for iter.Next() {
			cp := reflect.New(iter.Value().Type()).Elem()
			cp.Set(iter.Value())
			hookValue(cp, getenv)
			updates = append(updates, kv{iter.Key(), cp})
		}
		for _, u := range updates {
			v.SetMapIndex(u.k, u.v)
		}
	}
}

// loadEnv resolves one env(NAME) value.
func loadEnv(s string, getenv func(string) (string, bool)) (string, bool) {
	m := envPattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	if val, ok := getenv(m[1]); ok && val != "" {
		return val, true
	}
	return "", false
}

// unsetEnv reports the variable name when s still has the env(NAME) form.
func unsetEnv(s string) (string, bool) {
	if m := envPattern.FindStringSubmatch(s); m != nil {
		return m[1], true
	}
	return "", false
}
