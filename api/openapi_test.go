package api_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/opencites/opencites/api"
	"github.com/opencites/opencites/models/modelstest"
	"gopkg.in/yaml.v3"
)

// TestOpenAPIMatchesRoutes keeps api/openapi.yaml in step with routes.go:
// every route is documented and every documented operation exists.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t, modelstest.NewSQLite(t))
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		echoPath := path
		for strings.Contains(echoPath, "{") {
			i, j := strings.Index(echoPath, "{"), strings.Index(echoPath, "}")
			echoPath = echoPath[:i] + ":" + echoPath[i+1:j] + echoPath[j+1:]
		}
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+echoPath] = true
		}
	}
	var missing, extra []string
	routed := map[string]bool{}
	for _, r := range e.srv.Routes() {
		routed[r] = true
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routed[d] {
			extra = append(extra, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("routes not in openapi.yaml: %v\ndocumented but not routed: %v", missing, extra)
	}
	// It is served.
	body := e.do("", http.MethodGet, "/api/v1/openapi.yaml", nil, 200, nil)
	if !strings.HasPrefix(string(body), "openapi: 3") {
		t.Errorf("served document starts %.20q", body)
	}
}
