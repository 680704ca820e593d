package cli

import (
	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/childenv"
	"github.com/nxcred/nxcred/internal/serve"
)

// childEnv is the environment of exec's command: what every child of nxcred
// gets (package childenv), without any NEXTHINK_* variable, agent or exec
// marker the caller had, so that the command sees exactly what exec gives it.
func childEnv(env []string) []string {
	return childenv.Scrub(env, "NEXTHINK_TOKEN", "NEXTHINK_API_URL", "NEXTHINK_TOKEN_EXPIRES_AT",
		"NEXTHINK_TOKEN_URL", "NEXTHINK_CLIENT_ID", "NEXTHINK_CLIENT_SECRET", serve.EnvAgent, broker.ExecMarker)
}
