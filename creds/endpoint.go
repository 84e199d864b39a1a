package creds

import (
	"fmt"
	"net/url"

	"github.com/switcher-cli/switcher/profiles"
)

// DefaultSTSRegion is the region STS calls use when none is set anywhere.
const DefaultSTSRegion = "us-east-1"

// resolved says where an STS call goes and which setting chose it.
type resolved struct {
	Endpoint     string // "" means the SDK's default for STSRegion
	EndpointFrom string // --endpoint-url, AWS_ENDPOINT_URL_STS, ..., or a config position
	Region       string // the session's region; "" when none was set
	RegionFrom   string
	STSRegion    string // Region, or DefaultSTSRegion
}

// resolveEndpoint applies the precedence of DESIGN.md: --endpoint-url,
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile chain's endpoint_url
// (or its services section), else the SDK default for the region. Region:
// --region, the chain, AWS_REGION, AWS_DEFAULT_REGION; STS calls fall back to
// us-east-1.
func (e *Engine) resolveEndpoint(chain *profiles.Chain) (resolved, error) {
	var r resolved
	getenv := e.getenv()
	switch {
	case e.EndpointURL != "":
		r.Endpoint, r.EndpointFrom = e.EndpointURL, "--endpoint-url"
	case getenv("AWS_ENDPOINT_URL_STS") != "":
		r.Endpoint, r.EndpointFrom = getenv("AWS_ENDPOINT_URL_STS"), "AWS_ENDPOINT_URL_STS"
	case getenv("AWS_ENDPOINT_URL") != "":
		r.Endpoint, r.EndpointFrom = getenv("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL"
	case chain != nil && chain.EndpointURL.Value != "":
		r.Endpoint, r.EndpointFrom = chain.EndpointURL.Value, "endpoint_url at "+chain.EndpointURL.Pos.String()
	}
	if r.Endpoint != "" {
		u, err := url.Parse(r.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return r, fmt.Errorf("sts endpoint %q from %s is not an http(s) URL", r.Endpoint, r.EndpointFrom)
		}
	}
	switch {
	case e.Region != "":
		r.Region, r.RegionFrom = e.Region, "--region"
	case chain != nil && chain.Region.Value != "":
		r.Region, r.RegionFrom = chain.Region.Value, "region at "+chain.Region.Pos.String()
	case getenv("AWS_REGION") != "":
		r.Region, r.RegionFrom = getenv("AWS_REGION"), "AWS_REGION"
	case getenv("AWS_DEFAULT_REGION") != "":
		r.Region, r.RegionFrom = getenv("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"
	}
	r.STSRegion = r.Region
	if r.STSRegion == "" {
		r.STSRegion = DefaultSTSRegion
	}
	return r, nil
}
