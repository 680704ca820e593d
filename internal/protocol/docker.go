package protocol

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// DockerUsername is the fixed, non-secret username nxcred answers with (never
// "<token>", which docker treats as an identity token: docs/protocols.md §3.2,
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

// MaxDockerInput bounds what the docker helper reads on stdin: a server URL
// (get, erase), a few KiB at most, or docker login's credentials object
// (store), whose secret may be a registry token of some KiB. It is under the
// 64 KiB line bound of the bufio.Scanner the credentials package reads with,
// so that a long line gets this bound's error, not "token too long".
const MaxDockerInput = 32 << 10

// ErrDockerInputTooLong is the error reading DockerInput past
// MaxDockerInput.
var ErrDockerInputTooLong = fmt.Errorf("docker sent more than %d KiB on stdin; a server URL or credentials object is never that long", MaxDockerInput>>10)

// DockerInput bounds stdin for docker-credential-helpers' credentials
// package, which reads it to the end itself, line by line, into one buffer:
// past MaxDockerInput bytes its reads fail with ErrDockerInputTooLong, so
// an endless or huge stdin is an error instead of unbounded memory or a
// helper that never ends.
func DockerInput(r io.Reader) io.Reader { return &boundedReader{r: r, left: MaxDockerInput} }

type boundedReader struct {
	r    io.Reader
	left int
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b.left == 0 {
		// At the bound: one more byte means too much, EOF means exactly
		// enough.
		var probe [1]byte
		n, err := b.r.Read(probe[:])
		if n > 0 {
			return 0, ErrDockerInputTooLong
		}
		return 0, err
	}
	n, err := b.r.Read(p[:min(len(p), b.left)])
	b.left -= n
	return n, err
}
