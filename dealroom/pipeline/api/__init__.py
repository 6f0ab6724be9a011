"""REST API of the pipeline under /api/w/<slug>/: opportunity types with their stages and exit
checklists and the loss reasons (admins change them, members read them), and opportunities.

Opportunities are records of the customers app's machinery: the list, its filters and paging
are its `ListQuery` and `record_page`; field changes (with the version check), delete, archive,
owner and collaborators are its record endpoints (`record_write_routes`); and a deal leaves as
its `record_out`, which holds only the fields the reader may see, plus what only deals have.
Stage moves, win, lose, reopen, probability, deal team, contacts and checklist call the
pipeline's services. Reads go through selectors scoped to the actor, writes through services;
their DomainErrors become JSON in config/api.py."""

from ninja import Router

from . import config, deals

router = Router()
router.add_router("", config.router)
router.add_router("", deals.router)
