import django.db.models.deletion
from django.db import migrations, models


def milestone_authors(apps, schema_editor):
    """Who added each existing milestone, as its "created" event says: a guest keeps the
    right to change the milestones they made before the column existed."""
    ActivityEvent = apps.get_model("activity", "ActivityEvent")
    Milestone = apps.get_model("rooms", "Milestone")
    RoomMember = apps.get_model("rooms", "RoomMember")
    events = ActivityEvent.objects.filter(
        target_type="rooms.room", verb="room_milestone.created"
    ).values_list("target_id", "data")
    for room_id, data in events.iterator():
        milestone, member = (data or {}).get("milestone"), (data or {}).get("by_member")
        if (
            isinstance(milestone, int)
            and isinstance(member, int)
            and RoomMember.objects.filter(pk=member, room_id=room_id).exists()
        ):
            Milestone.objects.filter(pk=milestone, room_id=room_id).update(created_by_id=member)


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0006_guest_grants"),
        ("activity", "0005_alter_activityevent_audience"),
    ]

    operations = [
        migrations.AddField(
            model_name="engagement",
            name="told_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="milestone",
            name="created_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="rooms.roommember",
            ),
        ),
        migrations.RunPython(milestone_authors, migrations.RunPython.noop),
    ]
