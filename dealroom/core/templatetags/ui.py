from django import forms, template

from dealroom.core import formatting

register = template.Library()


@register.filter
def control(bound_field):
    """Render a form field's widget with the design system's classes (and error state)."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    return bound_field.as_widget(attrs={"class": css})


# How names, amounts and dates read: core/formatting.py, for templates.
register.filter("initials", formatting.initials)
register.filter("money", formatting.money)
register.filter("day", formatting.day)
register.filter("when", formatting.when)
