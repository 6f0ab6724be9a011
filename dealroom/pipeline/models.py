"""Opportunities and the pipelines they move through.

An opportunity type (a pipeline) is configured per workspace: `staged` types have ordered
stages with gates (fields required to enter, an exit checklist), `simple` types (renewals) have
only amount, due date and status, `tag` types (referrals) mark an account as referred by
another. Stage history is append-only; time in stage is read from it. Who sees which
opportunity is decided in pipeline/visibility.py, nowhere else."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dealroom.customers.models import Account, Contact, ContactRole, Lead, Record
from dealroom.customers.querysets import WorkspaceQuerySet
from dealroom.workspaces.models import Membership, Workspace

from .querysets import OpportunityQuerySet


class Bilingual(models.Model):
    """A name an admin gives in English and Chinese; people read it in their language."""

    name = models.CharField(_("name"), max_length=80)
    name_zh = models.CharField(_("Chinese name"), max_length=80, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        if self.name_zh and (get_language() or "").lower().startswith("zh"):
            return self.name_zh
        return self.name


class Variant(models.TextChoices):
    STAGED = "staged", _("Staged deal")
    SIMPLE = "simple", _("Simple deal (amount, date, status)")
    TAG = "tag", _("Referral tag")


class OpportunityType(Bilingual):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(_("variant"), max_length=10, choices=Variant.choices)
    position = models.PositiveIntegerField(default=0)
    require_checklist = models.BooleanField(
        _("checklist must be complete before leaving a stage"), default=False
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    @property
    def is_staged(self) -> bool:
        return self.variant == Variant.STAGED


class ForecastCategory(models.TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    CLOSED_WON = "closed_won", _("Closed won")
    CLOSED_LOST = "closed_lost", _("Closed lost")


# A stage holds open deals; won and lost deals count as closed whatever stage they ended in.
OPEN_CATEGORIES = (ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.COMMIT)


class Stage(Bilingual):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    type = models.ForeignKey(OpportunityType, on_delete=models.CASCADE, related_name="stages")
    position = models.PositiveIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(_("default win probability (%)"), default=10)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=12,
        choices=[(c.value, c.label) for c in OPEN_CATEGORIES],
        default=ForecastCategory.PIPELINE,
    )
    required_fields = models.JSONField(_("fields required to enter"), default=list, blank=True)
    guidance = models.TextField(_("guidance"), blank=True)
    suggested_tasks = models.JSONField(_("suggested tasks"), default=list, blank=True)
    stuck_days = models.PositiveIntegerField(_("stuck after days"), null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["type", "position", "id"]


class Milestone(models.Model):
    """One item of a stage's exit checklist."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=120)
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class LossReason(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("reason"), max_length=80)
    is_active = models.BooleanField(default=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="loss_reason_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Source(models.TextChoices):
    SELF = "self", _("Own prospecting")
    LEAD = "lead", _("Lead")
    REFERRAL = "referral", _("Referral")
    CAMPAIGN = "campaign", _("Campaign")
    PARTNER = "partner", _("Partner")
    EXISTING = "existing", _("Existing customer")


class Opportunity(Record):
    type = models.ForeignKey(
        OpportunityType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("deal name"), max_length=200)
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="opportunities"
    )
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    close_date = models.DateField(_("expected close date"), null=True, blank=True)
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), null=True, blank=True, on_delete=models.PROTECT
    )
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    probability = models.PositiveSmallIntegerField(_("win probability (%)"), null=True, blank=True)
    probability_reason = models.CharField(_("why this probability"), max_length=200, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    loss_reason = models.ForeignKey(
        LossReason,
        verbose_name=_("loss reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    loss_note = models.CharField(_("loss note"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.SELF
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    referred_by = models.ForeignKey(
        Account,
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            # the board: open deals of one type per stage, newest close date first
            models.Index(fields=["workspace", "type", "status", "stage"], name="opp_board"),
            models.Index(fields=["workspace", "name"], name="opp_ws_name"),
            models.Index(fields=["workspace", "updated_at"], name="opp_ws_updated"),
            models.Index(fields=["workspace", "close_date"], name="opp_ws_close"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def effective_probability(self) -> int:
        if self.status == Status.WON:
            return 100
        if self.status == Status.LOST:
            return 0
        if self.probability is not None:
            return self.probability
        return self.stage.probability if self.stage_id and self.stage else 0

    @property
    def forecast_category(self) -> str:
        if self.status == Status.WON:
            return ForecastCategory.CLOSED_WON
        if self.status == Status.LOST:
            return ForecastCategory.CLOSED_LOST
        return self.stage.forecast_category if self.stage else ForecastCategory.PIPELINE


class StageChange(models.Model):
    """Append-only: every stage move and every status change (won, lost, reopened)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="history")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    changed_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["opportunity", "changed_at"], name="stage_change_opp")]


class MilestoneDone(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="milestones_done"
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="+")
    done_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "milestone"], name="milestone_once")
        ]


class TeamRole(models.TextChoices):
    CO_SELLER = "co_seller", _("Co-seller")
    PRESALES = "presales", _("Pre-sales engineer")
    SPONSOR = "sponsor", _("Executive sponsor")
    PARTNER = "partner", _("Partner manager")
    SUPPORT = "support", _("Customer success")
    OTHER = "other", _("Other")


class DealTeamMember(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="team")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=12, choices=TeamRole.choices)
    split = models.PositiveSmallIntegerField(_("revenue split (%)"), default=0)

    class Meta:
        ordering = ["-split", "id"]
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "member"], name="deal_team_once")
        ]


class OpportunityContact(models.Model):
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="contact_links"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=20, choices=ContactRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "contact"], name="deal_contact_once")
        ]
