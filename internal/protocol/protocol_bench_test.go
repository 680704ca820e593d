package protocol_test

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/protocol"
)

// Parsing a client's request and formatting the answer, per protocol, with
// allocations: the part of a cache hit that is protocol's.

// benchCred is shaped like a Nexthink token: a JWT of about a kilobyte.
var benchCred = protocol.Credential{
	Token:     "eyJraWQiOiJiZW5jaCIsImFsZyI6IlJTMjU2In0." + strings.Repeat("eyJzdWIiOiIwb2ExYjJjM2Q0In0", 24) + "." + strings.Repeat("c2lnbmF0dXJl", 28),
	TokenType: "Bearer",
	Expires:   time.Date(2026, 3, 1, 12, 14, 0, 0, time.UTC),
}

var benchNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func BenchmarkWriteToken(b *testing.B) {
	for _, format := range protocol.TokenFormats {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := protocol.WriteToken(io.Discard, format, benchCred, benchNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseExecInfo(b *testing.B) {
	const info = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false,"cluster":{"server":"https://acme.api.eu.nexthink.cloud","certificate-authority-data":"LS0tLS1CRUdJTi"}}}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.ParseExecInfo(info); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteExecCredential(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := protocol.WriteExecCredential(io.Discard, protocol.KubeAPIV1, benchCred); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBazelRequest(b *testing.B) {
	const req = `{"uri":"https://acme.api.eu.nexthink.cloud/api/v1/x"}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.ParseBazelRequest(strings.NewReader(req)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteBazelResponse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := protocol.WriteBazelResponse(io.Discard, &benchCred); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseGitRequest(b *testing.B) {
	const req = "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=acme.api.eu.nexthink.cloud\npath=org/repo.git\n\n"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.ParseGitRequest(strings.NewReader(req)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteGitCredential(b *testing.B) {
	for _, bc := range []struct {
		name string
		req  protocol.GitRequest
	}{
		{"password", protocol.GitRequest{Protocol: "https", Host: "acme.api.eu.nexthink.cloud"}},
		{"authtype", protocol.GitRequest{Protocol: "https", Host: "acme.api.eu.nexthink.cloud", Capabilities: []string{"authtype"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := protocol.WriteGitCredential(io.Discard, bc.req, "nxcred", benchCred); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHostFromURL(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := protocol.HostFromURL("https://acme.api.eu.nexthink.cloud/api/v1/x"); err != nil {
			b.Fatal(err)
		}
	}
}
