package main

import (
	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/auth"
)

func (a *app) logoutCommand() *cobra.Command {
	var profile string
	var forget bool
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove a profile's client secret and cached tokens",
		Long: `logout removes the client secret from the keyring and the cached tokens.
The profile stays in the config file, so login can restore it; --forget removes
it too. For the environment profile only the cached tokens are removed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.logout(profile, forget) },
	}
	a.profileFlag(cmd, &profile)
	cmd.Flags().BoolVar(&forget, "forget", false, "also remove the profile from the config file")
	return cmd
}

func (a *app) logout(name string, forget bool) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	// A profile gone from the config may still have a secret and tokens:
	// --profile NAME removes them by name.
	var p *auth.Profile
	if name != "" && name != auth.EnvProfileName && cfg.Profiles[name] == nil {
		if err := auth.ValidateName(name); err != nil {
			return &usageError{err: err}
		}
		p = &auth.Profile{Name: name}
	} else if p, _, err = a.resolve(auth.Choice{Flag: name}); err != nil {
		return err
	}
	store, _, err := a.store()
	if err != nil {
		return err
	}
	if err := store.Remove(p.SlotName()); err != nil {
		return err
	}
	if p.FromEnv {
		a.infof("cached tokens of the environment profile removed")
		return nil
	}
	ring, err := a.keyring()
	if err != nil {
		return err
	}
	if err := ring.Remove(p.Name); err != nil {
		return err
	}
	if forget && cfg.Profiles[p.Name] != nil {
		cfg.Delete(p.Name)
		if err := cfg.Save(); err != nil {
			return err
		}
		a.infof("profile %s removed: secret, cached tokens and config entry", p.Name)
		return nil
	}
	a.infof("profile %s logged out: secret and cached tokens removed", p.Name)
	return nil
}
