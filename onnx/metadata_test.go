package onnx

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gorn-ml/gorn/preprocess"
)

func TestPreprocessingFromMetadata(t *testing.T) {
	o, err := preprocessingFrom(nil)
	if err != nil || fmt.Sprintf("%+v", *o) != fmt.Sprintf("%+v", preprocess.Options{}) {
		t.Errorf("no metadata: %+v, %v; want zero options", o, err)
	}
	o, err = preprocessingFrom(map[string]string{
		MetaResize: " 36", MetaCrop: "32", MetaMean: "0.5, 0.25,0", MetaStd: "1,2,0.5", MetaFilter: "Bicubic", "other": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Resize != 36 || o.CropHeight != 32 || o.CropWidth != 32 || o.Filter != preprocess.Bicubic ||
		!slices.Equal(o.Mean, []float32{0.5, 0.25, 0}) || !slices.Equal(o.Std, []float32{1, 2, 0.5}) {
		t.Errorf("got %+v", o)
	}
	o, err = preprocessingFrom(map[string]string{MetaResize: "-1", MetaCrop: "240,320"})
	if err != nil || o.Resize != -1 || o.CropHeight != 240 || o.CropWidth != 320 {
		t.Errorf("resize -1, crop 240,320: %+v, %v", o, err)
	}
	for _, c := range []struct{ key, val string }{
		{MetaResize, "0"}, {MetaResize, "-2"}, {MetaResize, "big"}, {MetaResize, "99999"},
		{MetaCrop, ""}, {MetaCrop, "0"}, {MetaCrop, "1,2,3"}, {MetaCrop, "224,"}, {MetaCrop, "20000"},
		{MetaMean, "1,2"}, {MetaMean, "1,2,x"}, {MetaMean, "1,2,NaN"}, {MetaMean, "1,2,1e39"},
		{MetaStd, "1,0,1"}, {MetaStd, "1,-1,1"}, {MetaStd, "1,1,1,1"},
		{MetaFilter, "lanczos"},
	} {
		_, err := preprocessingFrom(map[string]string{c.key: c.val})
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%s = %q: %v; want an error naming the key", c.key, c.val, err)
		}
	}
}

// Metadata read from a model file reaches Model.Metadata and
// Model.Preprocessing, and the descriptive fields their own.
func TestPreprocessingFromFile(t *testing.T) {
	meta := func(k, v string) msg { return msg(nil).bytes(14, msg(nil).str(1, k).str(2, v)) }
	data := append(modelMsg(13, sampleGraph().str(10, "graph notes")), meta(MetaCrop, "48")...)
	data = append(data, meta(MetaStd, "0.5,0.5,0.5")...)
	data = append(data, msg(nil).str(4, "org.example").str(6, "A test model.").str(3, "1.2")...)
	m, err := Parse(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Domain != "org.example" || m.DocString != "A test model." || m.Graph.DocString != "graph notes" ||
		m.ProducerName != "gorn-test" || m.ProducerVersion != "1.2" || len(m.Metadata) != 2 {
		t.Errorf("model fields: domain %q doc %q graph doc %q producer %q %q metadata %v",
			m.Domain, m.DocString, m.Graph.DocString, m.ProducerName, m.ProducerVersion, m.Metadata)
	}
	o, err := m.Preprocessing()
	if err != nil || o.CropWidth != 48 || o.Resize != 0 || !slices.Equal(o.Std, []float32{0.5, 0.5, 0.5}) || o.Mean != nil {
		t.Errorf("got %+v, %v", o, err)
	}
}

// FuzzPreprocessing: any metadata values give options within range or an
// error, never a panic.
func FuzzPreprocessing(f *testing.F) {
	f.Add("256", "224", "0.485,0.456,0.406", "0.229,0.224,0.225", "bilinear")
	f.Add("-1", "32,48", "0,0,0", "1,1,1", "BICUBIC")
	f.Add("", ",", ",,", "1e-45,1,1", "")
	f.Fuzz(func(t *testing.T, resize, crop, mean, std, filter string) {
		meta := map[string]string{}
		for k, v := range map[string]string{MetaResize: resize, MetaCrop: crop, MetaMean: mean, MetaStd: std, MetaFilter: filter} {
			if v != "" { // an empty string stands for an absent key
				meta[k] = v
			}
		}
		o, err := preprocessingFrom(meta)
		if err != nil {
			return
		}
		if o.Resize < -1 || o.Resize > maxPixels || o.CropWidth < 0 || o.CropHeight < 0 ||
			o.CropWidth > maxPixels || o.CropHeight > maxPixels || (o.CropWidth == 0) != (o.CropHeight == 0) ||
			o.Mean != nil && len(o.Mean) != 3 || o.Std != nil && len(o.Std) != 3 {
			t.Fatalf("accepted out-of-range options %+v", o)
		}
		for _, m := range o.Mean {
			if math.IsNaN(float64(m)) || math.IsInf(float64(m), 0) {
				t.Fatalf("accepted mean %v", o.Mean)
			}
		}
		for _, s := range o.Std {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				t.Fatalf("accepted std %v", o.Std)
			}
		}
	})
}

func TestLabels(t *testing.T) {
	for _, c := range []struct {
		meta map[string]string
		want []string
	}{
		{nil, nil},
		{map[string]string{MetaLabels: "0,1, 2"}, []string{"0", "1", "2"}},
		{map[string]string{MetaLabels: "tench\r\ngoldfish, Carassius auratus\n"}, []string{"tench", "goldfish, Carassius auratus"}},
		{map[string]string{MetaLabels: ""}, []string{""}},
	} {
		m := &Model{Metadata: c.meta}
		if got := m.Labels(); !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("%q: labels %q, want %q", c.meta, got, c.want)
		}
	}
}
