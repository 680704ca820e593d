package serve

import (
	"strings"

	"github.com/nxcred/nxcred/internal/atomicfile"
)

// Env is the environment a child of `exec --serve` gets: the proxy as its
// API URL, the local token endpoint and credential, and NXCRED_AGENT. Each
// entry is NAME=value; every value is URL-safe, so no quoting is needed.
func (i Info) Env() []string {
	return []string{
		"NEXTHINK_API_URL=" + i.ProxyURL,
		"NEXTHINK_TOKEN_URL=" + i.TokenURL,
		"NEXTHINK_CLIENT_ID=" + i.ClientID,
		"NEXTHINK_CLIENT_SECRET=" + i.ClientSecret,
		EnvAgent + "=" + i.AgentURL,
	}
}

// WriteEnvFile writes Env, one NAME=value line each (readable by `set -a;
// . file` and by dotenv loaders), to path: mode 0600, replaced atomically,
// so a reader never sees half a file and nobody else can read the key.
func WriteEnvFile(path string, info Info) error {
	return atomicfile.Write(path, []byte(strings.Join(info.Env(), "\n")+"\n"))
}
