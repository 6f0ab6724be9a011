from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import translation

from .describe import describe
from .models import ActivityEvent


@task()
def mail_notifications(*, event_id: int) -> int:
    """E-mail each person notified of an event, in their own language. Returns mails sent."""
    event = ActivityEvent.objects.select_related("workspace").filter(pk=event_id).first()
    if event is None:
        return 0
    sent = 0
    for note in event.notifications.select_related("recipient"):
        user = note.recipient
        if not user.is_active:
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            text = describe(event)
            subject = f"[{event.workspace.name}] {text}"
            url = f"{settings.SITE_URL}/w/{event.workspace.slug}/activity/"
            send_mail(subject[:200], f"{text}\n\n{url}\n", None, [user.email])
        sent += 1
    return sent
