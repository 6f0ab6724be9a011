"""Customer master data: accounts (companies and households), contacts and their roles on
accounts, leads and the lead pool, custom fields, field permissions, collaborators, saved
views and the search index. Who may see what is decided in visibility.py, nowhere else."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dealroom.workspaces.models import Membership, Workspace

from .lookups import TokenField
from .querysets import AccountQuerySet, ContactQuerySet, LeadQuerySet, WorkspaceQuerySet


class ObjectType(models.TextChoices):
    ACCOUNT = "account", _("Account")
    CONTACT = "contact", _("Contact")
    LEAD = "lead", _("Lead")
    OPPORTUNITY = "opportunity", _("Opportunity")  # the pipeline app's records


class CustomerSettings(models.Model):
    """Per-workspace rules for customer data; a workspace without a row uses the defaults."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="customer_settings"
    )
    phone_region = models.CharField(_("default phone region"), max_length=2, default="CN")
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    reps_see_all = models.BooleanField(_("reps see all customers"), default=False)
    lead_claim_limit = models.PositiveIntegerField(_("open leads a rep may hold"), default=50)
    lead_return_days = models.PositiveIntegerField(
        _("days before an untouched lead returns to the pool"), default=14
    )

    def __str__(self) -> str:
        return f"customer settings of {self.workspace_id}"


class Record(models.Model):
    """What accounts, contacts and leads share: a workspace, an owner, custom field values,
    a version number (optimistic locking) and archiving."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        Membership,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    custom = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class AccountKind(models.TextChoices):
    COMPANY = "company", _("Company")
    HOUSEHOLD = "household", _("Household")


class AccountSize(models.TextChoices):
    MICRO = "1-10", _("1–10 people")
    SMALL = "11-50", _("11–50 people")
    MEDIUM = "51-200", _("51–200 people")
    LARGE = "201-1000", _("201–1,000 people")
    ENTERPRISE = "1000+", _("More than 1,000 people")


class Account(Record):
    kind = models.CharField(
        _("kind"), max_length=10, choices=AccountKind.choices, default=AccountKind.COMPANY
    )
    name = models.CharField(pgettext_lazy("customer", "name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    region = models.CharField(_("region"), max_length=80, blank=True)
    product = models.CharField(_("product line"), max_length=80, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=AccountSize.choices, blank=True)
    website = models.URLField(_("website"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    credit_terms = models.CharField(_("credit terms"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = AccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["workspace", "name"], name="account_ws_name"),
            models.Index(fields=["workspace", "owner"], name="account_ws_owner"),
            models.Index(fields=["workspace", "-updated_at"], name="account_ws_updated"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(Record):
    full_name = models.CharField(_("full name"), max_length=200)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)  # E.164 strings
    emails = models.JSONField(_("e-mails"), default=list, blank=True)  # lower-case
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    qq = models.CharField(_("QQ"), max_length=20, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=32, blank=True)
    linkedin = models.CharField(_("LinkedIn"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["workspace", "full_name"], name="contact_ws_name"),
            models.Index(fields=["workspace", "owner"], name="contact_ws_owner"),
            models.Index(fields=["workspace", "-updated_at"], name="contact_ws_updated"),
        ]

    def __str__(self) -> str:
        return self.full_name


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    TECHNICAL_EVALUATOR = "technical_evaluator", _("Technical evaluator")
    PROCUREMENT = "procurement", _("Procurement")
    REGISTRANT = "registrant", _("Registrant")
    PAYER = "payer", _("Decision maker / payer")
    USER = "user", _("User")
    OTHER = "other", _("Other")


ROLES_BY_KIND = {
    AccountKind.COMPANY: [
        ContactRole.DECISION_MAKER,
        ContactRole.INFLUENCER,
        ContactRole.TECHNICAL_EVALUATOR,
        ContactRole.PROCUREMENT,
        ContactRole.USER,
        ContactRole.OTHER,
    ],
    AccountKind.HOUSEHOLD: [
        ContactRole.REGISTRANT,
        ContactRole.PAYER,
        ContactRole.USER,
        ContactRole.OTHER,
    ],
}


class AccountContact(models.Model):
    """A contact's place at an account, with their role there (one contact, many accounts)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="links")
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="links", db_index=False
    )
    role = models.CharField(_("role"), max_length=30, choices=ContactRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # A copy of the account's owner, kept by the services that link contacts and change an
    # account's owner. A rep sees the contacts of the accounts they (or their team) own: with
    # the owner on the link that is one range of an index, instead of one index probe per
    # owned account (a rep's 2,500 accounts: 8,500 page reads, ~20 ms a list statement).
    account_owner = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "contact"], name="account_contact_unique")
        ]
        indexes = [
            models.Index(fields=["account_owner", "contact"], name="link_account_owner_contact"),
            # A contact's links with what decides their visibility, read from the index alone
            # (a search checks thousands of candidate contacts this way).
            models.Index(
                fields=["contact", "account_owner", "account"], name="link_contact_owner_account"
            ),
        ]


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


OPEN_LEAD_STATUSES = [LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED]


class LeadSource(models.TextChoices):
    CAMPAIGN = "campaign", _("Campaign")
    WEB_FORM = "web_form", _("Web form")
    SELF = "self", _("Self-entered")
    IMPORT = "import", _("Import")
    REFERRAL = "referral", _("Referral")


class DisqualifyReason(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="disqualify_reasons"
    )
    name = models.CharField(_("reason"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="disqualify_reason_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Lead(Record):
    """Unqualified interest. No owner = in the lead pool, where reps claim it."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)  # E.164
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    region = models.CharField(_("region"), max_length=80, blank=True)
    industry = models.CharField(_("industry"), max_length=80, blank=True)
    product = models.CharField(_("product line"), max_length=80, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=LeadSource.choices, default=LeadSource.SELF
    )
    campaign = models.CharField(_("campaign"), max_length=120, blank=True)
    referred_by = models.ForeignKey(
        Account,
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred_leads",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    disqualify_reason = models.ForeignKey(
        DisqualifyReason,
        verbose_name=_("disqualification reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    last_touched_at = models.DateTimeField(_("last touched"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    converted_account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["workspace", "owner", "status"], name="lead_ws_owner_status"),
            models.Index(fields=["workspace", "-updated_at"], name="lead_ws_updated"),
            models.Index(fields=["status", "last_touched_at"], name="lead_stale"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.company_name or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEAD_STATUSES


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    USER = "user", _("Member")


class CustomField(models.Model):
    """A workspace-defined field; values live in the record's `custom` JSON under `key`."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(_("object"), max_length=20, choices=ObjectType.choices)
    key = models.SlugField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=80)
    kind = models.CharField(_("type"), max_length=20, choices=FieldKind.choices)
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    in_list = models.BooleanField(_("show in lists"), default=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["object_type", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "object_type", "key"], name="custom_field_unique_key"
            )
        ]

    def __str__(self) -> str:
        return self.label


class FieldAccess(models.TextChoices):
    HIDDEN = "hidden", _("Hidden")
    READONLY = "readonly", _("Read-only")


class FieldPermission(models.Model):
    """Restricts one field of one object for one role. No row = visible and editable.
    Admins are never restricted (they could otherwise lock everyone out)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    field = models.CharField(max_length=60)  # a standard field name or "custom.<key>"
    role = models.CharField(max_length=20)
    access = models.CharField(max_length=10, choices=FieldAccess.choices)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "object_type", "field", "role"], name="field_permission_unique"
            )
        ]


class CollaboratorLevel(models.TextChoices):
    FOLLOW = "follow", _("Follow (see and be notified of changes)")
    VIEW = "view", _("View")
    EDIT = "edit", _("Edit")


class Collaborator(models.Model):
    """A member given access to one record beyond what ownership and teams give."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    object_id = models.BigIntegerField()
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("access"), max_length=10, choices=CollaboratorLevel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "member"], name="collaborator_unique"
            )
        ]
        indexes = [models.Index(fields=["member", "object_type"], name="collaborator_member")]


class SavedView(models.Model):
    """A member's named filter and sort for a list page (the query string of the list)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    name = models.CharField(pgettext_lazy("saved view", "name"), max_length=80)
    query = models.CharField(max_length=2000)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "object_type", "name"], name="saved_view_unique"
            )
        ]


class SearchTerm(models.Model):
    """One searchable token of a record (search.py writes them, one row per token and field,
    so that a field hidden from a role is also unsearchable for it)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=10)
    object_id = models.BigIntegerField()
    field = models.CharField(max_length=60)
    token = TokenField(max_length=80)

    class Meta:
        indexes = [
            # opclasses only take effect on PostgreSQL, where they let LIKE 'x%' use the index;
            # other databases ignore them (search.py compares a range there).
            models.Index(
                fields=["workspace", "token"],
                name="search_term_token",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["object_type", "object_id"], name="search_term_object"),
        ]
