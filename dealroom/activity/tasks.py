from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import translation

from .describe import describe
from .models import ActivityEvent


def _still_sees(user, event: ActivityEvent) -> bool:
    """The bell's rule at sending time: an active member who may read the event now (the
    socket and the notification list ask the same `visible_to`)."""
    from dealroom.core.actors import Member
    from dealroom.workspaces.models import Membership

    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace_id=event.workspace_id, user=user, is_active=True)
        .first()
    )
    if membership is None:
        return False
    return ActivityEvent.objects.visible_to(Member(membership)).filter(pk=event.pk).exists()


@task()
def mail_notifications(*, event_id: int) -> int:
    """E-mail each person notified of an event, in their own language. Returns mails sent."""
    event = ActivityEvent.objects.select_related("workspace").filter(pk=event_id).first()
    if event is None:
        return 0
    sent = 0
    for note in event.notifications.select_related("recipient"):
        user = note.recipient
        if not user.is_active or not _still_sees(user, event):
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            text = describe(event)
            subject = f"[{event.workspace.name}] {text}"
            url = f"{settings.SITE_URL}/w/{event.workspace.slug}/activity/"
            send_mail(subject[:200], f"{text}\n\n{url}\n", None, [user.email])
        sent += 1
    return sent
