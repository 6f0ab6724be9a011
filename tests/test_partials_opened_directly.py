"""Issue 21, defect 3, beyond rooms: a URL that answers htmx with a piece of a page sends a
browser that opens it directly (a new tab, a copied link) to that page instead, and says its
answer varies with HX-Request."""

from __future__ import annotations

import pytest

from tests.customers.conftest import cx  # noqa: F401
from tests.pipeline.conftest import pp  # noqa: F401

pytestmark = pytest.mark.django_db


def _both(client, path):
    direct = client.get(path)
    fragment = client.get(path, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "HX-Request" in fragment.get("Vary", "")
    assert "<html" not in fragment.content.decode()
    return direct


def test_timeline_page_opened_directly_goes_to_the_record(pp, login):  # noqa: F811
    deal = pp.deal(name="Timeline deal")
    client = login(pp.rep.user)
    direct = _both(client, f"/w/alpha/customers/accounts/{deal.account_id}/timeline/")
    assert direct.status_code == 302
    assert direct["Location"] == f"/w/alpha/customers/accounts/{deal.account_id}/#timeline"
    direct = _both(client, f"/w/alpha/deals/{deal.pk}/timeline/?timeline=all")
    assert direct["Location"] == f"/w/alpha/deals/{deal.pk}/#timeline"


def test_picker_options_opened_directly_go_to_the_list(pp, login):  # noqa: F811
    client = login(pp.rep.user)
    direct = _both(client, "/w/alpha/customers/accounts/pick/?q=Acme")
    assert direct.status_code == 302
    assert direct["Location"] == "/w/alpha/customers/accounts/?q=Acme"


def test_show_more_opened_directly_goes_to_the_board(pp, login):  # noqa: F811
    client = login(pp.rep.user)
    path = f"/w/alpha/deals/board/{pp.staged.pk}/stages/{pp.qualify.pk}/?offset=0"
    direct = _both(client, path)
    assert direct.status_code == 302
    assert direct["Location"] == f"/w/alpha/deals/board/{pp.staged.pk}/"


def test_another_workspaces_fragment_stays_missing(pp, login, world):  # noqa: F811
    deal = pp.deal(name="Alpha only")
    client = login(world.user("beta", "admin"))
    assert client.get(f"/w/alpha/deals/{deal.pk}/timeline/").status_code == 404
