//go:build linux

package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// defineCases lists what is timed, floor first. Every nxcred hit case reads
// the same warm cache slot the environment profile uses, except the keyring
// ones, which have homes (and profiles) of their own.
func (s *suite) defineCases() {
	add := func(c *tcase) { s.cases = append(s.cases, c) }
	add(&tcase{key: "hello", label: "hello-world (the floor)", bin: s.hello, env: s.envVars, check: checkPrefix("hello, world\n")})
	add(&tcase{key: "token-env", label: "`nxcred token` hit, environment profile", bin: s.nxcred, args: []string{"token"}, env: s.envVars, check: s.checkRaw, hit: true})
	for i, bin := range s.o.also {
		add(&tcase{key: fmt.Sprintf("also-%d", i+1), label: fmt.Sprintf("`token` hit, environment profile, -also %s", s.o.alsoLabel[i]), bin: bin, args: []string{"token"}, env: s.envVars})
	}
	add(&tcase{key: "token-file", label: "`nxcred token` hit, file keyring", bin: s.nxcred, args: []string{"token"}, env: s.fileVars, check: s.checkRaw, hit: true})
	add(&tcase{key: "probe-file", label: "file keyring alone: Open + Get (bench/keyringprobe)", bin: s.probe,
		args: []string{"-backend", "file", "-dir", filepath.Join(envValue(s.fileVars, "XDG_DATA_HOME"), "nxcred", "keyring"), s.itemKey("filekr")},
		env:  s.fileVars, check: checkPrefix("open_us=")})
	if s.ss != nil {
		add(&tcase{key: "token-ss", label: "`nxcred token` hit, secret-service keyring (gnome-keyring)", bin: s.nxcred, args: []string{"token"}, env: s.ssVars, check: s.checkRaw, hit: true})
		add(&tcase{key: "probe-ss", label: "secret-service alone: Open + Get (bench/keyringprobe)", bin: s.probe,
			args: []string{"-backend", "secret-service", s.itemKey("sskr")}, env: s.ssVars, check: checkPrefix("open_us=")})
	}
	add(&tcase{key: "kubectl", label: "`nxcred kubectl` hit (ExecCredential v1)", bin: s.nxcred, args: []string{"kubectl"},
		env: setEnv(s.envVars, "KUBERNETES_EXEC_INFO", kubeExecInfo),
		// Each run as a new kubectl process: other exec info (a field
		// client-go would ignore), so that no run is a repeat call.
		perRun: func(n int) []string {
			return setEnv(s.envVars, "KUBERNETES_EXEC_INFO", strings.TrimSuffix(kubeExecInfo, "}")+`,"run":`+strconv.Itoa(n)+"}")
		},
		check: s.checkContains(`"token":"`, `"`), hit: true})
	add(&tcase{key: "bazel", label: "`nxcred get` hit (Bazel)", bin: s.nxcred, args: []string{"get"}, env: s.envVars, stdin: bazelRequest,
		check: s.checkContains(`"Authorization":["Bearer `, `"`), hit: true})
	add(&tcase{key: "git", label: "`nxcred git get` hit", bin: s.nxcred, args: []string{"git", "get"}, env: s.envVars, stdin: gitRequest,
		check: s.checkContains("password=", "\n"), hit: true})
	// A miss: each run on a cache folder of its own, empty. (--refresh
	// would not do: a forced refresh within 30 s of another serves the
	// token that one fetched.)
	add(&tcase{key: "miss", label: "`nxcred token` miss (empty cache), one token request", bin: s.nxcred, args: []string{"token"}, env: s.envVars,
		perRun: func(n int) []string {
			return setEnv(s.envVars, "XDG_CACHE_HOME", envValue(s.envVars, "XDG_CACHE_HOME")+"-miss-"+strconv.Itoa(n))
		},
		hitsPerRun: 1, check: s.checkRaw})
	if s.curlBin != "" {
		args := []string{"-s", "-S", "-u", benchClientID + ":" + s.secret, "-d", "grant_type=client_credentials", "-d", "scope=service:integration"}
		if s.caFile != "" {
			args = append(args, "--cacert", s.caFile)
		}
		add(&tcase{key: "curl", label: "`curl` token request (no nxcred)", bin: s.curlBin, args: append(args, s.srv.TokenURL()), env: s.envVars,
			hitsPerRun: 1, check: s.checkContains(`"access_token":"`, `"`)})
	}
}

func (s *suite) caseByKey(key string) *tcase {
	for _, c := range s.cases {
		if c.key == key {
			return c
		}
	}
	return nil
}
