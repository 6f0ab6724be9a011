from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "dealroom.pipeline"
    label = "pipeline"

    def ready(self):
        # Opportunities are records like accounts: the customers app's record services, pages,
        # field catalogue, field permissions and timelines serve them once told how (explicit
        # registration, no signals). Who sees a deal is this app's rule (visibility.py).
        from dealroom.activity import links, targets
        from dealroom.customers import fields
        from dealroom.customers import visibility as customer_visibility
        from dealroom.customers.views.leads import CONVERT_EXTRAS, ConvertExtra
        from dealroom.customers.views.lists import REASON_CHOICES
        from dealroom.customers.views.records import ACCOUNT_PANELS
        from dealroom.customers.views.search import SEARCH_EXTRAS

        from . import search, views, visibility
        from .fields import opportunity_fields
        from .models import Opportunity

        object_type = visibility.OBJECT_TYPE
        customer_visibility.register(
            object_type,
            Opportunity,
            extra_editors=visibility.on_deal_team,
            related=["owner__user", "account", "type", "stage", "loss_reason", "referred_by"],
            default_sort="close_date",
        )
        fields.REGISTERED[object_type] = opportunity_fields
        targets.register(
            Opportunity._meta.label_lower,
            visible_ids=visibility.visible_ids,
            redact=customer_visibility.redactor_for(object_type),
        )
        links.register(
            Opportunity._meta.label_lower, links.pages(Opportunity, "opportunity_detail")
        )
        # What deals add to customer pages: the account's deals, a lead's first deal on
        # conversion, the deal list's type / stage / loss reason filters, the search box.
        ACCOUNT_PANELS.append(views.account_deals_panel)
        CONVERT_EXTRAS.append(
            ConvertExtra(fields=views.convert_fields, convert=views.convert_with_deal)
        )
        REASON_CHOICES[object_type] = views.list_choices
        SEARCH_EXTRAS.append((object_type, search.opportunity_search))
