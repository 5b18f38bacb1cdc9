package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Permissions, as django.contrib.auth's PermissionsMixin and ModelBackend give them:
//
//   - a permission is named "app_label.codename" (e.g. "polls.change_question"), the
//     content type's app label and the permission's codename;
//   - a user has the permissions given to it (user.user_permissions) and those of its
//     groups (user.groups);
//   - an inactive user has none, and neither has an anonymous one (nil *User);
//   - an active superuser passes every check (HasPerm, HasPerms, HasModulePerms), even
//     for a permission that does not exist, and its permission sets are every
//     permission in auth_permission.
//
// These are ModelBackend's permissions, whatever Config.AuthenticationBackends lists: what
// Django gives when the backends are ModelBackend or its subclasses
// (AllowAllUsersModelBackend, the RemoteUser backends, a project's e-mail login backend
// derived from it). A backend with permissions of its own needs a PermissionSource that
// gives them; a site none of whose backends derives from ModelBackend gives no permission
// but a superuser's HasPerm. Object permissions (obj) are not supported: ModelBackend
// has none.

// PermissionSource is a UserSource that can read permissions, as ModelBackend reads them
// from auth_permission (SQLUserSource implements it). Each method returns the names as
// "app_label.codename", in any order, repeats allowed.
type PermissionSource interface {
	// UserPermissions returns the permissions given to u directly.
	UserPermissions(ctx context.Context, u *User) ([]string, error)
	// GroupPermissions returns the permissions of u's groups.
	GroupPermissions(ctx context.Context, u *User) ([]string, error)
	// AllPermissions returns every permission there is (what a superuser's sets hold).
	AllPermissions(ctx context.Context) ([]string, error)
}

// GroupSource is a UserSource that can read the groups a user is in (user.groups);
// SQLUserSource implements it.
type GroupSource interface {
	// Groups returns the names of u's groups, in any order.
	Groups(ctx context.Context, u *User) ([]string, error)
}

// GetGroups returns the names of the groups u is in, sorted, as
// user.groups.values_list("name", flat=True) lists them (for checks such as
// user.groups.filter(name="editors").exists()): nil for nil (anonymous), and an inactive
// user's groups too (group membership is a plain relation in Django; only permissions
// depend on is_active).
func GetGroups(ctx context.Context, u *User, c *Config) ([]string, error) {
	if u == nil {
		return nil, nil
	}
	if c.Users == nil {
		return nil, ErrNoUserSource
	}
	gs, ok := c.Users.(GroupSource)
	if !ok {
		return nil, fmt.Errorf("%w: groups need a GroupSource", ErrUnsupported)
	}
	names, err := gs.Groups(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("auth: groups of user %q: %w", u.ID, err)
	}
	names = slices.Clone(names)
	slices.Sort(names)
	return names, nil
}

func (c *Config) permissionSource() (PermissionSource, error) {
	if c.Users == nil {
		return nil, ErrNoUserSource
	}
	ps, ok := c.Users.(PermissionSource)
	if !ok {
		return nil, fmt.Errorf("%w: permissions need a PermissionSource", ErrUnsupported)
	}
	return ps, nil
}

// permissions is ModelBackend._get_permissions: nothing for an anonymous or inactive
// user, every permission for a superuser, else what get reads. The result is sorted,
// without repeats (nil when empty).
func (c *Config) permissions(ctx context.Context, u *User, get func(PermissionSource) ([]string, error)) ([]string, error) {
	if u == nil || !u.IsActive {
		return nil, nil
	}
	ps, err := c.permissionSource()
	if err != nil {
		return nil, err
	}
	var names []string
	if u.IsSuperuser {
		names, err = ps.AllPermissions(ctx)
	} else {
		names, err = get(ps)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: permissions of user %q: %w", u.ID, err)
	}
	names = slices.Clone(names)
	slices.Sort(names)
	return slices.Compact(names), nil
}

// GetUserPermissions returns the permissions u has directly, sorted (Django's
// user.get_user_permissions(), a set): none for nil (anonymous) or an inactive user,
// every permission for a superuser.
func GetUserPermissions(ctx context.Context, u *User, c *Config) ([]string, error) {
	return c.permissions(ctx, u, func(ps PermissionSource) ([]string, error) { return ps.UserPermissions(ctx, u) })
}

// GetGroupPermissions returns the permissions u has through its groups, sorted
// (user.get_group_permissions()), with GetUserPermissions' rules.
func GetGroupPermissions(ctx context.Context, u *User, c *Config) ([]string, error) {
	return c.permissions(ctx, u, func(ps PermissionSource) ([]string, error) { return ps.GroupPermissions(ctx, u) })
}

// GetAllPermissions returns every permission u has, directly or through its groups,
// sorted (user.get_all_permissions()), with GetUserPermissions' rules.
func GetAllPermissions(ctx context.Context, u *User, c *Config) ([]string, error) {
	return c.permissions(ctx, u, func(ps PermissionSource) ([]string, error) {
		own, err := ps.UserPermissions(ctx, u)
		if err != nil {
			return nil, err
		}
		group, err := ps.GroupPermissions(ctx, u)
		return slices.Concat(own, group), err
	})
}

// Perms is what a user may do, read once: for the many checks of one request (a template's
// perms, a page's menu), as Django's user object caches its permissions after the first
// has_perm. The zero Perms is an anonymous user's: it has no permission.
type Perms struct {
	all   []string // sorted, without repeats
	super bool     // an active superuser: every check passes
}

// Permissions reads u's permissions (GetAllPermissions) for the checks of Perms.
func Permissions(ctx context.Context, u *User, c *Config) (*Perms, error) {
	all, err := GetAllPermissions(ctx, u, c)
	if err != nil {
		return nil, err
	}
	return &Perms{all: all, super: u != nil && u.IsActive && u.IsSuperuser}, nil
}

// All returns the permissions, sorted: user.get_all_permissions() (for an active
// superuser, every permission there is).
func (p *Perms) All() []string { return slices.Clone(p.all) }

// Has reports whether the user has the permission perm ("app_label.codename"), as
// user.has_perm(perm): true for an active superuser whatever perm is.
func (p *Perms) Has(perm string) bool {
	if p.super {
		return true
	}
	_, ok := slices.BinarySearch(p.all, perm)
	return ok
}

// HasAll reports whether the user has every permission of perms, as user.has_perms(perms)
// (true for none, even for an anonymous user, as Python's all()).
func (p *Perms) HasAll(perms ...string) bool {
	for _, perm := range perms {
		if !p.Has(perm) {
			return false
		}
	}
	return true
}

// HasModule reports whether the user has any permission in the app appLabel, as
// user.has_module_perms(app_label), what the admin's index checks: true for an active
// superuser.
func (p *Perms) HasModule(appLabel string) bool {
	if p.super {
		return true
	}
	for _, perm := range p.all {
		// (Django cuts at the first dot: an app label has none.)
		if label, _, ok := strings.Cut(perm, "."); ok && label == appLabel {
			return true
		}
	}
	return false
}

// HasPerm reports whether u has the permission perm ("app_label.codename"), as Django's
// user.has_perm(perm): true for an active superuser whatever perm is, false for nil
// (anonymous) or an inactive user, else whether GetAllPermissions holds it. For several
// checks, read the permissions once with Permissions.
func HasPerm(ctx context.Context, u *User, perm string, c *Config) (bool, error) {
	return HasPerms(ctx, u, []string{perm}, c)
}

// HasPerms reports whether u has every permission of perms, as user.has_perms(perms)
// (true for an empty list, even for an anonymous user, as Python's all()).
func HasPerms(ctx context.Context, u *User, perms []string, c *Config) (bool, error) {
	if len(perms) == 0 || u != nil && u.IsActive && u.IsSuperuser {
		return true, nil // (no need to read them)
	}
	p, err := Permissions(ctx, u, c)
	if err != nil {
		return false, err
	}
	return p.HasAll(perms...), nil
}

// HasModulePerms reports whether u has any permission in the app appLabel, as
// user.has_module_perms(app_label) (what the admin's index checks): true for an active
// superuser, else whether a permission of GetAllPermissions has the app label appLabel.
func HasModulePerms(ctx context.Context, u *User, appLabel string, c *Config) (bool, error) {
	if u != nil && u.IsActive && u.IsSuperuser {
		return true, nil
	}
	p, err := Permissions(ctx, u, c)
	if err != nil {
		return false, err
	}
	return p.HasModule(appLabel), nil
}
