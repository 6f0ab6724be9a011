"""Pages for signing in, workspaces, members, teams, territories and the user's settings.
Views parse input with forms, call services, render templates; nothing else."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from dealroom.core.bounds import query_int
from dealroom.core.errors import DomainError, Throttled
from dealroom.core.forms import add_domain_errors, flash_domain_error
from dealroom.core.net import client_ip

from . import access, selectors, services
from .forms import (
    AcceptInvitationForm,
    InviteForm,
    LoginForm,
    MemberTeamForm,
    PasswordForm,
    ProfileForm,
    RoleForm,
    TeamForm,
    TerritoryForm,
    TokenForm,
    WorkspaceForm,
)
from .guards import member_view
from .models import Role, User
from .services import InvitationState

# -- signing in ------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's login plus throttling: after too many failures for an e-mail or an IP,
    further attempts are refused for a while without checking the password."""

    form_class = LoginForm
    template_name = "workspaces/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        email = request.POST.get("username", "")
        try:
            services.login_throttle_check(email=email, ip=client_ip(request))
        except Throttled as e:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, str(e.message))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        services.login_failure_record(
            email=self.request.POST.get("username", ""), ip=client_ip(self.request)
        )
        return self.render_to_response(self.get_context_data(form=form), status=400)


@login_required
def home(request):
    workspaces = selectors.workspace_list_for_user(request.user)
    # The shell's "New workspace" asks for this page itself rather than the last workspace.
    if "choose" not in request.GET and request.method == "GET":
        last = request.user.last_workspace_id
        for ws in workspaces:
            if ws.pk == last:
                return redirect("dashboard", slug=ws.slug)
        if len(workspaces) == 1:
            return redirect("dashboard", slug=workspaces[0].slug)
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ws = services.workspace_create(owner=request.user, name=form.cleaned_data["name"])
            return redirect("dashboard", slug=ws.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    return render(
        request,
        "workspaces/choose.html",
        {"workspaces": workspaces, "form": form},
        status=400 if form.errors else 200,
    )


# -- members ---------------------------------------------------------------------------------


def _members_context(actor, invite_form=None):
    teams = list(selectors.team_list(actor=actor))
    can_manage = access.can_manage_members(actor)
    return {
        "memberships": selectors.membership_list(actor=actor),
        "invitations": selectors.invitation_list(actor=actor) if can_manage else [],
        "can_manage": can_manage,
        "invite_form": invite_form or InviteForm(teams=teams),
        "roles": Role.choices,
        "teams": teams,
    }


@member_view
def members(request, actor):
    return render(request, "workspaces/members.html", _members_context(actor))


@require_POST
@member_view
def member_invite(request, actor):
    teams = list(selectors.team_list(actor=actor))
    form = InviteForm(request.POST, teams=teams)
    if form.is_valid():
        try:
            inv, _token = services.member_invite(
                actor=actor,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                team_id=form.cleaned_data["team"],
                language=request.LANGUAGE_CODE,
            )
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": inv.email})
            return redirect("members", slug=actor.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    return render(
        request, "workspaces/members.html", _members_context(actor, invite_form=form), status=400
    )


@require_POST
@member_view
def member_role(request, actor, membership_id: int):
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("members", slug=actor.workspace.slug)
    try:
        services.member_role_change(
            actor=actor, membership_id=membership_id, role=form.cleaned_data["role"]
        )
        messages.success(request, _("Role changed."))
    except DomainError as e:
        flash_domain_error(request, e)
    return redirect("members", slug=actor.workspace.slug)


@require_POST
@member_view
def member_team(request, actor, membership_id: int):
    form = MemberTeamForm(request.POST, teams=selectors.team_list(actor=actor))
    if form.is_valid():
        try:
            services.member_team_set(
                actor=actor, membership_id=membership_id, team_id=form.cleaned_data["team"]
            )
            messages.success(request, _("Team changed."))
        except DomainError as e:
            flash_domain_error(request, e)
    else:
        messages.error(request, _("Choose a team of this workspace."))
    return redirect("members", slug=actor.workspace.slug)


@require_POST
@member_view
def member_active(request, actor, membership_id: int):
    active = request.POST.get("active") == "1"
    try:
        if active:
            services.member_reactivate(actor=actor, membership_id=membership_id)
        else:
            services.member_deactivate(actor=actor, membership_id=membership_id)
        messages.success(request, _("Member reactivated.") if active else _("Member deactivated."))
    except DomainError as e:
        flash_domain_error(request, e)
    return redirect("members", slug=actor.workspace.slug)


@require_POST
@member_view
def invitation_revoke(request, actor, invitation_id: int):
    services.invitation_revoke(actor=actor, invitation_id=invitation_id)
    messages.success(request, _("Invitation revoked."))
    return redirect("members", slug=actor.workspace.slug)


# -- invitation links (public) ---------------------------------------------------------------


@never_cache
def invite_accept(request, token: str):
    state, invitation = services.invitation_by_token(token)
    if state != InvitationState.VALID:
        return render(request, "workspaces/invite_invalid.html", {"state": state}, status=410)
    assert invitation is not None
    user = request.user if request.user.is_authenticated else None
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and (user is not None or form.is_valid()):
        data = form.cleaned_data if user is None else {}
        try:
            membership = services.invitation_accept(
                token=token,
                user=user,
                full_name=data.get("full_name", ""),
                password=data.get("password", ""),
            )
            if user is None:
                login(request, membership.user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request, _("Welcome to %(name)s.") % {"name": invitation.workspace.name}
            )
            return redirect("dashboard", slug=invitation.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    context = {
        "invitation": invitation,
        "form": form,
        "wrong_user": user is not None and user.email.lower() != invitation.email,
        "account_exists": user is None and User.objects.filter(email=invitation.email).exists(),
    }
    return render(
        request, "workspaces/invite_accept.html", context, status=400 if form.errors else 200
    )


# -- teams -----------------------------------------------------------------------------------


def _team_form(actor, data=None, team=None):
    teams = [t for t, _d in selectors.team_tree(actor=actor) if team is None or t.pk != team.pk]
    members = selectors.membership_list(actor=actor, include_inactive=False)
    initial = (
        {"name": team.name, "parent": team.parent_id, "manager": team.manager_id} if team else None
    )
    return TeamForm(data, initial=initial, teams=teams, members=members)


@member_view
def teams(request, actor):
    form = _team_form(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_create(
                actor=actor,
                name=form.cleaned_data["name"],
                parent_id=form.cleaned_data["parent"],
                manager_id=form.cleaned_data["manager"],
            )
            messages.success(request, _("Team created."))
            return redirect("teams", slug=actor.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    context = {
        "tree": selectors.team_tree(actor=actor),
        "form": form,
        "can_manage": access.can_manage_teams(actor),
    }
    return render(request, "workspaces/teams.html", context, status=400 if form.errors else 200)


@member_view
def team_edit(request, actor, team_id: int):
    team = selectors.team_get(actor=actor, team_id=team_id)
    form = _team_form(actor, request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(
                actor=actor,
                team_id=team.pk,
                name=form.cleaned_data["name"],
                parent_id=form.cleaned_data["parent"],
                manager_id=form.cleaned_data["manager"],
            )
            messages.success(request, _("Team saved."))
            return redirect("teams", slug=actor.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    return render(
        request,
        "workspaces/team_edit.html",
        {"team": team, "form": form, "can_manage": access.can_manage_teams(actor)},
        status=400 if form.errors else 200,
    )


@require_POST
@member_view
def team_delete(request, actor, team_id: int):
    try:
        services.team_delete(actor=actor, team_id=team_id)
        messages.success(request, _("Team deleted."))
    except DomainError as e:
        flash_domain_error(request, e)
    return redirect("teams", slug=actor.workspace.slug)


# -- territories -----------------------------------------------------------------------------


def _territory_form(actor, data=None, territory=None):
    members = selectors.membership_list(actor=actor, include_inactive=False)
    initial = None
    if territory is not None:
        initial = {
            "name": territory.name,
            "kind": territory.kind,
            "values": "\n".join(territory.values),
            "members": [m.pk for m in territory.members.all()],
        }
    return TerritoryForm(data, initial=initial, members=members)


def _save_territory(request, actor, form, territory=None):
    kwargs = {
        "actor": actor,
        "name": form.cleaned_data["name"],
        "kind": form.cleaned_data["kind"],
        "values": form.value_list(),
        "member_ids": form.cleaned_data["members"],
    }
    if territory is None:
        services.territory_create(**kwargs)
    else:
        services.territory_update(territory_id=territory.pk, **kwargs)


@member_view
def territories(request, actor):
    form = _territory_form(actor, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _save_territory(request, actor, form)
            messages.success(request, _("Territory created."))
            return redirect("territories", slug=actor.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    context = {
        "territories": selectors.territory_list(actor=actor),
        "form": form,
        "can_manage": access.can_manage_territories(actor),
    }
    return render(
        request, "workspaces/territories.html", context, status=400 if form.errors else 200
    )


@member_view
def territory_edit(request, actor, territory_id: int):
    territory = selectors.territory_get(actor=actor, territory_id=territory_id)
    form = _territory_form(actor, request.POST or None, territory=territory)
    if request.method == "POST" and form.is_valid():
        try:
            _save_territory(request, actor, form, territory)
            messages.success(request, _("Territory saved."))
            return redirect("territories", slug=actor.workspace.slug)
        except DomainError as e:
            add_domain_errors(form, e)
    return render(
        request,
        "workspaces/territory_edit.html",
        {"territory": territory, "form": form, "can_manage": access.can_manage_territories(actor)},
        status=400 if form.errors else 200,
    )


@require_POST
@member_view
def territory_delete(request, actor, territory_id: int):
    services.territory_delete(actor=actor, territory_id=territory_id)
    messages.success(request, _("Territory deleted."))
    return redirect("territories", slug=actor.workspace.slug)


# -- the user's own settings -----------------------------------------------------------------


@login_required
def user_settings(request):
    profile_form = ProfileForm(initial={"full_name": request.user.full_name})
    password_form = PasswordForm()
    token_form = TokenForm()
    new_secret = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "profile":
            profile_form = ProfileForm(request.POST)
            if profile_form.is_valid():
                services.user_profile_update(
                    user=request.user, full_name=profile_form.cleaned_data["full_name"]
                )
                messages.success(request, _("Saved."))
                return redirect("user_settings")
        elif action == "password":
            password_form = PasswordForm(request.POST)
            if password_form.is_valid():
                try:
                    services.user_password_change(
                        user=request.user,
                        old_password=password_form.cleaned_data["old_password"],
                        new_password=password_form.cleaned_data["new_password"],
                    )
                except DomainError as e:
                    add_domain_errors(password_form, e)
                else:
                    update_session_auth_hash(request, request.user)
                    messages.success(request, _("Your password is changed."))
                    return redirect("user_settings")
        elif action == "token":
            token_form = TokenForm(request.POST)
            if token_form.is_valid():
                _token, new_secret = services.api_token_create(
                    user=request.user, name=token_form.cleaned_data["name"]
                )
                token_form = TokenForm()
        elif action == "revoke":
            services.api_token_revoke(
                user=request.user, token_id=query_int(request.POST.get("token", "")) or 0
            )
            messages.success(request, _("Token revoked."))
            return redirect("user_settings")
        status = 400 if (profile_form.errors or password_form.errors or token_form.errors) else 200
    context = {
        "profile_form": profile_form,
        "password_form": password_form,
        "token_form": token_form,
        "tokens": selectors.api_token_list(user=request.user),
        "new_secret": new_secret,
        "my_workspaces": selectors.workspace_list_for_user(request.user),
    }
    return render(request, "workspaces/settings.html", context, status=status)


@require_POST
def set_language(request):
    """Django's set_language (cookie), remembered on the account too when logged in."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_language_set(user=request.user, language=language)
    return django_set_language(request)


# -- operations ------------------------------------------------------------------------------


@require_GET
def healthz(request):
    from dealroom.realtime import hub

    status = {"database": "ok", "live": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as e:  # report, do not crash: this is what health checks are for
        status["database"] = f"error: {type(e).__name__}"
    try:
        status["live"] = hub.ping()
    except Exception as e:
        status["live"] = f"error: {type(e).__name__}"
    ok = all(v.startswith("ok") for v in status.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **status}, status=200 if ok else 503)


def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
