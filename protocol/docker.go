package protocol

import (
	"errors"
	"fmt"
	"strings"
)

// DockerUsername is the fixed, non-secret username nxcred answers with (never
// "<token>", which docker treats as an identity token: PROTOCOLS.md §3.2,
// docker/cli's native_store.go maps that username to IdentityToken and the
// registry would try a refresh-token grant with the Nexthink token).
const DockerUsername = "nxcred"

// DockerServerHost turns what docker sends on stdin for get/erase (a bare
// host, host:port, or a URL such as https://host/v1/, possibly with trailing
// newline/space) into a normalized host, by the rules of HostFromURL.
//
// Surrounding white space is trimmed as credentials.Get and credentials.Erase
// in docker-credential-helpers do (strings.TrimSpace); white space inside is
// an error. Like every URL here, an http:// server URL is refused: docker
// would send the answer to that registry over plain HTTP.
func DockerServerHost(serverURL string) (string, error) {
	s := strings.TrimSpace(serverURL)
	if s == "" {
		// The text credentials.NewErrCredentialsMissingServerURL uses.
		return "", errors.New("no credentials server URL")
	}
	host, err := HostFromURL(s)
	if err != nil {
		return "", fmt.Errorf("docker server url: %w", err)
	}
	return host, nil
}
