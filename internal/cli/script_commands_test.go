package cli

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/testenv"
)

// The credential the fake endpoint accepts in scripts. The secret is long
// and distinctive so that grepping files for it means something.
const (
	scriptClientID = "0oa-script-client"
	scriptSecret   = "S3cret-Value-9f1c2e7a-DO-NOT-LEAK"
)

type serverKey struct{}

type scriptServer struct{ s *oauthtest.Server }

var scriptCommands = map[string]func(*testscript.TestScript, bool, []string){
	"tokenserver": cmdTokenServer,
	"noplaintext": cmdNoPlaintext,
	"perm":        cmdPerm,
	"apiserver":   cmdAPIServer,
	"sleep":       cmdSleep,
	"proxy":       cmdProxy,
	"nxapi":       cmdNxAPI,
}

func server(ts *testscript.TestScript) *oauthtest.Server {
	ss := ts.Value(serverKey{}).(*scriptServer)
	if ss.s == nil {
		ts.Fatalf("tokenserver start first")
	}
	return ss.s
}

// cmdTokenServer drives the fake Nexthink endpoint:
//
//	tokenserver start [plain]      start it; sets TOKEN_URL, CLIENT_ID, CLIENT_SECRET, SSL_CERT_FILE
//	tokenserver hits N             exactly N token requests so far, all shaped as Nexthink documents
//	tokenserver hitsbetween A B    between A and B token requests so far
//	tokenserver lifetime SECS      expires_in of the next tokens (-1 omits it)
//	tokenserver tokentype T        token_type of the next tokens (none omits it)
//	tokenserver jwt EXP            issue JWTs whose exp claim is now+EXP
//	tokenserver delay DUR          delay every answer
//	tokenserver reply STATUS TYPE BODY...   script the next answer
//	tokenserver ratelimit SECS     script a 429 with Retry-After: SECS
func cmdTokenServer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: tokenserver start|hits|lifetime|tokentype|jwt|delay|reply ...")
	}
	if neg && args[0] != "hits" {
		ts.Fatalf("! tokenserver is only for hits")
	}
	switch args[0] {
	case "start":
		ss := ts.Value(serverKey{}).(*scriptServer)
		if len(args) > 1 && args[1] == "plain" {
			ss.s = oauthtest.NewPlain(scriptClientID, scriptSecret)
		} else {
			ep, err := testenv.StartEndpoint(scriptClientID, scriptSecret, ts.MkAbs("ca.pem"))
			ts.Check(err)
			ss.s = ep.Server
			ep.Trust().Apply(ts.Setenv)
		}
		ts.Defer(ss.s.Close)
		ts.Setenv("TOKEN_URL", ss.s.TokenURL())
		ts.Setenv("CLIENT_ID", scriptClientID)
		ts.Setenv("CLIENT_SECRET", scriptSecret)
	case "hits":
		want := atoi(ts, args, 1)
		s := server(ts)
		if got := s.Hits(); (got == want) == neg {
			ts.Fatalf("token requests: got %d, want %d", got, want)
		}
		if v := s.Violations(); len(v) > 0 {
			ts.Fatalf("requests not shaped as Nexthink documents: %q", v)
		}
	case "hitsbetween":
		if got, lo, hi := server(ts).Hits(), atoi(ts, args, 1), atoi(ts, args, 2); got < lo || got > hi {
			ts.Fatalf("token requests: got %d, want between %d and %d", got, lo, hi)
		}
	case "lifetime":
		server(ts).SetLifetime(atoi(ts, args, 1))
	case "tokentype":
		t := arg(ts, args, 1)
		if t == "none" {
			t = ""
		}
		server(ts).SetTokenType(t)
	case "jwt":
		d, err := time.ParseDuration(arg(ts, args, 1))
		ts.Check(err)
		server(ts).SetJWT(true, d)
	case "delay":
		d, err := time.ParseDuration(arg(ts, args, 1))
		ts.Check(err)
		server(ts).SetDelay(d)
	case "ratelimit":
		server(ts).Enqueue(oauthtest.Response{
			Status: http.StatusTooManyRequests,
			Header: http.Header{"Retry-After": {arg(ts, args, 1)}},
			Body:   `{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}`,
		})
	case "reply":
		status := atoi(ts, args, 1)
		server(ts).Enqueue(oauthtest.Response{Status: status, ContentType: arg(ts, args, 2), Body: strings.Join(args[3:], " ")})
	default:
		ts.Fatalf("unknown tokenserver command %q", args[0])
	}
}

// cmdNoPlaintext fails if any file under the given folders holds the client
// secret or any token the fake endpoint issued. With -secret, only the secret
// is looked for (for stdout of commands whose payload is a token).
func cmdNoPlaintext(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! noplaintext")
	}
	s := server(ts)
	secretOnly := len(args) > 0 && args[0] == "-secret"
	if secretOnly {
		args = args[1:]
	}
	files := 0
	for _, dir := range args {
		err := filepath.WalkDir(ts.MkAbs(dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if d.Type().IsRegular() {
				files++
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				if secretOnly {
					if strings.Contains(string(data), s.Secret) {
						ts.Fatalf("%s holds the client secret in plaintext", path)
					}
				} else if what, found := s.Contains(data); found {
					ts.Fatalf("%s holds %s in plaintext", path, what)
				}
			}
			return nil
		})
		ts.Check(err)
	}
	if len(s.Issued()) == 0 {
		ts.Fatalf("noplaintext: no token was issued, so the check proves nothing")
	}
	ts.Logf("noplaintext: %d files checked for the secret and %d tokens", files, len(s.Issued()))
}

// cmdPerm checks a file's permission bits: perm PATH 0600. Unix only.
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(ts.MkAbs(arg(ts, args, 0)))
	ts.Check(err)
	want, err := strconv.ParseUint(arg(ts, args, 1), 8, 32)
	ts.Check(err)
	if got := fi.Mode().Perm(); (uint64(got) == want) == neg {
		ts.Fatalf("%s: mode %#o, want %#o", args[0], got, want)
	}
}

func arg(ts *testscript.TestScript, args []string, i int) string {
	if len(args) <= i {
		ts.Fatalf("missing argument %d", i+1)
	}
	return args[i]
}

func atoi(ts *testscript.TestScript, args []string, i int) int {
	n, err := strconv.Atoi(arg(ts, args, i))
	ts.Check(err)
	return n
}

// cmdSleep waits: sleep 2s. At most 10 s, so no script can stall the suite.
// No verdict may depend on it: to make a cached token or a remembered
// failure older, set the clock with env TESTONLY_NOW instead (testMain).
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(arg(ts, args, 0))
	ts.Check(err)
	if d > 10*time.Second {
		ts.Fatalf("sleep %s: at most 10s", d)
	}
	time.Sleep(d)
}
