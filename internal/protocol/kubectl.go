package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The ExecCredential API versions client-go v0.32 accepts (v1alpha1 was
// removed in Kubernetes 1.24).
const (
	KubeAPIV1      = "client.authentication.k8s.io/v1"
	KubeAPIV1beta1 = "client.authentication.k8s.io/v1beta1"
)

// kindExecCredential is the only kind client-go sends or accepts.
const kindExecCredential = "ExecCredential"

// ExecInfo is what KUBERNETES_EXEC_INFO tells the plugin.
type ExecInfo struct {
	APIVersion string // KubeAPIV1 or KubeAPIV1beta1
	ServerHost string // normalized host of spec.cluster.server when provideClusterInfo is on, else ""
}

// execInfoJSON is the subset of the ExecCredential client-go puts in
// KUBERNETES_EXEC_INFO that nxcred reads. Other fields,
// such as the cluster's CA data, are ignored like client-go ignores unknown
// fields.
type execInfoJSON struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Spec       struct {
		// Interactive is read only to be type-checked: client-go always
		// sends a bool, so anything else is not client-go talking. nxcred
		// never prompts under kubectl, interactive or not.
		Interactive bool `json:"interactive"`
		Cluster     *struct {
			Server string `json:"server"`
		} `json:"cluster"`
	} `json:"spec"`
}

// ParseExecInfo parses the value of KUBERNETES_EXEC_INFO. An empty value (the
// variable is absent, as with client-go before 1.20 or a hand-run plugin)
// gives APIVersion KubeAPIV1beta1 and no error. Malformed JSON, a kind other
// than ExecCredential, or an apiVersion other than v1/v1beta1 is an error.
//
// When spec.cluster is present (provideClusterInfo: true), its server must
// be an https URL with a host, which becomes ServerHost: a cluster that names
// a server nxcred cannot read must not fall back to "no host named".
func ParseExecInfo(env string) (ExecInfo, error) {
	if env == "" {
		return ExecInfo{APIVersion: KubeAPIV1beta1}, nil
	}
	var in execInfoJSON
	if err := json.Unmarshal([]byte(env), &in); err != nil {
		return ExecInfo{}, fmt.Errorf("parse KUBERNETES_EXEC_INFO: %w", err)
	}
	if in.Kind != kindExecCredential {
		return ExecInfo{}, fmt.Errorf("KUBERNETES_EXEC_INFO has kind %q, want %s", in.Kind, kindExecCredential)
	}
	if err := checkKubeAPIVersion(in.APIVersion); err != nil {
		return ExecInfo{}, fmt.Errorf("KUBERNETES_EXEC_INFO: %w", err)
	}
	info := ExecInfo{APIVersion: in.APIVersion}
	if c := in.Spec.Cluster; c != nil {
		// spec.cluster.server is required whenever spec.cluster is sent
		// (client-go clientauthentication types.go, Cluster.Server).
		if c.Server == "" {
			return ExecInfo{}, errors.New("KUBERNETES_EXEC_INFO: spec.cluster.server is empty")
		}
		host, err := HostFromURL(c.Server)
		if err != nil {
			return ExecInfo{}, fmt.Errorf("KUBERNETES_EXEC_INFO: spec.cluster.server: %w", err)
		}
		info.ServerHost = host
	}
	return info, nil
}

func checkKubeAPIVersion(v string) error {
	if v != KubeAPIV1 && v != KubeAPIV1beta1 {
		return fmt.Errorf("unsupported apiVersion %q (want %s or %s)", v, KubeAPIV1, KubeAPIV1beta1)
	}
	return nil
}

// execCredentialJSON is the plugin's answer (client-go's ExecCredential); v1 and
// v1beta1 are field-for-field identical.
type execCredentialJSON struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Status     execStatusJSON `json:"status"`
}

type execStatusJSON struct {
	Token               string `json:"token"`
	ExpirationTimestamp string `json:"expirationTimestamp,omitempty"`
}

// WriteExecCredential writes one ExecCredential JSON object followed by a
// newline: apiVersion echoed (client-go rejects any other version than the one
// it asked for), kind ExecCredential, status.token, and
// status.expirationTimestamp as t.UTC().Format(time.RFC3339) when Expires is
// non-zero. client-go reuses the token until exactly that instant, with no
// skew of its own (client-go exec.go, credsExpired), which is why Expires already carries
// nxcred's margin.
func WriteExecCredential(w io.Writer, apiVersion string, c Credential) error {
	if err := checkKubeAPIVersion(apiVersion); err != nil {
		return fmt.Errorf("write exec credential: %w", err)
	}
	if err := checkCredential(c); err != nil {
		return fmt.Errorf("write exec credential: %w", err)
	}
	out := execCredentialJSON{
		APIVersion: apiVersion,
		Kind:       kindExecCredential,
		Status:     execStatusJSON{Token: c.Token},
	}
	if !c.Expires.IsZero() {
		out.Status.ExpirationTimestamp = formatExpiry(c.Expires)
	}
	b, err := encodeJSONLine(out)
	if err != nil {
		return fmt.Errorf("write exec credential: %w", err)
	}
	if err := writeAll(w, b); err != nil {
		return fmt.Errorf("write exec credential: %w", err)
	}
	return nil
}
