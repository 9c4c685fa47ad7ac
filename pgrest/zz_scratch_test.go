package pgrest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestZZScratchBodyTiming(t *testing.T) {
	for _, n := range []int{40000, 400000} {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":0`, i)
		}
		b.WriteString("}")
		start := time.Now()
		_, err := ParseBody(MediaType{Kind: MediaJSON}, []byte(b.String()), nil)
		t.Logf("json n=%d len=%d err=%v took %v", n, b.Len(), err, time.Since(start))
		var c strings.Builder
		h := make([]string, n/10)
		for i := range h {
			h[i] = fmt.Sprintf("c%d", i)
		}
		c.WriteString(strings.Join(h, ",") + "\n")
		row := strings.Repeat(",", len(h)-1) + "\n"
		for i := 0; i < 200; i++ {
			c.WriteString(row)
		}
		start = time.Now()
		_, err = ParseBody(MediaType{Kind: MediaCSV}, []byte(c.String()), nil)
		t.Logf("csv cols=%d rows=200 len=%d err=%v took %v", len(h), c.Len(), err, time.Since(start))
	}
	body := "[" + strings.Repeat("{},", 3000000) + "{}]"
	start := time.Now()
	_, err := ParseBody(MediaType{Kind: MediaJSON}, []byte(body), nil)
	t.Logf("empty rows len=%d err=%v took %v", len(body), err, time.Since(start))
	start = time.Now()
	_, err = ParseBody(MediaType{Kind: MediaJSON}, []byte(body), strings.Split(strings.Repeat("a,", 5000)+"b", ","))
	t.Logf("empty rows with 5000 columns err=%v took %v", err, time.Since(start))
	csv := "a\n" + strings.Repeat("1\n", 4000000)
	start = time.Now()
	_, err = ParseBody(MediaType{Kind: MediaCSV}, []byte(csv), nil)
	t.Logf("csv 4M rows err=%v took %v", err, time.Since(start))
}
