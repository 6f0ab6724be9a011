from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "dealroom.customers"
    label = "customers"

    def ready(self):
        # Events about customer records are seen by whoever may see the record, with hidden
        # fields taken out: tell the activity app how (an explicit registry, not signals).
        from dealroom.activity import links, targets

        from . import visibility

        for object_type, model in visibility.MODELS.items():
            targets.register(
                model._meta.label_lower,
                visible_ids=visibility.visible_ids_for(object_type),
                redact=visibility.redactor_for(object_type),
            )
            links.register(model._meta.label_lower, links.pages(model, f"{object_type}_detail"))
