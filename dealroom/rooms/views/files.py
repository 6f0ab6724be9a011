"""Files in a room over HTTP, for sellers (/w/…) and guests (/g/…) alike.

Downloads are authorised again on every request through the selectors: a file the reader may
not see now — internal, deleted, another room's — is a 404, the same as one that never
existed. Files go out as attachments with their stored type, `nosniff` and no caching; only
images, PDFs and videos are shown inline, and only when asked (`?inline=1`); a PDF shown inline
may be framed by our own viewer page and by nobody else. Guests' opens and downloads are counted
(`?preview=1` marks the page's own thumbnails, players and viewer, whose use the heartbeat
counts instead). Uploads and the resources section's actions answer with what
changed, like actions.py."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils.csp import CSP, build_policy
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dealroom.core.actors import Guest

from .. import live, selectors, services
from ..models import RoomFile
from .actions import _changed, _post
from .guards import refused, room_view

CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _not_found(request, actor, room):
    """Refused like a missing file; a guest's refusal is kept on record."""
    if isinstance(actor, Guest):
        refused(actor, request, room.pk)
    return Http404()


def _file_or_404(request, actor, room, file_id) -> RoomFile:
    file = selectors.file_get(actor=actor, file_id=file_id)
    if file is None or file.room_id != room.pk:
        raise _not_found(request, actor, room)
    return file


def _byte_range(request, size: int) -> tuple[int, int] | None:
    """One `Range: bytes=a-b` (what video players ask for); None serves the whole file."""
    found = _RANGE.match(request.headers.get("Range", "").strip())
    if not found or not size:
        return None
    first, last = found.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end else None


def _stream(handle, start: int, length: int):
    try:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


def _partial(handle, file: RoomFile, start: int, end: int, inline: bool):
    response = StreamingHttpResponse(
        _stream(handle, start, end - start + 1), status=206, content_type=file.content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{file.size}"
    response["Content-Length"] = str(end - start + 1)
    disposition = content_disposition_header(not inline, file.original_name)
    if disposition:
        response["Content-Disposition"] = disposition
    return response


@require_GET
@room_view
def file_download(request, actor, room, file_id: int):
    return file_response(request, actor, _file_or_404(request, actor, room, file_id))


def file_response(request, actor, file: RoomFile) -> HttpResponse:
    """A file the actor may have (found through the selectors just now), as pages and the API
    send it: an attachment unless `?inline=1` for a kind shown inline, byte ranges for video,
    a guest's open counted unless `?preview=1`."""
    inline = request.GET.get("inline") == "1" and file.inline
    byte_range = _byte_range(request, file.size) if file.kind == "video" and inline else None
    if request.headers.get("Range") and file.kind == "video" and inline and byte_range is None:
        unsatisfiable = HttpResponse(status=416)
        unsatisfiable["Content-Range"] = f"bytes */{file.size}"
        return unsatisfiable
    try:
        handle = default_storage.open(file.storage_name, "rb")
    except OSError:
        raise Http404() from None
    continuing = byte_range is not None and byte_range[0] > 0
    if request.GET.get("preview") != "1" and not continuing:
        services.file_opened(actor=actor, file_id=file.pk, inline=inline)
    if byte_range is not None:
        response = _partial(handle, file, *byte_range, inline=inline)
    else:
        response = FileResponse(
            handle,
            content_type=file.content_type,
            as_attachment=not inline,
            filename=file.original_name,
        )
        response["Content-Length"] = str(file.size)
    if file.kind == "video":
        response["Accept-Ranges"] = "bytes"
    if inline and file.kind == "pdf":  # the viewer page frames it (resource_viewer)
        # The middlewares leave headers a response already has.
        response["X-Frame-Options"] = "SAMEORIGIN"
        policy: dict[str, Any] = {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]}
        response[CSP.HEADER_ENFORCE] = build_policy(policy)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# -- uploads and attachments -----------------------------------------------------------------


@require_POST
@room_view
def task_file_upload(request, actor, room, task_id: int):
    services.attachment_upload(
        actor=actor, room_id=room.pk, uploaded=request.FILES.get("file"), task_id=task_id
    )
    return _changed(request, actor, room)


@require_POST
@room_view
def file_delete(request, actor, room, file_id: int):
    file = _file_or_404(request, actor, room, file_id)
    services.attachment_delete(actor=actor, file_id=file.pk)
    return _changed(request, actor, room)


# -- the resources section -------------------------------------------------------------------


def _resource_or_404(request, actor, room, resource_id):
    resource = selectors.resource_get(actor=actor, resource_id=resource_id)
    if resource is None or resource.room_id != room.pk:
        raise _not_found(request, actor, room)
    return resource


@require_POST
@room_view
def resource_upload(request, actor, room):
    services.resource_upload(
        actor=actor,
        room_id=room.pk,
        uploaded=request.FILES.get("file"),
        title=_post(request, "title"),
        kind=_post(request, "kind"),
        internal=_post(request, "internal"),
    )
    return _changed(request, actor, room)


@require_POST
@room_view
def resource_link(request, actor, room):
    services.resource_link_add(
        actor=actor,
        room_id=room.pk,
        url=_post(request, "url"),
        title=_post(request, "title"),
        kind=_post(request, "kind") or "link",
        internal=_post(request, "internal"),
    )
    return _changed(request, actor, room)


@require_POST
@room_view
def resource_edit(request, actor, room, resource_id: int):
    resource = _resource_or_404(request, actor, room, resource_id)
    services.resource_update(
        actor=actor,
        resource_id=resource.pk,
        title=_post(request, "title"),
        kind=_post(request, "kind"),
    )
    return _changed(request, actor, room)


@require_POST
@room_view
def resource_internal(request, actor, room, resource_id: int):
    resource = _resource_or_404(request, actor, room, resource_id)
    services.resource_internal_set(
        actor=actor, resource_id=resource.pk, internal=_post(request, "internal")
    )
    return _changed(request, actor, room)


@require_POST
@room_view
def resource_delete(request, actor, room, resource_id: int):
    resource = _resource_or_404(request, actor, room, resource_id)
    services.resource_delete(actor=actor, resource_id=resource.pk)
    return _changed(request, actor, room)


@require_POST
@room_view
def resource_reorder(request, actor, room):
    services.resource_reorder(
        actor=actor, room_id=room.pk, resource_ids=request.POST.getlist("resource")
    )
    return _changed(request, actor, room)


@never_cache
@require_GET
@room_view
def resource_viewer(request, actor, room, resource_id: int):
    """A resource's file shown in a page of its own (a PDF framed, an image, a video), opened
    from the room in a new tab: a guest's time on it is counted for as long as it is open
    (beat.js), which a bare file in a tab could not tell. Files not shown inline, and links,
    have no viewer."""
    resource = _resource_or_404(request, actor, room, resource_id)
    if resource.file is None or not resource.file.inline:
        raise _not_found(request, actor, room)
    slug = request.resolver_match.kwargs["slug"]
    ctx = live.context(
        actor,
        room,
        slug=slug,
        resource=resource,
        workspace=actor.workspace,
        guest_rooms=selectors.my_rooms(actor=actor) if isinstance(actor, Guest) else [],
    )
    return render(request, "rooms/resource_viewer.html", ctx)


@require_GET
@room_view
def resource_open(request, actor, room, resource_id: int):
    """A link resource: counted for guests, then on to the address."""
    resource = _resource_or_404(request, actor, room, resource_id)
    if not resource.url:
        raise Http404()
    services.engagement_record(actor=actor, resource_id=resource.pk, kind="view")
    return HttpResponseRedirect(resource.url)


@require_POST
@room_view
def resource_beat(request, actor, room, resource_id: int):
    """A guest's preview of a resource is open in the page: `start=1` when it opens, then the
    seconds since the previous beat (at most 60 are counted), `end=1` on the last one.
    Sellers are not counted."""
    resource = _resource_or_404(request, actor, room, resource_id)
    services.engagement_beat(
        actor=actor,
        resource_id=resource.pk,
        start=request.POST.get("start") == "1",
        seconds=request.POST.get("seconds", "0"),
        end=request.POST.get("end") == "1",
    )
    return HttpResponse(status=204)
