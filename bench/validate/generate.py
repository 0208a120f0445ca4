#!/usr/bin/env python3
"""Generate pipeline files for the `xeroflow validate` benchmark.

Writes N (default 1,000) realistic, varied, valid pipeline files modelled on pipelines/*.yaml
and schemas/pipeline.schema.json: sources of every kind, lookups, steps with filter, explode,
join, group, map, set and dedupe, Xero/file/SQLite targets with `after` chains, schedules and
tests. Map and set keys are real Xero fields (the ones the example pipelines use), and every
step writes what Xero requires on create, so `xeroflow validate --strict` reports nothing.

With --errors, writes the same N files again into a second folder with ~10% of them broken:
typos in keys, unknown references, unknown Xero fields, bad enum values, unknown lookups,
bad cron or time zones. A manifest (manifest.json in each folder) lists every broken file,
what was broken and whether a JSON Schema validator alone can see it.

Deterministic for a given --seed. Python 3 standard library only.

    python3 bench/validate/generate.py                  # 1,000 valid files
    python3 bench/validate/generate.py --errors         # and the variant with ~10% errors
    python3 bench/validate/generate.py -n 100 --out /tmp/p --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
from typing import Any

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA = os.path.join(REPO, "schemas", "pipeline.schema.json")

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

SYSTEMS = [
    # (slug, display, domain noun for records)
    ("clinic", "Clinic", "patients"), ("physio", "Physio practice", "patients"),
    ("dental", "Dental group", "patients"), ("gym", "Gym", "members"),
    ("shop", "Online shop", "customers"), ("marketplace", "Marketplace", "sellers"),
    ("saas", "SaaS billing", "subscribers"), ("agency", "Agency", "clients"),
    ("lawfirm", "Law firm", "clients"), ("school", "School", "families"),
    ("charity", "Charity", "donors"), ("hotel", "Hotel", "guests"),
    ("cafe", "Cafe POS", "customers"), ("fleet", "Fleet hire", "drivers"),
    ("events", "Events", "attendees"), ("crm", "CRM", "accounts"),
    ("wholesale", "Wholesaler", "retailers"), ("studio", "Design studio", "clients"),
    ("vet", "Veterinary clinic", "owners"), ("builder", "Builder", "clients"),
]
VARIANTS = ["to-xero", "sync", "import", "export", "nightly", "hourly", "ledger", "billing",
            "payments", "contacts", "au", "uk", "nz", "us", "eu", "v2", "prod", "staging"]

CRONS = ["0 * * * *", "*/15 * * * *", "*/30 * * * *", "0 23 * * *", "30 2 * * 1-5", "0 6,18 * * *",
         "15 3 1 * *", "0 */4 * * *", "45 22 * * 0", "0 9-17 * * 1-5", "@daily", "@hourly", "@weekly",
         "@midnight", "5 0 * * *", "0 12 * * 1", "*/10 8-18 * * 1-5"]
TIMEZONES = ["Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Dublin", "Australia/Sydney",
             "Australia/Melbourne", "Australia/Brisbane", "Australia/Perth", "Pacific/Auckland",
             "America/New_York", "America/Los_Angeles", "America/Toronto", "Asia/Singapore",
             "Africa/Johannesburg", "UTC"]
TENANTS = ["Demo Company (UK)", "Demo Company (AU)", "Demo Company (NZ)", "Demo Company (US)",
           "Demo Company (Global)"]
CURRENCIES = ["GBP", "EUR", "AUD", "NZD", "USD", "SGD", "ZAR", "CAD"]
ACCOUNT_CODES = ["200", "260", "270", "400", "404", "420", "429", "453", "463", "485", "489", "090"]
TAX_TYPES = ["OUTPUT2", "INPUT2", "ZERORATEDOUTPUT", "EXEMPTOUTPUT", "EXEMPTINPUT", "NONE", "OUTPUT",
             "INPUT", "BASEXCLUDED"]
CATEGORIES = ["consultation", "products", "classes", "subscription", "services", "hosting",
              "office", "travel", "interest", "bank_fees", "grants", "print", "training", "repairs"]
FIELDS = ["id", "number", "customer_id", "client_id", "status", "issued_at", "due_at", "total",
          "currency", "email", "name", "first_name", "last_name", "phone", "amount", "date",
          "reference", "description", "category", "tax_code", "updated_at", "site", "vendor"]
FIRST = ["Ada", "Grace", "Alan", "Olivia", "Noah", "Mia", "Liam", "Ava", "Lucas", "Zoe", "Ravi",
         "Aroha", "Tane", "Chloe", "Mateo", "Ines", "Hana", "Kofi", "Sofia", "Jack"]
LAST = ["Lovelace", "Hopper", "Turing", "Nguyen", "Smith", "Patel", "Garcia", "Brown", "Wilson",
        "Ngata", "Murphy", "Rossi", "Kim", "Okafor", "Dubois", "Schmidt", "Tanaka", "Silva"]
COMPANIES = ["Harbour Medical Linen", "Pennine Freight Ltd", "Figma, Inc.", "Notion Labs, Inc.",
             "Acme Supplies", "Blue Gum Dental", "Kauri Coffee Co", "Greenhalgh & Sons",
             "Northwind Traders", "Contoso Pty Ltd", "Tasman Print House", "Zoom Video Communications"]

# JSONata built-ins: a lookup may not be named after one (the schema forbids it).
BUILTINS = {"abs", "append", "assert", "average", "boolean", "count", "each", "error", "filter",
            "join", "keys", "length", "lookup", "map", "match", "max", "merge", "min", "not", "now",
            "number", "pad", "power", "reduce", "replace", "round", "sort", "split", "string",
            "sum", "trim", "type", "zip"}

# Xero endpoints a flow can push to: (endpoint, match fields allowed without warnings).
MATCH = {
    "Contacts": ["ContactNumber", "Name", "ContactID"],
    "Invoices": ["InvoiceNumber", "InvoiceID"],
    "CreditNotes": ["CreditNoteNumber", "CreditNoteID"],
    "Items": ["Code", "ItemID"],
    "PurchaseOrders": ["PurchaseOrderNumber", "PurchaseOrderID"],
    "Quotes": ["QuoteNumber", "QuoteID"],
    "BankTransactions": ["BankTransactionID"],
    "ManualJournals": ["ManualJournalID"],
    "Payments": [],
    "Accounts": ["Code", "AccountID"],
    "TrackingCategories": ["Name"],
}
READ_ENDPOINTS = {
    "Contacts": ("ContactID", ['ContactStatus=="ACTIVE"', 'IsCustomer==true', 'IsSupplier==true']),
    "Accounts": ("AccountID", ['Status=="ACTIVE"', 'Type=="BANK"', 'Class=="REVENUE"']),
    "Invoices": ("InvoiceID", ['Status=="AUTHORISED"', 'Type=="ACCREC"', 'Status=="PAID"']),
    "Items": ("ItemID", ['IsSold==true']),
    "TaxRates": ("TaxType", ['Status=="ACTIVE"']),
    "Currencies": ("Code", []),
    "BrandingThemes": ("BrandingThemeID", []),
    "Payments": ("PaymentID", ['Status=="AUTHORISED"']),
    "BankTransactions": ("BankTransactionID", ['Type=="SPEND"', 'IsReconciled==false']),
    "Organisation": ("OrganisationID", []),
    "CreditNotes": ("CreditNoteID", ['Status=="AUTHORISED"']),
    "TrackingCategories": ("TrackingCategoryID", []),
}
# Fields of the Xero object a read flow may take (real Xero fields, as in clevero-import.yaml).
READ_FIELDS = {
    "Contacts": ["ContactID", "ContactNumber", "Name", "FirstName", "LastName", "EmailAddress",
                 "IsSupplier", "IsCustomer", "TaxNumber", "DefaultCurrency", "UpdatedDateUTC"],
    "Accounts": ["AccountID", "Code", "Name", "Type", "Class", "TaxType", "BankAccountNumber", "Status"],
    "Invoices": ["InvoiceID", "InvoiceNumber", "Contact.Name", "Date", "DueDate", "Total", "AmountDue",
                 "AmountPaid", "Status", "CurrencyCode", "Reference"],
    "Items": ["ItemID", "Code", "Name", "Description", "SalesDetails.UnitPrice", "SalesDetails.AccountCode",
              "PurchaseDetails.UnitPrice", "PurchaseDetails.AccountCode", "IsSold", "IsPurchased"],
    "TaxRates": ["TaxType", "Name", "EffectiveRate", "Status", "DisplayTaxRate"],
    "Currencies": ["Code", "Description"],
    "BrandingThemes": ["BrandingThemeID", "Name", "SortOrder"],
    "Payments": ["PaymentID", "Date", "Amount", "Reference", "Invoice.InvoiceNumber", "Status"],
    "BankTransactions": ["BankTransactionID", "Type", "Date", "Total", "Reference", "IsReconciled"],
    "Organisation": ["OrganisationID", "Name", "LegalName", "BaseCurrency", "CountryCode", "Timezone"],
    "CreditNotes": ["CreditNoteID", "CreditNoteNumber", "Total", "RemainingCredit", "Status"],
    "TrackingCategories": ["TrackingCategoryID", "Name", "Status"],
}


def snake(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", s.lower()).strip("_")


# ---------------------------------------------------------------------------------------------
# YAML emitter (block and flow styles; strings quoted whenever a plain scalar could be misread)
# ---------------------------------------------------------------------------------------------

class Folded(str):
    """A long expression written as a `>-` folded block scalar (lines joined with spaces)."""


class Alias:
    def __init__(self, name: str):
        self.name = name


class Anchored:
    def __init__(self, name: str, value: dict):
        self.name = name
        self.value = value


class Flow(dict):
    """A mapping written in flow style: `{ a: 1, b: 2 }`."""


class FlowList(list):
    """A list written in flow style: `[a, b]`."""


class Comment:
    """A comment line placed before a key of a mapping (key: Comment -> ignored as a value)."""


RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ""}
PLAIN_BLOCK = re.compile(r'^[A-Za-z_$][A-Za-z0-9_ .$()=!<>"&/+,-]*$')
PLAIN_FLOW = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ./+-]*$")


def scalar(v: Any, flow: bool = False) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return repr(v)
    s = str(v)
    pat = PLAIN_FLOW if flow else PLAIN_BLOCK
    if (pat.match(s) and s.lower() not in RESERVED and ": " not in s and " #" not in s
            and not s.endswith(" ") and not s.endswith(":") and not re.match(r"^[0-9.+-]", s)):
        return s
    if "'" not in s and "\n" not in s:
        return "'" + s + "'"
    return json.dumps(s, ensure_ascii=False)


def key(k: str) -> str:
    return scalar(k, flow=True)


def emit_flow(v: Any) -> str:
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{key(k)}: {emit_flow(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(emit_flow(x) for x in v) + "]"
    if isinstance(v, Alias):
        return "*" + v.name
    return scalar(v, flow=True)


def emit(v: Any, indent: int, out: list[str]) -> None:
    """Emits the body of a block mapping or sequence at `indent` spaces."""
    pad = " " * indent
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, Comment):
                continue
            comment = getattr(v, "comments", {}).get(k) if hasattr(v, "comments") else None
            if comment:
                out.append(f"{pad}# {comment}")
            emit_entry(f"{pad}{key(k)}:", x, indent, out)
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, dict) and not isinstance(x, Flow) and x:
                sub: list[str] = []
                emit(x, indent + 2, sub)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out.extend(sub)
            else:
                emit_entry(f"{pad}-", x, indent, out)


def emit_entry(head: str, x: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    if isinstance(x, Anchored):
        out.append(f"{head} &{x.name}")
        emit(x.value, indent + 2, out)
    elif isinstance(x, Alias):
        out.append(f"{head} *{x.name}")
    elif isinstance(x, Folded):
        out.append(f"{head} >-")
        for line in str(x).split("\n"):
            out.append(f"{pad}  {line}")
    elif isinstance(x, (Flow, FlowList)):
        out.append(f"{head} {emit_flow(x)}")
    elif isinstance(x, dict):
        if not x:
            out.append(f"{head} {{}}")
        else:
            out.append(head)
            emit(x, indent + 2, out)
    elif isinstance(x, list):
        if not x:
            out.append(f"{head} []")
        elif head.strip() == "-":
            out.append(f"{head} {emit_flow(x)}")
        else:
            out.append(head)
            emit(x, indent + 2, out)
    else:
        out.append(f"{head} {scalar(x)}")


class CMap(dict):
    """A dict that can carry comments shown above some keys."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.comments: dict[str, str] = {}


# ---------------------------------------------------------------------------------------------
# Pipeline builder
# ---------------------------------------------------------------------------------------------

class Builder:
    def __init__(self, rng: random.Random, index: int):
        self.r = rng
        self.i = index
        self.sources: dict[str, dict] = CMap()
        self.steps: dict[str, dict] = CMap()
        self.targets: dict[str, dict] = CMap()
        self.lookups: dict[str, dict] = CMap()
        self.tests: list[dict] = []
        self.names: set[str] = set()
        self.anchors: dict[str, dict] = {}
        self.contact_target: str | None = None
        self.invoice_target: str | None = None

    # -- helpers -------------------------------------------------------------------------------
    def unique(self, base: str) -> str:
        name = base
        n = 2
        while name in self.names:
            name = f"{base}_{n}"
            n += 1
        self.names.add(name)
        return name

    def pick(self, xs):
        return self.r.choice(xs)

    def lookup(self, kind: str) -> str:
        """Defines (once) a lookup table of the given kind and returns its name."""
        names = {"accounts": ["accounts", "account_codes", "revenue_accounts", "chart"],
                 "tax": ["tax_types", "tax_rates", "vat_codes", "gst_types"],
                 "status": ["invoice_status", "bill_status", "doc_status"],
                 "bank": ["bank_accounts", "wallet_accounts", "payment_accounts"],
                 "enabled": ["wallet_enabled", "site_enabled", "currency_enabled"]}
        for existing, k in getattr(self, "_lk", {}).items():
            if k == kind:
                return existing
        name = self.pick(names[kind])
        assert name not in BUILTINS
        cats = self.r.sample(CATEGORIES, self.r.randint(2, 7))
        if kind == "accounts":
            table = {c: self.pick(ACCOUNT_CODES) for c in cats}
        elif kind == "tax":
            table = {c: self.pick(TAX_TYPES) for c in cats}
        elif kind == "status":
            table = {"open": "AUTHORISED", "draft": "DRAFT", "awaiting_approval": "SUBMITTED",
                     "paid": "AUTHORISED"}
        elif kind == "bank":
            table = {c: self.pick(["090", "091", "CLEDGBP", "CLEDEUR", "BANK1"]) for c in
                     self.r.sample(CURRENCIES + ["eftpos", "card", "bank_transfer"], self.r.randint(2, 5))}
        else:
            table = {c: self.r.random() < 0.8 for c in self.r.sample(CURRENCIES, self.r.randint(2, 4))}
        self.lookups[name] = Flow(table) if len(table) <= 4 and self.r.random() < 0.6 else table
        if self.r.random() < 0.3:
            self.lookups.comments[name] = {
                "accounts": "Category → Xero account code.", "tax": "Tax code → Xero TaxType.",
                "status": "Source status → Xero status.", "bank": "Where payments land.",
                "enabled": "Toggles, one per wallet or site."}[kind]
        self._lk = getattr(self, "_lk", {})
        self._lk[name] = kind
        return name

    def source(self, noun: str, key_field: str = "id", allow_xero: str | None = None) -> str:
        r = self.r
        name = self.unique(snake(noun))
        kind = allow_xero and "xero" or self.pick(["csv", "csv", "jsonl", "jsonl", "jsonl", "json",
                                                 "sqlite", "postgres", "http"])
        s: dict[str, Any] = {}
        if r.random() < 0.25:
            s["description"] = f"{noun.capitalize()} exported by the platform."
        folder = f"data/{snake(noun)}"
        if kind == "csv":
            s["csv"] = r.choice([f"{folder}.csv", f"${{DATA_DIR:-data}}/{snake(noun)}.csv"])
            if r.random() < 0.3:
                s["delimiter"] = r.choice([";", ",", "|"])
        elif kind == "jsonl":
            s["jsonl"] = f"{folder}.jsonl"
        elif kind == "json":
            s["json"] = f"{folder}.json"
            if r.random() < 0.6:
                s["records"] = r.choice(["data", "data.items", f"data.{snake(noun)}", "records"])
        elif kind == "sqlite":
            s["sqlite"] = r.choice(["data/app.db", "${APP_DB:-data/app.db}"])
            s["query"] = f"SELECT * FROM {snake(noun)} WHERE updated_at > :cursor"
        elif kind == "postgres":
            s["postgres"] = r.choice(["${DATABASE_URL:-postgres://xeroflow@localhost:5432/app}",
                                      "postgres://xeroflow:${PGPASSWORD:-secret}@db.internal:5432/app"])
            s["query"] = f"SELECT * FROM {snake(noun)}"
        elif kind == "http":
            s["http"] = r.choice([f"https://api.example.com/v2/{snake(noun)}",
                                  f"${{API_BASE:-https://api.example.com}}/v1/{snake(noun)}"])
            if r.random() < 0.7:
                s["headers"] = {"Authorization": "Bearer ${API_TOKEN:-none}", "Accept": "application/json"}
            if r.random() < 0.5:
                s["params"] = Flow({"per_page": r.choice([50, 100, 250]), "status": "completed"})
            if r.random() < 0.5:
                s["records"] = r.choice(["data", "transactions", "results.items"])
        elif kind == "xero":
            s["xero"] = allow_xero
            idf, wheres = READ_ENDPOINTS[allow_xero]
            key_field = idf
            if wheres and r.random() < 0.6:
                s["where"] = r.choice(wheres)
        if r.random() < 0.15 and kind != "xero":
            s["key"] = FlowList([key_field, "line_no"])
        else:
            s["key"] = key_field
        if r.random() < 0.6:
            s["cursor"] = "UpdatedDateUTC" if kind == "xero" else "updated_at"
            if r.random() < 0.3:
                s["since"] = f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        elif kind == "xero" and r.random() < 0.3:
            s["since"] = f"2025-{r.randint(1, 12):02d}-01"
        self.sources[name] = Flow(s) if (len(s) <= 3 and "headers" not in s and r.random() < 0.5) else s
        return name

    def expr_field(self, *choices: str) -> str:
        return self.pick(list(choices))

    def line_items(self, acc: str | None, tax: str | None, over: str | None = None,
                   tracking: bool = False) -> str:
        r = self.r
        desc = self.pick(["description", "name & \": \" & description", "product_name", "note"])
        qty = self.pick(["quantity", "qty", "1", "hours"])
        price = self.pick(["unit_price", "price", "amount", "rate"])
        parts = [f'"Description": {desc}', f'"Quantity": {qty}', f'"UnitAmount": {price}']
        if acc:
            parts.append(f'"AccountCode": $lookup(${acc}, category)')
        else:
            parts.append(f'"AccountCode": "{self.pick(ACCOUNT_CODES)}"')
        if tax:
            parts.append(f'"TaxType": $lookup(${tax}, tax_code)')
        if r.random() < 0.2:
            parts.append('"DiscountRate": discount ? discount : 0')
        if tracking:
            parts.append('"Tracking": [{ "Name": "Location", "Option": site }]')
        prefix = f"{over}." if over else ""
        if r.random() < 0.5:
            body = ",\n  ".join(parts)
            return Folded(f"[{prefix}{{\n  {body}\n}}]")
        return f"[{prefix}{{ " + ", ".join(parts) + " }]"

    def defaults_anchor(self, values: dict) -> Any:
        """Sometimes share `set:` constants through an `x-` anchor, as the schema suggests."""
        if self.r.random() < 0.15:
            key_ = "x-" + "-".join(v.lower() for v in list(values.values())[:2])
            key_ = re.sub(r"[^a-z0-9-]", "", key_)
            anchor = key_[2:].replace("-", "_") or "defaults"
            if key_ in self.anchors:
                return Alias(self.anchors[key_]["anchor"])
            self.anchors[key_] = {"anchor": anchor, "values": dict(values)}
            return Alias(anchor)
        return dict(values) if self.r.random() < 0.6 else Flow(values)

    def target(self, step: str, endpoint: str, mode: str | None = None, after: list[str] = (),
               key: str | None = None) -> str:
        r = self.r
        name = self.unique(f"push_{step}")
        t: dict[str, Any] = {"from": step, "xero": endpoint}
        if key:  # after a group or explode the source key no longer names one record
            t["key"] = key
        if mode is None and MATCH[endpoint] and r.random() < 0.7:
            m = MATCH[endpoint][0] if r.random() < 0.8 else MATCH[endpoint][-1]
            t["match"] = m
        if mode:
            t["mode"] = mode
        elif r.random() < 0.2:
            t["mode"] = "upsert" if MATCH[endpoint] else "create"
        if after:
            t["after"] = FlowList(after)
        if r.random() < 0.15:
            t["batch_size"] = r.choice([10, 25, 50])
        if r.random() < 0.15:
            t["on_error"] = r.choice(["quarantine", "fail"])
        if r.random() < 0.1:
            t["on_deleted"] = r.choice(["skip", "recreate"])
        if r.random() < 0.15:
            t["description"] = f"{step.replace('_', ' ').capitalize()} into Xero {endpoint}."
        self.targets[name] = Flow(t) if len(t) <= 3 and r.random() < 0.4 else t
        return name

    def maybe_filter(self, step: dict) -> None:
        r = self.r
        if r.random() < 0.6:
            enabled = self.lookup("enabled") if r.random() < 0.15 else None
            f = r.choice([
                'status != "cancelled"', 'status = "paid"', '$not(state in ["draft", "void", "deleted"])',
                'status in ["open", "paid"]', 'amount > 0', '$exists(email)', 'archived != true',
                'type = "invoice" and total > 0', '$not(voided)',
            ])
            if enabled:
                f = f"{f} and $lookup(${enabled}, currency) = true"
            step["filter"] = f

    # -- flows ---------------------------------------------------------------------------------
    def flow_contacts(self, noun: str) -> None:
        r = self.r
        src = self.source(noun, r.choice(["id", "customer_id", "patient_id", "member_id"]))
        name = self.unique(r.choice(["contacts", "customers", f"{snake(noun)}_contacts"]))
        m: dict[str, Any] = {}
        m["ContactNumber"] = r.choice(["id", "customer_id", f'"{name[:4].upper()}-" & id'])
        m["Name"] = r.choice(["name", "company", 'first_name & " " & last_name'])
        for f, e in [("FirstName", "first_name"), ("LastName", "last_name"), ("EmailAddress", "email"),
                     ("TaxNumber", "vat_number"), ("AccountNumber", "account_ref"),
                     ("CompanyNumber", "company_number"), ("DefaultCurrency", "currency"),
                     ("IsCustomer", "true"), ("IsSupplier", 'type = "supplier"')]:
            if r.random() < 0.45:
                m[f] = e
        if r.random() < 0.6:
            m["Phones"] = '[{ "PhoneType": "DEFAULT", "PhoneNumber": phone }]'
        if r.random() < 0.5:
            m["Addresses"] = Folded('[{ "AddressType": "STREET", "AddressLine1": street, "City": city,\n'
                                    '   "PostalCode": postcode, "Country": country }]')
        step: dict[str, Any] = {"from": src}
        self.maybe_filter(step)
        step["map"] = m
        if r.random() < 0.3:
            step["dedupe"] = Flow({"by": "ContactNumber", "keep": r.choice(["first", "last"])})
        self.steps[name] = step
        self.contact_target = self.target(name, "Contacts")
        if r.random() < 0.3:
            self.tests.append({
                "name": f"a {noun[:-1] if noun.endswith('s') else noun} becomes a Xero contact",
                "step": name,
                "input": [Flow({"id": f"C-{r.randint(1000, 9999)}", "name": self.pick(COMPANIES),
                                "first_name": self.pick(FIRST), "last_name": self.pick(LAST),
                                "email": "accounts@example.com", "status": "active"})],
                "expect_count": 1,
            })

    def flow_invoices(self, noun: str, kind: str) -> None:
        r = self.r
        src = self.source(noun)
        acc = self.lookup("accounts") if r.random() < 0.7 else None
        tax = self.lookup("tax") if r.random() < 0.5 else None
        name = self.unique(r.choice(["invoices", "bills", "sales_invoices", "orders", f"{snake(noun)}_invoices"]))
        step: dict[str, Any] = {"from": src}
        if r.random() < 0.2:
            step["description"] = f"Issued {noun} as Xero {'bills' if kind == 'ACCPAY' else 'sales invoices'}."
        self.maybe_filter(step)
        over = None
        if r.random() < 0.25:
            step["group"] = Flow({"by": r.choice(["order_id", "invoice_id"]), "into": "items"})
            over = "items"
        elif r.random() < 0.2:
            lines = self.source(f"{noun}_lines")
            step["join"] = {"with": lines, "on": "id", "equals": r.choice(["invoice_id", "bill.id"]),
                            "as": "lines", "many": True}
            if r.random() < 0.5:
                step["join"]["type"] = r.choice(["left", "inner"])
            over = "lines"
        m: dict[str, Any] = {
            "InvoiceNumber": r.choice(["number", "invoice_number", '"INV-" & id']),
            "Contact": r.choice(['{ "ContactNumber": customer_id }', '{ "Name": vendor }',
                                 '{ "ContactNumber": "CUST-" & client.id }']),
            "Date": r.choice(["issued_at", "date", "$substring(created_at, 0, 10)"]),
        }
        for f, e in [("DueDate", "due_at"), ("Reference", r.choice(["reference", "id", '"Order " & id'])),
                     ("CurrencyCode", "currency"), ("Url", "public_url"),
                     ("ExpectedPaymentDate", "expected_at")]:
            if r.random() < 0.5:
                m[f] = e
        if acc and r.random() < 0.2:
            st = self.lookup("status")
            m["Status"] = f"$lookup(${st}, status)"
        m["LineItems"] = self.line_items(acc, tax, over, tracking=r.random() < 0.2)
        step["map"] = m
        consts = {"Type": kind}
        if "Status" not in m:
            consts["Status"] = r.choice(["AUTHORISED", "DRAFT", "SUBMITTED"])
        consts["LineAmountTypes"] = r.choice(["Exclusive", "Inclusive", "NoTax"])
        step["set"] = self.defaults_anchor(consts)
        self.steps[name] = step
        after = [self.contact_target] if self.contact_target and r.random() < 0.8 else []
        self.invoice_target = self.target(name, "Invoices", after=after,
                                          key="InvoiceNumber" if "group" in step else None)
        if r.random() < 0.35:
            test: dict[str, Any] = {"name": f"cancelled {noun} are not pushed", "step": name,
                                    "input": [Flow({"id": r.randint(1, 9999), "status": "cancelled",
                                                    "total": round(r.uniform(5, 900), 2)})],
                                    "expect_count": 0}
            if self.lookups and r.random() < 0.3:
                lk = next(iter(self.lookups))
                test["lookups"] = {lk: Flow({"consultation": "200"})}
            self.tests.append(test)

    def flow_credit_notes(self, noun: str) -> None:
        r = self.r
        src = self.source(f"{noun}_credit_notes")
        acc = self.lookup("accounts") if r.random() < 0.5 else None
        name = self.unique("credit_notes")
        step = {"from": src}
        self.maybe_filter(step)
        step["map"] = {
            "CreditNoteNumber": '"CN-" & id',
            "Contact": '{ "ContactNumber": customer_id }',
            "Date": "date",
            "LineItems": self.line_items(acc, None),
        }
        if r.random() < 0.4:
            step["map"]["Reference"] = "reason"
        step["set"] = self.defaults_anchor({"Type": r.choice(["ACCRECCREDIT", "ACCPAYCREDIT"]),
                                            "Status": "AUTHORISED"})
        self.steps[name] = step
        after = [self.contact_target] if self.contact_target else []
        self.target(name, "CreditNotes", after=after)

    def flow_bank(self, noun: str) -> None:
        r = self.r
        src = self.source(noun)
        bank = self.lookup("bank")
        acc = self.lookup("accounts") if r.random() < 0.6 else None
        name = self.unique(r.choice(["spend_money", "bank_transactions", "card_transactions"]))
        step = {"from": src}
        self.maybe_filter(step)
        step["map"] = {
            "Type": 'kind = "refund" ? "RECEIVE" : "SPEND"',
            "Contact": '{ "Name": vendor }',
            "BankAccount": f'{{ "Code": $lookup(${bank}, currency) }}',
            "Date": "$substring(settled_at, 0, 10)",
            "Reference": '"Card " & id',
            "LineItems": self.line_items(acc, None),
        }
        if r.random() < 0.5:
            step["map"]["CurrencyCode"] = "currency"
        if r.random() < 0.3:
            step["map"]["IsReconciled"] = "reconciled"
        step["set"] = self.defaults_anchor({"Status": "AUTHORISED",
                                            "LineAmountTypes": r.choice(["Inclusive", "Exclusive"])})
        self.steps[name] = step
        self.target(name, "BankTransactions", mode=r.choice([None, "create"]))

    def flow_payments(self, noun: str) -> None:
        r = self.r
        if not self.invoice_target:
            return
        src = self.source(f"{noun}_payments")
        bank = self.lookup("bank")
        name = self.unique("payments")
        step = {"from": src}
        self.maybe_filter(step)
        step["map"] = {
            "Invoice": r.choice(['{ "InvoiceNumber": invoice_number }', '{ "InvoiceNumber": bill.number }']),
            "Account": f'{{ "Code": $lookup(${bank}, method) }}',
            "Date": "paid_at",
            "Amount": "amount",
        }
        if r.random() < 0.6:
            step["map"]["Reference"] = "reference"
        self.steps[name] = step
        self.target(name, "Payments", mode="create", after=[self.invoice_target])
        if r.random() < 0.3:
            self.tests.append({
                "name": "a payment is applied to its invoice", "step": name,
                "input": [Flow({"id": "p1", "invoice_number": "INV-1", "method": "card",
                                "paid_at": "2026-11-02", "amount": 87.75})],
                "expect": [{"Invoice": Flow({"InvoiceNumber": "INV-1"}), "Date": "2026-11-02",
                            "Amount": 87.75}],
            })

    def flow_items(self, noun: str) -> None:
        r = self.r
        src = self.source(f"{noun}_products", "sku")
        name = self.unique("items")
        step = {"from": src, "map": {"Code": "sku", "Name": "title"}}
        if r.random() < 0.6:
            step["map"]["Description"] = "description"
        if r.random() < 0.6:
            step["map"]["SalesDetails"] = '{ "UnitPrice": price, "AccountCode": "200" }'
        if r.random() < 0.4:
            step["map"]["PurchaseDetails"] = '{ "UnitPrice": cost, "AccountCode": "300" }'
        if r.random() < 0.4:
            step["map"]["IsSold"] = "true"
        self.steps[name] = step
        self.target(name, "Items")

    def flow_purchase_orders(self, noun: str) -> None:
        r = self.r
        src = self.source(f"{noun}_requisitions", "requisition_id")
        name = self.unique("purchase_orders")
        step: dict[str, Any] = {"from": src}
        if r.random() < 0.5:
            step["explode"] = Flow({"each": "lines", "as": "line"})
            step["group"] = Flow({"by": FlowList(["requisition_id", "line.supplier_id"]), "into": "lines"})
        step["map"] = {
            "PurchaseOrderNumber": '"PO-" & requisition_id',
            "Contact": '{ "ContactNumber": supplier_id }',
            "Date": "requested_at",
            "LineItems": self.line_items(None, None, "lines" if "group" in step else None),
        }
        if r.random() < 0.5:
            step["map"]["DeliveryDate"] = "needed_by"
        if r.random() < 0.4:
            step["map"]["AttentionTo"] = "requested_by"
        if r.random() < 0.3:
            step["map"]["DeliveryInstructions"] = '"Deliver to " & site'
        step["set"] = {"Status": r.choice(["DRAFT", "SUBMITTED", "AUTHORISED"])}
        self.steps[name] = step
        self.target(name, "PurchaseOrders", after=[self.contact_target] if self.contact_target else [],
                    key="PurchaseOrderNumber" if "group" in step else None)

    def flow_quotes(self, noun: str) -> None:
        r = self.r
        src = self.source(f"{noun}_estimates")
        name = self.unique("quotes")
        step = {"from": src, "map": {
            "QuoteNumber": '"Q-" & id',
            "Contact": '{ "ContactNumber": customer_id }',
            "Date": "created_on",
            "LineItems": self.line_items(None, None),
        }}
        for f, e in [("ExpiryDate", "valid_until"), ("Title", "title"), ("Summary", "summary"),
                     ("Terms", "terms"), ("Reference", "id")]:
            if r.random() < 0.4:
                step["map"][f] = e
        step["set"] = {"Status": r.choice(["DRAFT", "SENT"]),
                       "LineAmountTypes": r.choice(["EXCLUSIVE", "INCLUSIVE"])}
        self.steps[name] = step
        self.target(name, "Quotes")

    def flow_journals(self, noun: str) -> None:
        r = self.r
        src = self.source(f"{noun}_payroll_runs", "run_id")
        name = self.unique("manual_journals")
        step = {"from": src, "map": {
            "Narration": '"Payroll " & period',
            "Date": "paid_on",
            "JournalLines": Folded('[lines.{\n  "LineAmount": amount,\n  "AccountCode": account,\n'
                                   '  "Description": description\n}]'),
        }, "set": {"Status": r.choice(["DRAFT", "POSTED"]),
                   "LineAmountTypes": "NoTax"}}
        self.steps[name] = step
        self.target(name, "ManualJournals", mode="create")

    def flow_read(self, noun: str) -> None:
        """A Xero → file/SQLite flow, as in clevero-import.yaml and clio.yaml."""
        r = self.r
        endpoint = self.pick(sorted(READ_ENDPOINTS))
        src = self.source(f"xero_{snake(endpoint)}", allow_xero=endpoint)
        kind = r.choice(["file", "sqlite", "direct"])
        if kind == "direct":
            feed = src
        else:
            feed = self.unique(f"{snake(endpoint)}_for_{snake(noun)}"[:40])
            fields = r.sample(READ_FIELDS[endpoint], min(len(READ_FIELDS[endpoint]), r.randint(2, 7)))
            self.steps[feed] = {"from": src, "map": {snake(f.replace(".", "_")): f for f in fields}}
        name = self.unique(f"export_{snake(endpoint)}")
        if kind == "file":
            t = {"from": feed, "file": f"out/{snake(noun)}/{snake(endpoint)}.jsonl"}
            if r.random() < 0.4:
                t["key"] = READ_ENDPOINTS[endpoint][0] if kind == "direct" else snake(READ_ENDPOINTS[endpoint][0])
        else:
            t = {"from": feed, "sqlite": f"out/{snake(noun)}.db", "table": snake(endpoint)}
        self.targets[name] = Flow(t) if r.random() < 0.6 else t

    # -- the whole pipeline --------------------------------------------------------------------
    def build(self) -> tuple[dict, str]:
        r = self.r
        slug, display, noun = self.pick(SYSTEMS)
        variant = self.pick(VARIANTS)
        pname = f"{slug}-{variant}-{self.i:04d}" if r.random() < 0.7 else f"{slug}_{variant}_{self.i:04d}"
        doc: dict[str, Any] = CMap()
        doc["version"] = 1
        doc["name"] = pname
        if r.random() < 0.85:
            doc["description"] = f"{display} {noun} and documents into Xero ({variant})."
        if r.random() < 0.75:
            sched: dict[str, Any] = {"cron": self.pick(CRONS)}
            if r.random() < 0.8 and not sched["cron"].startswith("@") or r.random() < 0.3:
                sched["timezone"] = self.pick(TIMEZONES)
            if r.random() < 0.1:
                sched["enabled"] = False
            doc["schedule"] = sched
        xero: dict[str, Any] = {"connection": r.choice(["sandbox", "sandbox", "${XERO_CONNECTION:-sandbox}",
                                                        f"{slug}-prod"])}
        if r.random() < 0.85:
            xero["tenant"] = r.choice(TENANTS + ["${XERO_TENANT:-Demo Company (UK)}"])
        if r.random() < 0.35:
            xero["start_date"] = r.choice(["connected", f"2026-{r.randint(1, 12):02d}-01",
                                           "${XERO_START_DATE:-connected}"])
        if r.random() < 0.3:
            xero["lock_dates"] = r.choice(["quarantine", "skip", "adviser"])
        if r.random() < 0.2:
            xero["batch_size"] = r.choice([10, 25, 50])
        doc["xero"] = xero

        # Flows: a contact flow first (others may wait for it), then 0-5 more.
        if r.random() < 0.8:
            self.flow_contacts(noun)
        flows = [self.flow_invoices, self.flow_invoices, self.flow_credit_notes, self.flow_bank,
                 self.flow_payments, self.flow_items, self.flow_purchase_orders, self.flow_quotes,
                 self.flow_journals, self.flow_read, self.flow_read]
        n = r.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 6])
        if not self.targets and n == 0:
            n = 1
        for f in r.sample(flows, min(n, len(flows))):
            if f == self.flow_invoices:
                f(noun, r.choice(["ACCREC", "ACCREC", "ACCPAY"]))
            else:
                f(noun)
        if not self.targets:
            self.flow_read(noun)
        if not self.targets:  # flow_payments without invoices adds nothing
            self.flow_items(noun)

        for k, a in self.anchors.items():
            doc[k] = Anchored(a["anchor"], a["values"])
        doc["sources"] = self.sources
        if self.lookups:
            doc["lookups"] = self.lookups
        if self.steps:
            doc["steps"] = self.steps
        doc["targets"] = self.targets
        if self.tests:
            doc["tests"] = self.tests
        return doc, noun


HEADER_NOTES = [
    "Generated for the xeroflow validate benchmark (bench/validate/generate.py).",
    "Realistic, varied and valid: every map/set key is a Xero field of its target.",
]


def render(doc: dict, schema_ref: str, rng: random.Random, display: str) -> str:
    out = [f"# yaml-language-server: $schema={schema_ref}", "#"]
    out.append(f"# {display}: {HEADER_NOTES[0]}")
    if rng.random() < 0.5:
        out.append(f"# {HEADER_NOTES[1]}")
    body: list[str] = []
    for k, v in doc.items():
        if body and k not in ("name", "description"):
            body.append("")
        emit_entry(f"{key(k)}:", v, 0, body)
    return "\n".join(out + body) + "\n"


# ---------------------------------------------------------------------------------------------
# Errors for the error-path variant
# ---------------------------------------------------------------------------------------------

KEY_TYPOS = {"from": "form", "map": "mapp", "cursor": "cursr", "filter": "fitler", "targets": "target",
             "sources": "source", "match": "macth", "after": "afer", "schedule": "schedul",
             "description": "descripton", "key": "keys", "timezone": "time_zone", "lookups": "lookup"}


def rename_key(d: dict, old: str, new: str) -> dict:
    items = [(new if k == old else k, v) for k, v in d.items()]
    cls = type(d)
    out = cls()
    for k, v in items:
        out[k] = v
    if hasattr(d, "comments"):
        out.comments = {(new if k == old else k): c for k, c in d.comments.items()}
    return out


def inject_error(doc: dict, rng: random.Random) -> tuple[str, bool]:
    """Breaks the document in place; returns (what, whether a schema validator can see it)."""
    steps = doc.get("steps") or {}
    targets = doc["targets"]
    options = ["key_typo_step", "key_typo_target", "key_typo_top", "bad_enum", "bad_name",
               "unknown_from", "unknown_after", "unknown_xero_field", "unknown_lookup", "bad_cron",
               "bad_timezone", "bad_xero_value"]
    rng.shuffle(options)
    for what in options:
        if what == "key_typo_step" and steps:
            name = rng.choice(list(steps))
            s = steps[name]
            k = rng.choice([k for k in s if k in KEY_TYPOS] or ["from"])
            steps[name] = rename_key(s, k, KEY_TYPOS[k])
            return f"steps.{name}: key '{k}' misspelt '{KEY_TYPOS[k]}'", True
        if what == "key_typo_target":
            name = rng.choice(list(targets))
            t = targets[name]
            ks = [k for k in t if k in KEY_TYPOS and k != "from"]
            if not ks:
                continue
            k = rng.choice(ks)
            targets[name] = rename_key(t, k, KEY_TYPOS[k])
            return f"targets.{name}: key '{k}' misspelt '{KEY_TYPOS[k]}'", True
        if what == "key_typo_top":
            k = rng.choice([k for k in ("schedule", "lookups", "description") if k in doc] or ["targets"])
            new = rename_key(doc, k, KEY_TYPOS[k])
            doc.clear()
            doc.update(new)
            return f"top-level key '{k}' misspelt '{KEY_TYPOS[k]}'", True
        if what == "bad_enum":
            cands = [n for n, t in targets.items() if "xero" in t or "mode" in t]
            if not cands:
                continue
            n = rng.choice(cands)
            targets[n]["mode"] = rng.choice(["upsret", "insert", "Create"])
            return f"targets.{n}.mode: not one of the enum", True
        if what == "bad_name":
            doc["name"] = doc["name"].replace("-", " ", 1).title()
            return "name: does not match the pattern", True
        if what == "unknown_from":
            n = rng.choice(list(targets))
            targets[n]["from"] = targets[n]["from"] + "s"
            return f"targets.{n}.from: unknown reference", False
        if what == "unknown_after":
            n = rng.choice(list(targets))
            targets[n]["after"] = FlowList(["push_everything"])
            return f"targets.{n}.after: unknown reference", False
        if what == "unknown_xero_field":
            cands = [n for n, s in steps.items() if isinstance(s.get("map"), dict)
                     and any(k in s["map"] for k in ("EmailAddress", "InvoiceNumber", "Reference", "Date"))
                     and any(t.get("from") == n and "xero" in t for t in targets.values())]
            if not cands:
                continue
            n = rng.choice(cands)
            m = steps[n]["map"]
            k = next(k for k in ("EmailAddress", "InvoiceNumber", "Reference", "Date") if k in m)
            steps[n]["map"] = rename_key(m, k, {"EmailAddress": "EmailAdress", "InvoiceNumber": "InvoiceNo",
                                                "Reference": "Referance", "Date": "InvoiceDate"}[k])
            return f"steps.{n}.map.{k}: not a Xero field", False
        if what == "unknown_lookup":
            cands = [n for n, s in steps.items() if "filter" in s]
            if not cands:
                continue
            n = rng.choice(cands)
            steps[n]["filter"] = steps[n]["filter"] + " and $lookup($blocked_sites, site) != true"
            return f"steps.{n}.filter: unknown lookup", False
        if what == "bad_cron" and "schedule" in doc:
            doc["schedule"]["cron"] = rng.choice(["0 25 * * *", "61 * * * *", "0 0 32 * *", "*/0 * * * *"])
            return "schedule.cron: out of range (semantic check)", False
        if what == "bad_timezone" and "schedule" in doc:
            doc["schedule"]["timezone"] = rng.choice(["Europe/Londn", "Australia/Sidney", "Mars/Olympus"])
            return "schedule.timezone: unknown time zone", False
        if what == "bad_xero_value":
            cands = [n for n, s in steps.items() if isinstance(s.get("set"), dict) and "Status" in s["set"]
                     and any(t.get("from") == n and "xero" in t for t in targets.values())]
            if not cands:
                continue
            n = rng.choice(cands)
            steps[n]["set"]["Status"] = "AUTHORIZED"
            return f"steps.{n}.set.Status: not a Xero enum value", False
    # Fallback that always applies.
    doc["version"] = 2
    return "version: not 1", True


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def generate(n: int, out: str, seed: int, error_rate: float, schema_ref: str | None) -> dict:
    if os.path.isdir(out):
        for f in os.listdir(out):
            if f.endswith((".yaml", ".yml")) or f == "manifest.json":
                os.remove(os.path.join(out, f))
    os.makedirs(out, exist_ok=True)
    ref = schema_ref or os.path.relpath(SCHEMA, out)
    manifest = {"seed": seed, "count": n, "error_rate": error_rate, "schema": ref, "errors": {}}
    err_rng = random.Random(seed * 7919 + 1)
    broken = set(err_rng.sample(range(n), round(n * error_rate))) if error_rate > 0 else set()
    for i in range(n):
        rng = random.Random(f"{seed}:{i}")
        b = Builder(rng, i)
        doc, noun = b.build()
        if i in broken:
            what, schema_visible = inject_error(doc, err_rng)
            manifest["errors"][f"{doc_name(doc, i)}.yaml"] = {"error": what, "schema": schema_visible}
        text = render(doc, ref, rng, noun.capitalize())
        with open(os.path.join(out, f"{doc_name(doc, i)}.yaml"), "w", encoding="utf-8") as fh:
            fh.write(text)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True)
        fh.write("\n")
    return manifest


def doc_name(doc: dict, i: int) -> str:
    return f"p{i:04d}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--count", type=int, default=1000, help="how many files (default 1000)")
    ap.add_argument("--out", default="/tmp/xeroflow-bench/pipelines", help="folder for the valid set")
    ap.add_argument("--seed", type=int, default=20261123, help="random seed (default 20261123)")
    ap.add_argument("--errors", action="store_true", help="also write the variant with ~10%% errors")
    ap.add_argument("--errors-out", default=None, help="folder for the error variant (default: OUT-errors)")
    ap.add_argument("--error-rate", type=float, default=0.10, help="share of broken files (default 0.10)")
    ap.add_argument("--schema-ref", default=None,
                    help="the $schema written in each file's first line (default: relative path to "
                         "schemas/pipeline.schema.json)")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    m = generate(args.count, out, args.seed, 0.0, args.schema_ref)
    print(f"wrote {m['count']} valid pipeline files to {out}")
    if args.errors:
        eout = os.path.abspath(args.errors_out or out.rstrip("/") + "-errors")
        m = generate(args.count, eout, args.seed, args.error_rate, args.schema_ref)
        vis = sum(1 for e in m["errors"].values() if e["schema"])
        print(f"wrote {m['count']} pipeline files to {eout}: {len(m['errors'])} with an error "
              f"({vis} visible to a JSON Schema validator, {len(m['errors']) - vis} only to semantic checks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
