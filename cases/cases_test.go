package cases

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func TestThumbnail(t *testing.T) {
	for _, c := range []struct {
		format       string
		w, h, tw, th int
	}{{"png", 1000, 500, 256, 128}, {"jpeg", 300, 900, 85, 256}, {"png", 100, 50, 100, 50}, {"png", 4000, 1, 256, 1}} {
		img := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
		img.Set(0, 0, color.White)
		var in bytes.Buffer
		if c.format == "png" {
			png.Encode(&in, img)
		} else {
			jpeg.Encode(&in, img, nil)
		}
		b, info, err := thumbnail(context.Background(), in.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if info.Width != c.w || info.Height != c.h || info.Format != c.format {
			t.Errorf("%dx%d: info %+v", c.w, c.h, info)
		}
		got, format, err := image.Decode(bytes.NewReader(b))
		if err != nil || format != "jpeg" || got.Bounds().Dx() != c.tw || got.Bounds().Dy() != c.th {
			t.Errorf("%dx%d: %v %s %v", c.w, c.h, err, format, got.Bounds())
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2)))
	if ct, ok := sniffPhoto(buf.Bytes()); !ok || ct != "image/png" {
		t.Errorf("sniff png: %q %v", ct, ok)
	}
	if _, ok := sniffPhoto([]byte("GIF89a")); ok {
		t.Error("gif accepted")
	}
}

func TestRulesDefaults(t *testing.T) {
	c := RulesConfig{CheckpointWindow: 1, SpikeFactor: 10}.withDefaults()
	if c.CheckpointWindow != 1 || c.SpikeFactor != 10 || c.ForgedCriticalScans != DefaultRules.ForgedCriticalScans ||
		c.CaptiveLimits["Testudo horsfieldii"] != 5000 || len(c.CaptiveSources) != 1 {
		t.Errorf("withDefaults: %+v", c)
	}
}
