"""The pipeline's pages: the board per opportunity type, a deal's page with its stage path,
checklist, team and contacts, creating a deal, and the buttons that move, win, lose and
reopen it. Field edits, owner, access, notes, archive and delete are the customers app's
record pages, which serve deals as they serve accounts (see urls.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from dealroom.core.bounds import MAX_OFFSET, query_int
from dealroom.core.errors import DomainError, Forbidden, Invalid, NotFound
from dealroom.core.formatting import money
from dealroom.core.forms import add_domain_errors, flash_domain_error
from dealroom.core.htmx import fragment_view, is_htmx
from dealroom.customers import access
from dealroom.customers.models import Account, ContactRole
from dealroom.customers.views.common import _members, _record_form
from dealroom.customers.views.records import _detail_context, _owner_choices
from dealroom.customers.visibility import accounts_visible
from dealroom.workspaces.guards import member_view
from dealroom.workspaces.selectors import team_list

from . import selectors, services, visibility
from .models import Opportunity, Stage, Status, TeamRole

# Panels other apps add to a deal's page (the rooms app: the deal room and its engagement),
# registered at start-up: each takes (actor, opportunity), returns (template, context) or None.
DEAL_PANELS: list[Callable[[Any, Any], tuple[str, dict] | None]] = []


def _close_choices() -> list[tuple[str, str]]:
    return [
        ("", _("Any time")),
        ("this_month", _("This month")),
        ("this_quarter", _("This quarter")),
        ("next_quarter", _("Next quarter")),
        ("overdue", _("Overdue")),
    ]


def _detail_url(actor, opportunity_id: int) -> str:
    return reverse("opportunity_detail", args=[actor.workspace.slug, opportunity_id])


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _visible_account_ids(actor, deals) -> set[int]:
    """Which of these deals' accounts the actor may see: one query for a whole board. A deal
    can be visible (deal team) while its account is not; its card then does not name it."""
    return accounts_visible(actor, [d.account_id for d in deals])


@dataclass
class Card:
    """What a board card shows, worked out once in Python: a board renders up to 20 cards per
    column, and per-card URL reversing and plural translation in the template cost more than
    the queries (benchmarks/pipeline.py)."""

    opp: Opportunity
    url: str
    account: str
    owner: str
    amount: str  # "" when the reader may not see amounts
    days_label: str
    stuck: bool


def _cards(actor, deals) -> list[Card]:
    visible = _visible_account_ids(actor, deals)
    show_amounts = selectors.amounts_visible(actor)
    hidden = _("(an account you cannot see)")
    # "/w/<slug>/deals/0/" → "/w/<slug>/deals/": each card's page is the prefix plus its id.
    prefix = reverse("opportunity_detail", args=[actor.workspace.slug, 0]).removesuffix("0/")
    cards = []
    for opp in deals:
        days = selectors.days_in_stage(opp)
        cards.append(
            Card(
                opp=opp,
                url=f"{prefix}{opp.pk}/",
                account=opp.account.name if opp.account_id in visible else hidden,
                owner=opp.owner.user.full_name if opp.owner else "",
                amount=money(opp.amount, opp.currency) if show_amounts else "",
                days_label=ngettext("%(days)d day", "%(days)d days", days) % {"days": days},
                stuck=selectors.is_stuck(opp),
            )
        )
    return cards


# -- the board -------------------------------------------------------------------------------


@member_view
def board_home(request, actor):
    """The board this browser showed last in this workspace, else the board of the type the
    member's team works in most (a dense-sales rep lands on their own pipeline, not on the
    first one of the list), else the first; the deal list when there is no staged type."""
    staged = [t for t in selectors.type_list(actor=actor) if t.is_staged]
    last = query_int(request.COOKIES.get(_board_cookie(actor), ""))
    chosen = next((t for t in staged if t.pk == last), None)
    if chosen is None and staged:
        usual = selectors.team_board_type_id(actor=actor, type_ids=[t.pk for t in staged])
        chosen = next((t for t in staged if t.pk == usual), staged[0])
    if chosen is None:
        return redirect("opportunity_list", actor.workspace.slug)
    return redirect("pipeline_board", actor.workspace.slug, chosen.pk)


def _board_cookie(actor) -> str:
    return f"board_{actor.workspace_id}"


@member_view
def board(request, actor, type_id: int):
    opp_type = selectors.type_get(actor=actor, type_id=type_id)
    if not opp_type.is_staged:
        # Renewals and referrals have no stages: their deals are a list of that type.
        url = reverse("opportunity_list", args=[actor.workspace.slug])
        return redirect(f"{url}?f.type={opp_type.pk}")
    flt = selectors.BoardFilter.parse(request.GET)
    columns = selectors.board(actor=actor, opp_type=opp_type, flt=flt)
    cards = iter(_cards(actor, [opp for column in columns for opp in column.cards]))
    context = {
        "opp_type": opp_type,
        "types": selectors.type_list(actor=actor),
        "columns": [(column, [next(cards) for _opp in column.cards]) for column in columns],
        "flt": flt,
        "can_move": actor.can_write,
        "can_create": access.can_create(actor),
        "members": _members(actor),
        "teams": list(team_list(actor=actor)),
        "close_choices": _close_choices(),
        "querystring": request.GET.urlencode(),
    }
    template = "pipeline/_board.html" if is_htmx(request) else "pipeline/board.html"
    response = render(request, template, context)
    # Remembered per browser, so opening a board writes nothing to the database.
    response.set_cookie(
        _board_cookie(actor),
        str(opp_type.pk),
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@member_view
@fragment_view(
    lambda request, actor, type_id, stage_id: reverse(
        "pipeline_board", args=[actor.workspace.slug, type_id]
    )
)
def board_column(request, actor, type_id: int, stage_id: int):
    """More cards of one column, appended under the ones shown ("show more")."""
    opp_type = selectors.type_get(actor=actor, type_id=type_id)
    stage = next(
        (s for s in selectors.stage_list(actor=actor, opp_type=opp_type) if s.pk == stage_id),
        None,
    )
    if stage is None:
        raise NotFound()
    offset = query_int(request.GET.get("offset") or "0", minimum=0, maximum=MAX_OFFSET)
    if offset is None:
        message = _("Enter a whole number from %(min)d to %(max)d.")
        raise Invalid(fields={"offset": message % {"min": 0, "max": MAX_OFFSET}})
    flt = selectors.BoardFilter.parse(request.GET)
    cards = selectors.column_cards(
        actor=actor, opp_type=opp_type, stage=stage, flt=flt, offset=offset
    )
    params = request.GET.copy()
    params["offset"] = str(offset + len(cards))
    return render(
        request,
        "pipeline/_column_cards.html",
        {
            "opp_type": opp_type,
            "stage": stage,
            "cards": _cards(actor, cards),
            "more": len(cards) == selectors.CARDS_PER_COLUMN,
            "next_query": params.urlencode(),
            "can_move": actor.can_write,
        },
    )


# -- creating a deal -------------------------------------------------------------------------


@member_view
def opportunity_create(request, actor):
    if not access.can_create(actor):
        raise Forbidden()
    types = list(selectors.type_list(actor=actor))
    chosen = request.POST.get("type") or request.GET.get("type") or ""
    opp_type = next((t for t in types if str(t.pk) == chosen), None)
    if opp_type is None:
        # First the kind of deal: its stages (or none) decide the rest of the form.
        return render(request, "pipeline/choose_type.html", {"types": types})
    form = _record_form(request, actor, "opportunity")
    _preselect_account(actor, form, request.POST.get("account") or request.GET.get("account"))
    stages = selectors.stage_list(actor=actor, opp_type=opp_type)
    owner_choices = _owner_choices(actor, "opportunity")
    if request.method == "POST" and form.is_valid():
        try:
            opp = services.opportunity_create(
                actor=actor,
                type_id=opp_type.pk,
                data=form.changes(),
                stage_id=request.POST.get("stage") or None,
                owner_id=request.POST.get("owner") if owner_choices else None,
            )
            messages.success(request, _("Deal created."))
            return redirect(_detail_url(actor, opp.pk))
        except DomainError as e:
            add_domain_errors(form, e)
            if "stage" in e.fields:
                form.add_error(None, e.fields["stage"])
    return render(
        request,
        "pipeline/form.html",
        {
            "object_type": "opportunity",
            "plural": "deals",
            "form": form,
            "opp_type": opp_type,
            "stages": stages,
            "selected_stage": request.POST.get("stage", ""),
            "owner_choices": owner_choices,
            "selected_owner": request.POST.get("owner", str(actor.membership.pk)),
        },
        status=400 if form.errors else 200,
    )


def _preselect_account(actor, form, account_id) -> None:
    """ "New deal" from an account's page: that account chosen, even when it is not among
    the first accounts the picker lists."""
    if not str(account_id or "").isdigit() or "account" not in form.fields:
        return
    account_id = int(account_id)
    if account_id not in accounts_visible(actor, [account_id]):
        return
    widget = form.fields["account"].widget
    if str(account_id) not in {str(v) for v, _label in widget.choices}:
        name = Account.objects.filter(pk=account_id).values_list("name", flat=True).first()
        widget.choices = [*widget.choices, (str(account_id), name or "")]
    form.initial["account"] = str(account_id)


# -- a deal's page ---------------------------------------------------------------------------


def _stage_path(actor, opp) -> list[tuple[Stage, str]]:
    """The type's stages with each one's state for this deal: done, current or next. A stage
    archived since the deal entered it still shows, where it stood."""
    stages = selectors.stage_list(actor=actor, opp_type=opp.type, with_archived=True)
    current = next((s for s in stages if s.pk == opp.stage_id), None)
    path = []
    for stage in stages:
        if stage.archived_at is not None and stage.pk != opp.stage_id:
            continue
        if current is None or stage.position > current.position:
            state = "next"
        elif stage.pk == opp.stage_id:
            state = "current"
        elif stage.position == current.position and stage.pk > current.pk:
            state = "next"
        else:
            state = "done"
        path.append((stage, state))
    return path


@member_view
def opportunity_detail(request, actor, record_id: int):
    opp = selectors.opportunity_get(actor=actor, opportunity_id=record_id)
    return render(request, "pipeline/detail.html", _deal_context(actor, opp))


def _deal_context(actor, opp, **forms) -> dict:
    context = _detail_context(actor, "opportunity", opp, **forms)
    history = selectors.stage_history(actor=actor, opportunity=opp)
    team = selectors.deal_team(opportunity=opp)
    can_edit = context["can_edit"] and opp.archived_at is None
    context.update(
        {
            "opp": opp,
            "account_visible": bool(_visible_account_ids(actor, [opp])),
            "amounts_visible": selectors.amounts_visible(actor),
            "path": _stage_path(actor, opp) if opp.type.is_staged else [],
            "checklist": selectors.checklist(opportunity=opp),
            "history": history,
            "time_in_stages": selectors.time_in_stages(history),
            "days_in_stage": selectors.days_in_stage(opp),
            "stuck": selectors.is_stuck(opp),
            "team": team,
            "team_rows": _team_rows(team),
            "team_roles": TeamRole.choices,
            "contacts": selectors.deal_contacts(actor=actor, opportunity=opp),
            "contact_roles": ContactRole.choices,
            "loss_reasons": list(selectors.loss_reason_list(actor=actor)),
            "can_move": can_edit and opp.is_open,
            "can_edit": can_edit,
            "can_reopen": not opp.is_open and visibility.can_reopen(actor),
            "can_probability": can_edit
            and opp.is_open
            and opp.type.is_staged
            and _field_editable(actor, "probability"),
            "statuses": Status,
            "panels": [p for p in (panel(actor, opp) for panel in DEAL_PANELS) if p],
        }
    )
    return context


def _field_editable(actor, name: str) -> bool:
    from dealroom.customers.visibility import field_rules

    return field_rules(actor, visibility.OBJECT_TYPE).can_edit(name)


def _team_rows(team) -> list[dict]:
    """The team editor's rows: the current members and two empty rows to add people."""
    rows = [{"member_id": str(m.member_id), "role": m.role, "split": m.split} for m in team]
    return rows + [{"member_id": "", "role": "", "split": ""}] * 2


def account_deals_panel(actor, account) -> tuple[str, dict]:
    """The deals on an account's page, grouped by type with totals (registered in apps.py)."""
    return "pipeline/_account_deals.html", {
        "groups": selectors.account_opportunities(actor=actor, account=account),
        "referrals": selectors.account_referrals(actor=actor, account=account),
        "amounts_visible": selectors.amounts_visible(actor),
        "can_create": access.can_create(actor) and account.archived_at is None,
    }


def list_choices(actor) -> dict[str, list[tuple[str, str]]]:
    """The deal list's filters on type, stage and loss reason (registered in apps.py)."""
    types = list(selectors.type_list(actor=actor, active_only=False))
    names = {t.pk: str(t) for t in types}
    stages = [
        (str(stage.pk), f"{names.get(stage.type_id, '')} · {stage}")
        for stage in selectors.stage_list(actor=actor, opp_type=None)
    ]
    reasons = selectors.loss_reason_list(actor=actor, active_only=False)
    return {
        "type": [(str(t.pk), str(t)) for t in types],
        "stage": stages,
        "loss_reason": [(str(r.pk), r.name) for r in reasons],
    }


def convert_fields(actor) -> dict[str, forms.Field]:
    """What converting a lead adds: a first deal of a chosen type (registered in apps.py)."""
    types = [(str(t.pk), str(t)) for t in selectors.type_list(actor=actor) if t.variant != "tag"]
    return {
        "deal_type": forms.ChoiceField(
            label=_("Also open a deal"),
            required=False,
            choices=[("", _("No deal yet")), *types],
        ),
        "deal_name": forms.CharField(
            label=_("Deal name"),
            required=False,
            max_length=200,
            help_text=_("Empty: named after the lead."),
        ),
        "deal_amount": forms.CharField(label=_("Amount"), required=False),
    }


def convert_with_deal(*, actor, lead_id, account_id, contact_id, data):
    if not data.get("deal_type"):
        return None
    return services.lead_convert_with_deal(
        actor=actor,
        lead_id=lead_id,
        account_id=account_id,
        contact_id=contact_id,
        type_id=data["deal_type"],
        deal={"name": data.get("deal_name", ""), "amount": data.get("deal_amount", "")},
    )


# -- the deal's buttons ----------------------------------------------------------------------


def _act(request, actor, record_id: int, do, done: str):
    """Run a service for a form on the deal's page (or the board's drag, asking for JSON)."""
    try:
        do()
    except DomainError as e:
        if _wants_json(request):
            return JsonResponse(e.as_dict(), status=e.status)
        flash_domain_error(request, e)
        return redirect(_detail_url(actor, record_id))
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": done})
    messages.success(request, done)
    return redirect(_detail_url(actor, record_id))


@require_POST
@member_view
def opportunity_move(request, actor, record_id: int):
    return _act(
        request,
        actor,
        record_id,
        lambda: services.opportunity_move(
            actor=actor,
            opportunity_id=record_id,
            stage_id=request.POST.get("stage"),
            from_stage_id=request.POST.get("from_stage") or None,
        ),
        _("Stage changed."),
    )


@require_POST
@member_view
def opportunity_win(request, actor, record_id: int):
    return _act(
        request,
        actor,
        record_id,
        lambda: services.opportunity_win(actor=actor, opportunity_id=record_id),
        _("Marked as won."),
    )


@require_POST
@member_view
def opportunity_lose(request, actor, record_id: int):
    return _act(
        request,
        actor,
        record_id,
        lambda: services.opportunity_lose(
            actor=actor,
            opportunity_id=record_id,
            reason_id=request.POST.get("reason"),
            note=request.POST.get("note", ""),
        ),
        _("Marked as lost."),
    )


@require_POST
@member_view
def opportunity_reopen(request, actor, record_id: int):
    return _act(
        request,
        actor,
        record_id,
        lambda: services.opportunity_reopen(
            actor=actor, opportunity_id=record_id, note=request.POST.get("note", "")
        ),
        _("Deal reopened."),
    )


@require_POST
@member_view
def opportunity_probability(request, actor, record_id: int):
    return _act(
        request,
        actor,
        record_id,
        lambda: services.opportunity_probability_set(
            actor=actor,
            opportunity_id=record_id,
            probability=request.POST.get("probability", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("Probability saved."),
    )


@require_POST
@member_view
def deal_team(request, actor, record_id: int):
    """The team editor posts parallel lists; rows left empty are not members."""
    rows = zip(
        request.POST.getlist("member_id"),
        request.POST.getlist("role"),
        request.POST.getlist("split"),
        strict=False,
    )
    members = [
        {"member_id": m, "role": r, "split": s} for m, r, s in rows if m.strip() or s.strip()
    ]
    return _act(
        request,
        actor,
        record_id,
        lambda: services.deal_team_set(actor=actor, opportunity_id=record_id, members=members),
        _("Deal team saved."),
    )


@require_POST
@member_view
def deal_contact_set(request, actor, record_id: int):
    return _act(
        request,
        actor,
        record_id,
        lambda: services.opportunity_contact_set(
            actor=actor,
            opportunity_id=record_id,
            contact_id=request.POST.get("contact"),
            role=request.POST.get("role", ""),
        ),
        _("Contact added to the deal."),
    )


@require_POST
@member_view
def deal_contact_remove(request, actor, record_id: int, contact_id: int):
    return _act(
        request,
        actor,
        record_id,
        lambda: services.opportunity_contact_remove(
            actor=actor, opportunity_id=record_id, contact_id=contact_id
        ),
        _("Contact removed from the deal."),
    )


@require_POST
@member_view
def milestone_toggle(request, actor, record_id: int, milestone_id: int):
    done = request.POST.get("done") == "1"
    return _act(
        request,
        actor,
        record_id,
        lambda: services.milestone_set(
            actor=actor, opportunity_id=record_id, milestone_id=milestone_id, done=done
        ),
        _("Checklist updated."),
    )
