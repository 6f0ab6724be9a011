"""REST API of the rooms, in two halves that share their code (common.py):

- /api/w/<slug>/rooms… (seller.py): members of the workspace, by bearer token or session; the
  room, plan, threads, files and resources, people, invitations, settings, notifications,
  activity and the guests' engagement.
- /api/g/<slug>/rooms… (guest.py): the browser of a guest (their guest session, no login);
  the room, plan, threads, files and resources, and people by name — shared content only.

Reads go through rooms.selectors, writes through rooms.services; their DomainErrors become
JSON {code, message, fields} in config/api.py. "Does not exist" and "not yours" are the same
404 everywhere."""

from ninja import Router

from . import guest, seller

router = Router()
router.add_router("", seller.router)
router.add_router("", guest.router)
