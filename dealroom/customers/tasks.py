from django.tasks import task

from dealroom.core.periodic import schedule_next
from dealroom.workspaces.models import Workspace

from . import services


@task()
def sweep_lead_pool() -> int:
    """Return leads nobody touched for too long to each workspace's pool; runs hourly."""
    returned = 0
    try:
        for workspace in Workspace.objects.all().iterator():
            returned += services.lead_return_stale(workspace=workspace)
    finally:
        schedule_next("dealroom.customers.tasks.sweep_lead_pool")
    return returned
