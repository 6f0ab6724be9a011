from django.db import migrations, models


def mark_comments_with_files(apps, schema_editor):
    """Comments that had a file before the hint existed get it now."""
    Comment = apps.get_model("rooms", "Comment")
    RoomFile = apps.get_model("rooms", "RoomFile")
    with_files = RoomFile.objects.filter(comment__isnull=False).values("comment_id")
    Comment.objects.filter(pk__in=with_files).update(has_files=True)


class Migration(migrations.Migration):
    dependencies = [
        ("rooms", "0004_member_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="has_files",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_comments_with_files, migrations.RunPython.noop),
    ]
