"""Xero's official Python SDK (xero-python) against a running xeroflow sandbox.

Usage: python xero_python_interop.py BASE_URL FAULTY_BASE_URL

BASE_URL is a sandbox with default settings; FAULTY_BASE_URL one started with
`--faults 429=1:1000000 --time-scale 60`, where every Accounting call is refused with a 429.
Prints one line per check and exits non-zero when any check fails.
"""
import base64
import datetime
import hashlib
import json
import secrets
import sys
import time
import urllib.parse
import urllib.request
from decimal import Decimal

from xero_python.accounting import AccountingApi, Contact, Contacts, Invoice, Invoices, LineItem
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException, HTTPStatusException, NotFoundException, RateLimitException
from xero_python.identity import IdentityApi

BASE, FAULTY = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")
failures = []


def value(x):
    """An SDK enum's value, or the thing itself."""
    return getattr(x, "value", x)


def check(name, condition, detail=""):
    print(("ok    " if condition else "FAIL  ") + name + (f" ({detail})" if detail and not condition else ""))
    if not condition:
        failures.append(name)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base):
    """The authorization-code flow with PKCE, the way a desktop app runs it."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": "sandbox", "redirect_uri": "http://localhost:8765/callback",
        "scope": "openid offline_access accounting.transactions accounting.contacts accounting.settings",
        "state": "st", "code_challenge": challenge, "code_challenge_method": "S256", "tenant": "*",
    })
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(f"{base}/identity/connect/authorize/approve?{query}")
        raise RuntimeError("the approve step did not redirect")
    except urllib.error.HTTPError as e:
        location = e.headers["Location"]
    code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "client_id": "sandbox", "code": code,
                                   "redirect_uri": "http://localhost:8765/callback", "code_verifier": verifier}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{base}/connect/token", data=body)) as r:
        return json.loads(r.read())


def client(base, token):
    store = {}
    api_client = ApiClient(Configuration(oauth2_token=OAuth2Token(client_id="sandbox", client_secret="sandbox")))

    @api_client.oauth2_token_getter
    def get_token():
        return store.get("token")

    @api_client.oauth2_token_saver
    def save_token(t):
        store["token"] = t

    token = dict(token)
    token["scope"] = token["scope"].split(" ")
    token["expires_at"] = time.time() + token["expires_in"]
    api_client.set_oauth2_token(token)
    return api_client, store


TokenApi.refresh_token_url = BASE + "/connect/token"
token = sign_in(BASE)
api_client, store = client(BASE, token)

connections = IdentityApi(api_client, base_url=BASE).get_connections()
names = sorted(c.tenant_name for c in connections)
check("get_connections lists both demo organisations", names == ["Demo Company (AU)", "Demo Company (UK)"], str(names))
uk = next(c.tenant_id for c in connections if c.tenant_name == "Demo Company (UK)")

acc = AccountingApi(api_client, base_url=BASE + "/api.xro/2.0")
org = acc.get_organisations(uk).organisations[0]
check("get_organisations reads the organisation", org.name == "Demo Company (UK)" and value(org.base_currency) == "GBP", str(org.base_currency))

created = acc.create_contacts(uk, Contacts(contacts=[Contact(name="Interop Ltd", contact_number="IO-1", email_address="ap@interop.example")]),
                              summarize_errors=False, idempotency_key="interop-contact-1").contacts[0]
check("create_contacts returns the new contact with its id", created.contact_id is not None and created.name == "Interop Ltd")
replayed = acc.create_contacts(uk, Contacts(contacts=[Contact(name="Interop Ltd", contact_number="IO-1", email_address="ap@interop.example")]),
                               summarize_errors=False, idempotency_key="interop-contact-1").contacts[0]
check("a retried create with the same idempotency key returns the same contact", replayed.contact_id == created.contact_id)

found = acc.get_contacts(uk, where='Name=="Interop Ltd"', page=1, page_size=100).contacts
check("get_contacts with where and paging finds it once", len(found) == 1 and found[0].contact_number == "IO-1", str(len(found)))
check("dates come back parsed", isinstance(found[0].updated_date_utc, datetime.datetime))

try:
    acc.create_contacts(uk, Contacts(contacts=[Contact(name="Interop Ltd")]))
    check("a duplicate contact name is refused with a 400", False, "no exception")
except AccountingBadRequestException as e:
    check("a duplicate contact name is refused with a 400 and Xero's message",
          e.status == 400 and "must be unique across all active contacts" in e.reason, str(e.reason))

inv = Invoice(type="ACCREC", contact=Contact(contact_id=created.contact_id), date=datetime.date(2026, 11, 2),
              due_date=datetime.date(2026, 12, 2), status="AUTHORISED", reference="INTEROP",
              line_items=[LineItem(description="Consulting", quantity=Decimal("3"), unit_amount=Decimal("33.33"),
                                   account_code="200", tax_type="OUTPUT2")])
invoice = acc.create_invoices(uk, Invoices(invoices=[inv]), summarize_errors=False, idempotency_key="interop-invoice-1").invoices[0]
check("create_invoices computes Xero's totals", invoice.sub_total == Decimal("99.99") and invoice.total_tax == Decimal("20")
      and invoice.total == Decimal("119.99"), f"{invoice.sub_total} {invoice.total_tax} {invoice.total}")
check("the invoice status reads back", value(invoice.status) == "AUTHORISED", str(invoice.status))

listed = acc.get_invoices(uk, statuses=["AUTHORISED"], order="Date DESC", page=1).invoices
check("get_invoices filters by status and returns line items on a page", len(listed) == 1 and len(listed[0].line_items) == 1)
one = acc.get_invoice(uk, invoice.invoice_id).invoices[0]
check("get_invoice reads one invoice with its date", one.date == datetime.date(2026, 11, 2), str(one.date))

bad = Invoice(type="ACCREC", contact=Contact(contact_id=created.contact_id), date=datetime.date(2026, 11, 2), status="AUTHORISED",
              line_items=[LineItem(description="x", quantity=Decimal("1"), unit_amount=Decimal("1"), account_code="999")])
result = acc.create_invoices(uk, Invoices(invoices=[bad]), summarize_errors=False).invoices[0]
check("summarize_errors=False gives the element's validation errors",
      result.has_errors and "Account code '999' is not a valid code" in result.validation_errors[0].message)

try:
    acc.get_invoice(uk, "00000000-0000-0000-0000-000000000000")
    check("an unknown invoice is a 404", False, "no exception")
except NotFoundException as e:
    check("an unknown invoice is a 404", e.status == 404)

old_refresh = store["token"]["refresh_token"]
api_client.refresh_oauth2_token()
check("refresh_oauth2_token rotates the refresh token", store["token"]["refresh_token"] != old_refresh)
check("the refreshed token works", acc.get_organisations(uk).organisations[0].name == "Demo Company (UK)")

broken, _ = client(BASE, dict(token, access_token="not-a-token"))
try:
    AccountingApi(broken, base_url=BASE + "/api.xro/2.0").get_organisations(uk)
    check("a bad token is a 401", False, "no exception")
except HTTPStatusException as e:
    check("a bad token is a 401", e.status == 401)

TokenApi.refresh_token_url = FAULTY + "/connect/token"
faulty_token = sign_in(FAULTY)
faulty_client, _ = client(FAULTY, faulty_token)
faulty_uk = next(c.tenant_id for c in IdentityApi(faulty_client, base_url=FAULTY).get_connections() if c.tenant_name == "Demo Company (UK)")
started = time.time()
try:
    AccountingApi(faulty_client, base_url=FAULTY + "/api.xro/2.0").get_contacts(faulty_uk)
    check("a 429 reaches the SDK as RateLimitException", False, "no exception")
except RateLimitException as e:
    check("a 429 reaches the SDK as RateLimitException with the problem", e.status == 429 and e.rate_limit == "minute", str(e.rate_limit))
    check("the SDK honoured Retry-After before giving up", time.time() - started >= 2.5, f"{time.time() - started:.1f}s")

print(f"xero-python interop: {len(failures)} failed" if failures else "xero-python interop: all checks passed")
sys.exit(1 if failures else 0)
