from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "dealroom.pipeline"
    label = "pipeline"

    def ready(self):
        # Opportunities are records like accounts: the customers app's record services, field
        # catalogue, field permissions and timelines serve them once told how (explicit
        # registration, no signals). Who sees a deal is this app's rule (visibility.py).
        from dealroom.activity import targets
        from dealroom.customers import fields
        from dealroom.customers import visibility as customer_visibility

        from . import visibility
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
        from dealroom.customers.views.records import ACCOUNT_PANELS

        from .views import account_deals_panel

        ACCOUNT_PANELS.append(account_deals_panel)
        from dealroom.customers.views.leads import CONVERT_EXTRAS, ConvertExtra

        from .views import convert_fields, convert_with_deal

        CONVERT_EXTRAS.append(ConvertExtra(fields=convert_fields, convert=convert_with_deal))
        targets.register(
            Opportunity._meta.label_lower,
            visible_ids=visibility.visible_ids,
            redact=customer_visibility.redactor_for(object_type),
        )
