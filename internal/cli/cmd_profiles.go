package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/spf13/cobra"
)

func (a *app) profilesCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List profiles (never secrets)",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return a.profiles(asJSON) },
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	return cmd
}

// profileJSON is one profile as profiles --json prints it, and the row
// profiles and status print.
type profileJSON struct {
	Name     string   `json:"name"`
	Default  bool     `json:"default"`
	Source   string   `json:"source"`
	Instance string   `json:"instance,omitempty"`
	Region   string   `json:"region,omitempty"`
	ClientID string   `json:"client_id"`
	Scope    string   `json:"scope"`
	TokenURL string   `json:"token_url"`
	APIURL   string   `json:"api_url,omitempty"`
	Hosts    []string `json:"hosts"`
}

// profileSummary is p as profiles and status show it: the settings in effect
// (scope, token URL, hosts with the API host) and where p comes from.
func profileSummary(p *config.Profile, isDefault bool) profileJSON {
	src := "config"
	if p.FromEnv {
		src = "environment"
	}
	return profileJSON{
		Name: p.Name, Default: isDefault, Source: src, Instance: p.Instance, Region: p.Region,
		ClientID: p.ClientID, Scope: p.EffectiveScope(), TokenURL: p.Endpoint(), APIURL: p.APIURL(),
		Hosts: p.AllHosts(),
	}
}

func (a *app) profiles(asJSON bool) error {
	cfg, err := a.tokens.Config()
	if err != nil {
		return err
	}
	env, _, err := a.tokens.EnvProfile()
	if err != nil {
		return err
	}
	list := []profileJSON{}
	def := cfg.DefaultProfile()
	for _, name := range cfg.Names() {
		list = append(list, profileSummary(cfg.Profiles[name], def != nil && def.Name == name))
	}
	if env != nil {
		list = append(list, profileSummary(env, false))
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	if len(list) == 0 {
		// An empty list is an answer, not a mistake: exit 0.
		a.infof("no profiles yet")
		a.hintf("create one: nxcred login --profile NAME --instance INSTANCE --region REGION --client-id ID (or set %s and %s)", config.EnvClientID, config.EnvClientSecret)
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tINSTANCE\tREGION\tCLIENT ID\tHOSTS")
	for _, p := range list {
		name := p.Name
		if p.Default {
			name += " (default)"
		}
		if p.Source == "environment" {
			name += " (environment)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, orDash(p.Instance), orDash(p.Region), p.ClientID, orDash(strings.Join(p.Hosts, ",")))
	}
	return tw.Flush()
}

// orDash is s, or "-" for an empty table cell.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
