package cli

import (
	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/childenv"
)

// childEnv is the environment of exec's command: what every child of nxcred
// gets (package childenv), without any NEXTHINK_* token variable or exec
// marker the caller had, so that the command sees exactly what exec gives it.
func childEnv(env []string) []string {
	return childenv.Scrub(env, "NEXTHINK_TOKEN", "NEXTHINK_API_URL", "NEXTHINK_TOKEN_EXPIRES_AT", broker.ExecMarker)
}
